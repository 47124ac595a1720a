// desk runs a bundled build in which the mail parser's libraries have a few hot spots replaced
// (scripts/build-plugins.js). This bundles the parser exactly so and checks that it reads every
// fixture and a generated mailbox (attachments, charsets, broken mail) exactly as the source does.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
// @ts-expect-error the build's plugins are plain JavaScript
import { inject, keepExternal, patchLibraries } from '../../scripts/build-plugins.js';
import { parseMessage as sourceParse } from '../../src/mail/parse.js';
import { generateMailbox } from '../helpers/mailgen.js';

type Parse = typeof sourceParse;
const FIXTURES = join(process.cwd(), 'test/fixtures/mail');

let bundledParse: Parse;
let bundledCode: string;
let dir: string;

beforeAll(async () => {
  // Inside the project, so that the bundle's external imports resolve from node_modules.
  const cache = join(process.cwd(), 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  dir = mkdtempSync(join(cache, 'desk-parity-'));
  const outfile = join(dir, 'parse.mjs');
  await build({
    entryPoints: [join(process.cwd(), 'src/mail/parse.ts')],
    bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile,
    plugins: [keepExternal, patchLibraries], inject, logLevel: 'warning',
  });
  bundledParse = (await import(pathToFileURL(outfile).href)).parseMessage;
  bundledCode = readFileSync(outfile, 'utf8');
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The parse as comparable text; an error counts as a result too. */
async function outcome(parse: Parse, raw: Buffer): Promise<string> {
  try {
    const parsed = await parse(raw, { fallbackDate: '2026-03-01T10:00:00Z' });
    return JSON.stringify(parsed, (_k, v) => (v && v.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data).toString('hex') : v));
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

describe('the bundled mail parser', () => {
  it("really is the patched parser (Node's Blob, the line loop and base64 replaced)", () => {
    expect(bundledCode).toContain('new FastBlob(this.chunks');
    expect(bundledCode).toContain('this.currentNode.feed(bytes);');
    expect(bundledCode).toContain("new Base64BodyDecoder()");
    expect(bundledCode).toContain('this.headerLines = __deskMerged;');
  });

  it('merges folded headers exactly as the source does (first line folded, runs of folds, blank folds)', async () => {
    const folds = ['\r\n ', '\r\n\t', '\r\n  \r\n ', '\r\n \r\n\t x'];
    for (const [i, fold] of folds.entries()) {
      const raw = Buffer.from([
        ` X-Leading: starts folded${fold}on`,
        `From: "Ana${fold}Silva" <ana@example.org>`,
        `Subject: =?utf-8?q?caf=C3=A9?=${fold}=?utf-8?q?_au_lait?=${fold}end`,
        `References: <a@b>${fold}<c@d>${fold}${fold}<e@f>`,
        `Content-Type: text/plain;${fold}charset=utf-8`,
        `Message-ID: <fold-${i}@example.org>`,
        '',
        'body',
      ].join('\r\n'));
      expect([i, await outcome(bundledParse, raw)]).toEqual([i, await outcome(sourceParse, raw)]);
    }
  });

  it('reads every fixture exactly as the source does', async () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.eml'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const raw = readFileSync(join(FIXTURES, f));
      expect([f, await outcome(bundledParse, raw)]).toEqual([f, await outcome(sourceParse, raw)]);
    }
  });

  it('reads a generated mailbox with attachments and charsets exactly as the source does', async () => {
    const mails = generateMailbox(400, 7, { to: 'support@desk.test' });
    let withAttachments = 0;
    for (const m of mails) {
      const a = await outcome(bundledParse, m.raw);
      expect(a).toBe(await outcome(sourceParse, m.raw));
      if (a.includes('"attachments":[{')) withAttachments++;
    }
    expect(withAttachments).toBeGreaterThan(20);
  });
});
