// desk's imapflow carries the patches in patches/imapflow+*.patch (applied at install; the tests
// and the bundle run them). Each must turn every FETCH response into exactly the message object the
// library without it gives, or a sync would lose a message's source or UID, or misname it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parser } from 'imapflow/lib/handler/imap-handler.js';
// @ts-expect-error plain JavaScript, shared with the build and the benchmark
import { copyWithout, libraryPatch, scratchDir } from '../../scripts/library-patches.js';
import { createRng, type Rng } from '../helpers/mailgen.js';

type Format = (response: unknown, mailbox: unknown) => Promise<Record<string, unknown>>;
const PATCHES = ['fetch-attribute-key'] as const;

let dir: string;
let patched: Format;
const without = new Map<string, Format>();

beforeAll(async () => {
  patched = (await import('imapflow/lib/tools.js' as string)).formatMessageResponse;
  // Inside the project, so that the copies' imports resolve as the installed library's do.
  dir = scratchDir('desk-imapflow-');
  for (const name of PATCHES) {
    const root = copyWithout(libraryPatch(name), join(dir, name));
    without.set(name, (await import(pathToFileURL(join(root, 'dist', 'esm', 'tools.js')).href)).formatMessageResponse);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One FETCH attribute as a server writes it, with the literals it carries. */
function attribute(rng: Rng): [string, Buffer[]] {
  const literal = (name: string): [string, Buffer[]] => {
    const body = rng.bytes(rng.int(0, 300));
    return [`${name} {${body.length}}\r\n`, [body]];
  };
  switch (rng.int(0, 19)) {
    case 0: return [`UID ${rng.int(1, 4_000_000_000)}`, []];
    case 1: return [`FLAGS (${rng.pick(['', '\\Seen', '\\Seen \\Flagged $Label1', '\\Answered $MDNSent'])})`, []];
    case 2: return ['INTERNALDATE "17-Jul-1996 02:44:25 -0700"', []];
    case 3: return [`RFC822.SIZE ${rng.int(0, 1e7)}`, []];
    case 4: return [`MODSEQ (${rng.int(1, 1e12)})`, []];
    case 5: return literal('BODY[]');
    case 6: return literal('BODY[HEADER.FIELDS (SUBJECT FROM)]');
    case 7: return literal(`BODY[${rng.int(1, 3)}.${rng.int(1, 3)}]`);
    case 8: return literal(`BODY[]<${rng.int(0, 100)}>`);
    case 9: return literal('BINARY[]');
    case 10: return [`X-GM-MSGID ${rng.int(1, 1e15)}`, []];
    case 11: return [`X-GM-THRID ${rng.int(1, 1e15)}`, []];
    case 12: return [`EMAILID (M${rng.hex(12)})`, []];
    case 13: return [`THREADID (T${rng.hex(8)})`, []];
    case 14: return [`X-GM-LABELS (\\Inbox "Sent Mail" ${rng.pick(['Work', '"a b"'])})`, []];
    case 15: return literal('RFC822');
    case 16: return literal('RFC822.HEADER');
    case 17: return [`BINARY.SIZE[${rng.int(1, 2)}] ${rng.int(0, 5000)}`, []];
    case 18: return ['ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700" "Hi" (("Ana" NIL "ana" "example.org")) NIL NIL NIL NIL NIL NIL "<m@x>")', []];
    default: return literal(rng.pick(['body[]', 'Body[Text]', 'BODY[1]<0.10>', 'BODY[MIME]']));
  }
}

/** A FETCH response of random attributes; the UID is there unless `noUid`. */
async function fetchResponse(rng: Rng) {
  const parts = Array.from({ length: rng.int(1, 6) }, () => attribute(rng));
  if (rng.chance(0.8)) parts.unshift([`UID ${rng.int(1, 1e6)}`, []]);
  const line = `* ${rng.int(1, 1e6)} FETCH (${parts.map(([text]) => text).join(' ')})`;
  return { line, parse: () => parser(Buffer.from(line), { literals: parts.flatMap(([, l]) => l) }) };
}

function mailbox(rng: Rng) {
  return {
    path: rng.pick(['INBOX', 'Support/Entwürfe', '[Gmail]/All Mail', 'Отдел']),
    uidValidity: rng.pick([BigInt(rng.int(1, 4e9)), undefined]),
    uidNext: rng.int(1, 1e6),
  };
}

const shown = (m: Record<string, unknown>) => JSON.stringify(m, (_k, v) => (typeof v === 'bigint' ? `${v}n` : Buffer.isBuffer(v) ? v.toString('hex') : v));

describe.each(PATCHES)('imapflow patched with %s', (name) => {
  it('formats generated FETCH responses exactly as without the patch (keys, values, order, id)', async () => {
    const original = without.get(name)!;
    const rng = createRng(name.length * 101);
    for (let i = 0; i < 500; i++) {
      const response = await fetchResponse(rng);
      const box = mailbox(rng);
      const a = await patched(await response.parse(), { ...box });
      const b = await original(await response.parse(), { ...box });
      expect([response.line, Object.keys(a)]).toEqual([response.line, Object.keys(b)]);
      expect([response.line, shown(a)]).toEqual([response.line, shown(b)]);
      expect([response.line, a.id]).toEqual([response.line, b.id]);
    }
  });
});
