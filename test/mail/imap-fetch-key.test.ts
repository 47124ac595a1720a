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
