// The bundled parser decodes base64 bodies with Base64BodyDecoder instead of postal-mime's own
// decoder: the bytes must be the same for good and for broken input.
import { Base64BodyDecoder } from '../../src/mail/base64-body.js';
// @ts-expect-error postal-mime's internals have no types
import PostalBase64Decoder from '../../node_modules/postal-mime/src/base64-decoder.js';

async function decodeBoth(lines: string[]): Promise<[string, string]> {
  const ours = new Base64BodyDecoder();
  const theirs = new PostalBase64Decoder();
  for (const line of lines) {
    const bytes = new Uint8Array(Buffer.from(line, 'latin1'));
    ours.update(bytes);
    theirs.update(bytes);
  }
  const a = Buffer.from(await ours.finalize()).toString('hex');
  const b = Buffer.from(await theirs.finalize()).toString('hex');
  return [a, b];
}

const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 37) % 256)).toString('base64');
const wrap = (s: string, n = 76) => s.match(new RegExp(`.{1,${n}}`, 'g')) ?? [];

describe('Base64BodyDecoder', () => {
  it.each([
    ['a well-formed body in 76-character lines', wrap(payload)],
    ['a body over postal-mime\'s 100 KB chunk size', wrap(Buffer.alloc(200_000, 7).toString('base64'))],
    ['padding in the middle (parts encoded one by one and joined)', ['QQ==', 'Qg==', 'Qw==']],
    ['url-safe characters, spaces and garbage', ['SGVs bG8-_,.*', '\tV29y\u00e9bGQ=']],
    ['one character past the last group', ['QUJD', 'R']],
    ['two and three characters past it', ['QUJDR', 'E'], ],
    ['an empty body', []],
    ['only padding', ['====']],
    ['bytes that are not UTF-8', ['\u00ff\u00feQUJD\u0080']],
  ])('gives the same bytes as postal-mime for %s', async (_name, lines) => {
    const [ours, theirs] = await decodeBoth(lines as string[]);
    expect(ours).toBe(theirs);
  });

  it('decodes a real attachment to its bytes', async () => {
    const [ours] = await decodeBoth(wrap(payload));
    expect(Buffer.from(ours, 'hex').equals(Buffer.from(payload, 'base64'))).toBe(true);
  });
});
