// The shortcut must name every attribute exactly as imapflow's own (slow) path does, or a sync
// would silently lose the message source or its UID.
import { fetchAttributeKey } from '../../src/mail/imap-fetch-key.js';
import { parser, compiler } from 'imapflow/lib/handler/imap-handler.js';

async function imapflowKey(token: unknown): Promise<string> {
  return (await compiler({ attributes: [token] } as never)).toString().toLowerCase().replace(/<\d+(\.\d+)?>$/, '');
}

describe('fetchAttributeKey', () => {
  it('names the attributes of a real FETCH response as imapflow does, or leaves them to it', async () => {
    const line =
      '* 12 FETCH (UID 1234 INTERNALDATE "17-Jul-1996 02:44:25 -0700" BODY[] {5}\r\n FLAGS (\\Seen) RFC822.SIZE 44 ' +
      'MODSEQ (123) BODY[HEADER.FIELDS (SUBJECT)] {3}\r\n BODY[]<0> {2}\r\n BINARY[] {1}\r\n X-GM-MSGID 123 EMAILID (M123) BODY[1.2] {1}\r\n)';
    const literals = ['hello', 'abc', 'ab', 'x', 'y'].map((s) => Buffer.from(s));
    const parsed = await parser(Buffer.from(line), { literals });
    const attributes = (parsed.attributes as unknown as unknown[][])[1]!;
    const fast: string[] = [];
    for (let i = 0; i < attributes.length; i += 2) {
      const key = fetchAttributeKey(attributes[i]);
      if (key !== undefined) {
        fast.push(key);
        expect(key).toBe(await imapflowKey(attributes[i]));
      }
    }
    // What a sync fetches takes the shortcut; sections and partial fetches do not.
    expect(fast).toEqual(['uid', 'internaldate', 'body[]', 'flags', 'rfc822.size', 'modseq', 'binary[]', 'x-gm-msgid', 'emailid']);
  });

  it('leaves odd tokens to imapflow', () => {
    expect(fetchAttributeKey(null)).toBeUndefined();
    expect(fetchAttributeKey({ type: 'STRING', value: 'UID' })).toBeUndefined();
    expect(fetchAttributeKey({ type: 'ATOM', value: 'BODY', section: [], partial: [0, 10] })).toBeUndefined();
    expect(fetchAttributeKey({ type: 'ATOM', value: 'X\r\nY' })).toBeUndefined();
  });
});

describe('the bundled imapflow', () => {
  // The build replaces hot spots of imapflow (scripts/build-plugins.js). Bundled the same way, its
  // formatMessageResponse must give what the original gives, id included.
  it('formats a FETCH response exactly as the original does', async () => {
    const { build } = await import('esbuild');
    const { mkdirSync, mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { pathToFileURL } = await import('node:url');
    // @ts-expect-error the build's plugins are plain JavaScript
    const { keepExternal, patchLibraries } = await import('../../scripts/build-plugins.js');
    const cache = join(process.cwd(), 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, 'desk-imapflow-'));
    try {
      const outfile = join(dir, 'tools.mjs');
      await build({
        stdin: { contents: "export { formatMessageResponse } from 'imapflow/lib/tools.js';", resolveDir: process.cwd(), loader: 'js' },
        bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile, plugins: [keepExternal, patchLibraries], logLevel: 'warning',
      });
      const code = readFileSync(outfile, 'utf8');
      for (const mark of ['fetchAttributeKey(attribute)', '__deskIdOf']) expect(code).toContain(mark);
      const patched = (await import(pathToFileURL(outfile).href)).formatMessageResponse;
      const original = (await import('imapflow/lib/tools.js' as string)).formatMessageResponse;
      const line = '* 3 FETCH (UID 77 INTERNALDATE "17-Jul-1996 02:44:25 -0700" FLAGS (\\Seen) BODY[] {5}\r\n)';
      const response = async () => parser(Buffer.from(line), { literals: [Buffer.from('hello')] });
      const mailbox = () => ({ path: 'INBOX', uidValidity: 123n, uidNext: 1 });
      const a = await patched(await response(), mailbox());
      const b = await original(await response(), mailbox());
      expect(a.id).toBe(b.id);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      expect(a.source.toString()).toBe('hello');
      expect(a.uid).toBe(77);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
