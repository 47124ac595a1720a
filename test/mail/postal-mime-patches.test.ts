// desk's postal-mime carries the patches in patches/postal-mime+*.patch (applied at install; the
// tests and the bundle run them). Each one must read mail exactly as the library without it:
// every fixture, a generated mailbox, and generated hostile input of the class the patch touches.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-expect-error postal-mime's internals have no types
import PatchedBase64Decoder from '../../node_modules/postal-mime/src/base64-decoder.js';
import PostalMime from 'postal-mime';
// @ts-expect-error plain JavaScript, shared with the build and the benchmark
import { copyWithout, libraryPatch, scratchDir } from '../../scripts/library-patches.js';
import { createRng, generateMailbox, type Rng } from '../helpers/mailgen.js';

type Parse = (raw: Buffer) => Promise<unknown>;
const FIXTURES = join(process.cwd(), 'test/fixtures/mail');
const PATCHES = ['folded-headers', 'join-chunks', 'native-base64'] as const;

let dir: string;
/** Per patch: postal-mime without that one patch (the original behaviour) */
const without = new Map<string, { parse: Parse; root: string }>();

beforeAll(async () => {
  // Inside the project, so that the copies' imports resolve as the installed library's do.
  dir = scratchDir('desk-postal-mime-');
  for (const name of PATCHES) {
    const root = copyWithout(libraryPatch(name), join(dir, name));
    const mod = await import(pathToFileURL(join(root, 'src', 'postal-mime.js')).href);
    without.set(name, { root, parse: (raw) => mod.default.parse(raw) });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The parse as comparable text; an error counts as a result too. */
async function outcome(parse: Parse, raw: Buffer): Promise<string> {
  try {
    return JSON.stringify(await parse(raw), (_k, v) => (v instanceof ArrayBuffer ? `bytes:${Buffer.from(v).toString('hex')}` : v));
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}
const patched: Parse = (raw) => PostalMime.parse(raw);

async function expectParity(name: string, mails: { label: string; raw: Buffer }[]): Promise<void> {
  const original = without.get(name)!.parse;
  for (const { label, raw } of mails) {
    expect([label, await outcome(patched, raw)]).toEqual([label, await outcome(original, raw)]);
  }
}

const fixtures = () => readdirSync(FIXTURES).filter((f) => f.endsWith('.eml')).map((f) => ({ label: f, raw: readFileSync(join(FIXTURES, f)) }));
const mailbox = () => generateMailbox(300, 11, { to: 'support@desk.test' }).map((m, i) => ({ label: `generated ${i}`, raw: m.raw }));

/** Header blocks folded every way: folds of spaces, tabs, blank folds, a first line that is folded. */
function foldedMail(rng: Rng, i: number): { label: string; raw: Buffer } {
  const fold = () => rng.pick(['\r\n ', '\r\n\t', '\r\n  \r\n ', '\r\n \r\n\t x', '\n ', '\r\n\r\n ']);
  const value = (parts: string[]) => parts.map((p) => (rng.chance(0.5) ? `${p}${fold()}` : `${p} `)).join('');
  const lines = [
    rng.chance(0.3) ? ` X-Leading: starts folded${fold()}on` : 'X-First: plain',
    `From: ${value(['"Ana', 'Silva"', '<ana@example.org>'])}`,
    `Subject: ${value(['=?utf-8?q?caf=C3=A9?=', '=?utf-8?q?_au_lait?=', 'end'])}`,
    `References: ${value(Array.from({ length: rng.int(1, 6) }, (_, k) => `<r${k}@example.org>`))}`,
    `Content-Type: ${value(['text/plain;', 'charset=utf-8'])}`,
    `Message-ID: <fold-${i}@example.org>`,
  ];
  return { label: `folded ${i}`, raw: Buffer.from([...lines, '', `body ${i}`].join('\r\n')) };
}

/** Multipart mail whose body lines look like boundaries, nest, or end without a newline. */
function boundaryMail(rng: Rng, i: number): { label: string; raw: Buffer } {
  const outer = `out${rng.hex(6)}`;
  const inner = `${outer}-in`; // one boundary a prefix of the other
  const noise = () => rng.pick([`--${outer}x`, `--${outer} \t`, `--${inner}--`, '--', '---', `-- ${outer}`, `--${outer.slice(0, 3)}`, 'plain text', '']);
  const body = [
    `--${outer}`, 'Content-Type: text/plain', '', noise(), noise(),
    `--${outer}`, `Content-Type: multipart/alternative; boundary="${inner}"`, '',
    `--${inner}`, 'Content-Type: text/plain', '', noise(), `--${inner}`, 'Content-Type: text/html', '', `<p>${noise()}</p>`,
    rng.chance(0.5) ? `--${inner}--` : noise(),
    `--${outer}${rng.chance(0.5) ? '--' : ''}${rng.pick(['', ' ', '\t'])}`,
    noise(),
  ];
  const raw = [`Content-Type: multipart/mixed; boundary="${outer}"`, `Subject: boundaries ${i}`, '', ...body].join(rng.pick(['\r\n', '\n']));
  return { label: `boundaries ${i}`, raw: Buffer.from(rng.chance(0.5) ? raw : `${raw}\r\n`) };
}

/** Bodies in every transfer encoding with bytes of every kind, including invalid UTF-8 and NULs. */
function encodedMail(rng: Rng, i: number): { label: string; raw: Buffer } {
  const bytes = rng.bytes(rng.int(0, 3000));
  const cte = rng.pick(['quoted-printable', '8bit', '7bit', 'binary', 'x-unknown']);
  let body: Buffer;
  if (cte === 'quoted-printable') {
    const qp = [...bytes].map((b) => (b >= 33 && b <= 126 && b !== 61 ? String.fromCharCode(b) : rng.chance(0.1) ? `=${rng.hex(1)}` : `=${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
    body = Buffer.from((qp.match(/.{1,73}/g) ?? []).join('=\r\n') + (rng.chance(0.5) ? '=' : ''));
  } else {
    body = bytes;
  }
  const head = `Content-Type: ${rng.pick(['text/plain; charset=utf-8', 'text/plain; charset=iso-8859-1', 'application/octet-stream', 'text/html'])}\r\nContent-Transfer-Encoding: ${cte}\r\nSubject: encoded ${i}\r\n\r\n`;
  return { label: `encoded ${i} (${cte})`, raw: Buffer.concat([Buffer.from(head), body]) };
}

/** base64 bodies, well formed and broken: garbage, padding anywhere, stray characters past a group. */
function base64Lines(rng: Rng): string[] {
  let text = rng.bytes(rng.int(0, 4000)).toString('base64');
  const damage = rng.int(0, 4);
  for (let d = 0; d < damage; d++) {
    const at = rng.int(0, text.length);
    text = text.slice(0, at) + rng.pick(['=', '==', '-', '_', ' ', '\t', '*', '\u00e9', '\u00ff', '\u0000', 'A', 'QQ==']) + text.slice(at);
  }
  const width = rng.pick([76, 64, 1, 3, 77, 1000]);
  return text.match(new RegExp(`[^]{1,${width}}`, 'g')) ?? [];
}

describe('postal-mime as patched', () => {
  it('folded-headers: merges folded header lines exactly as before, for fold shapes of every kind', async () => {
    const rng = createRng(41);
    await expectParity('folded-headers', [...fixtures(), ...Array.from({ length: 200 }, (_, i) => foldedMail(rng, i))]);
  });

  it('folded-headers: a header folded 200,000 times is read in linear time', async () => {
    const raw = Buffer.from(`X-Folded: ${'a\r\n '.repeat(200_000)}a\r\nSubject: folded\r\n\r\nhello\r\n`);
    const t0 = process.hrtime.bigint();
    const parsed = await PostalMime.parse(raw);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(parsed.subject).toBe('folded');
    expect(ms).toBeLessThan(5000); // without the patch: over a minute
  });

  it('join-chunks: gives the same bytes for every transfer encoding, generated binary content and multipart look-alikes', async () => {
    const rng = createRng(43);
    await expectParity('join-chunks', [
      ...fixtures(), ...mailbox(), ...Array.from({ length: 200 }, (_, i) => encodedMail(rng, i)), ...Array.from({ length: 100 }, (_, i) => boundaryMail(rng, i)),
    ]);
  });

  it('native-base64: decodes well-formed and broken base64 to the same bytes', async () => {
    const rng = createRng(44);
    const { root } = without.get('native-base64')!;
    const Original = (await import(pathToFileURL(join(root, 'src', 'base64-decoder.js')).href)).default;
    for (let i = 0; i < 400; i++) {
      const lines = base64Lines(rng);
      const a = new PatchedBase64Decoder();
      const b = new Original();
      for (const line of lines) {
        const bytes = new Uint8Array(Buffer.from(line, rng.chance(0.5) ? 'latin1' : 'utf8'));
        a.update(bytes);
        b.update(bytes);
      }
      const [ours, theirs] = [Buffer.from(await a.finalize()).toString('hex'), Buffer.from(await b.finalize()).toString('hex')];
      expect([i, lines.join('\n'), ours]).toEqual([i, lines.join('\n'), theirs]);
    }
    const mails = Array.from({ length: 100 }, (_, i) => ({
      label: `base64 ${i}`,
      raw: Buffer.from(`Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\nSubject: b ${i}\r\n\r\n${base64Lines(rng).join('\r\n')}\r\n`),
    }));
    await expectParity('native-base64', [...fixtures(), ...mailbox(), ...mails]);
  });
});
