// The import's line reader, on generated input cut into chunks at every kind of place (inside a
// multi-byte character, between \r and \n, exactly at the bound): it yields what splitting the
// whole text would (each line's text and its bytes), and reports a line over the bound by its
// size instead of holding it.
import { readLines, type Line } from '../../../src/commands/transfer/lines.js';
import { createRng } from '../../helpers/mailgen.js';

async function collect(chunks: (Buffer | string)[], max: number): Promise<Line[]> {
  const out: Line[] = [];
  for await (const l of readLines((async function* () {
    yield* chunks;
  })(), max)) out.push(l);
  return out;
}

/** What the reader must yield: split on \n, a \r before it dropped, long lines by size. */
function expected(text: string, max: number): Line[] {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.map((p) => {
    const line = p.endsWith('\r') ? p.slice(0, -1) : p;
    const bytes = Buffer.byteLength(p);
    return bytes > max ? { tooLong: bytes } : { text: line, bytes: Buffer.from(line) };
  });
}

const ALPHABET = ['a', 'b', '{', '"', ' ', 'é', '€', '😀', '\r', '\n', '\n', '\r\n'];

describe('readLines', () => {
  it('yields the same lines however the input is cut, and bounds every line', async () => {
    const rng = createRng(7);
    for (let round = 0; round < 300; round++) {
      const max = rng.int(1, 24);
      let text = '';
      const length = rng.int(0, 120);
      for (let i = 0; i < length; i++) text += rng.pick(ALPHABET);
      const bytes = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length;) {
        const n = rng.int(1, 9);
        chunks.push(bytes.subarray(at, at + n));
        at += n;
      }
      const got = await collect(chunks, max);
      expect({ round, text, max, got }).toEqual({ round, text, max, got: expected(text, max) });
    }
  });

  it('takes string chunks too, and a last line without a newline', async () => {
    const line = (text: string) => ({ text, bytes: Buffer.from(text) });
    expect(await collect(['{"a":1}\r\n{"b"', ':2}'], 100)).toEqual([line('{"a":1}'), line('{"b":2}')]);
  });

  it('reports a line over the bound with its size and reads on after it', async () => {
    const long = 'x'.repeat(5000);
    const got = await collect([`first\n${long.slice(0, 2000)}`, long.slice(2000), '\nlast\n'], 1000);
    expect(got).toEqual([{ text: 'first', bytes: Buffer.from('first') }, { tooLong: 5000 }, { text: 'last', bytes: Buffer.from('last') }]);
  });
});
