import { describe, expect, it } from '@jest/globals';
import PostalMime from 'postal-mime';
import { UsageError } from '../../src/errors.js';
import type { Message } from '../../src/domain/types.js';
import {
  composeMail,
  headerText,
  replyMessageId,
  replySubject,
  threadingFor,
  type OutgoingMail,
} from '../../src/mail/compose.js';
import { parseOurMessageId } from '../../src/domain/threading.js';

function headerLines(raw: Buffer): string[] {
  const text = raw.toString('latin1');
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  return head.replace(/\r\n[ \t]/g, ' ').split('\r\n');
}

function headerNames(raw: Buffer): string[] {
  return headerLines(raw).map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
}

const base: OutgoingMail = {
  from: { address: 'support@desk.example', name: 'Example Support' },
  to: { address: 'joao@example.com', name: 'João Silva' },
  subject: replySubject('Export fails with error 500', 42),
  text: 'Hi João,\n\nFixed.\n',
  messageId: replyMessageId(42, 'support@desk.example', 'abc123'),
  inReplyTo: '<cust-2@mail.example.com>',
  references: ['<cust-1@mail.example.com>', '<desk.42.aaa@desk.example>', '<cust-2@mail.example.com>'],
  date: new Date('2026-03-30T08:30:00Z'),
};

describe('replySubject', () => {
  it.each([
    ['Export fails', 'Re: [#42] Export fails'],
    ['Re: Export fails', 'Re: [#42] Export fails'],
    ['RE: re: AW: Export fails', 'Re: [#42] Export fails'],
    ['Re: [#42] Export fails', 'Re: [#42] Export fails'],
    ['[#42] Re: Export fails', 'Re: [#42] Export fails'],
    ['Re: [#42] Re: [#42] Export fails', 'Re: [#42] Export fails'],
    ['Fwd: Export fails', 'Re: [#42] Fwd: Export fails'],
    ['Re: [#7] other ticket', 'Re: [#42] [#7] other ticket'],
    ['', 'Re: [#42]'],
    [null, 'Re: [#42]'],
  ])('%j → %j', (original, expected) => {
    expect(replySubject(original, 42)).toBe(expected);
  });

  it('flattens line breaks so a subject cannot carry a header', () => {
    expect(replySubject('Hello\r\nBcc: victim@example.com', 9)).toBe('Re: [#9] Hello Bcc: victim@example.com');
  });
});

describe('replyMessageId', () => {
  it('names the ticket on our domain, in the form the sync side threads on', () => {
    const id = replyMessageId(42, 'support@desk.example');
    expect(id).toMatch(/^<desk\.42\.[0-9a-f]{16}@desk\.example>$/);
    expect(parseOurMessageId(id)).toMatchObject({ ticketId: 42, domain: 'desk.example' });
    expect(replyMessageId(42, 'support@desk.example')).not.toBe(id);
  });

  it('keeps a hostile From domain out of the header', () => {
    expect(replyMessageId(1, 'x@evil.example>\r\nBcc: x@y', 'r')).toMatch(/^<desk\.1\.r@[a-z0-9.-]+>$/);
    expect(replyMessageId(1, 'x@Evil.Example>\r\n', 'r')).toBe('<desk.1.r@evil.example>');
  });
});

function msg(partial: Partial<Message> & Pick<Message, 'message_id' | 'direction' | 'date'>): Message {
  return { from: 'x@example.com', text: '', ...partial };
}

describe('threadingFor', () => {
  it('answers the customer’s latest message and chains the whole thread', () => {
    const t = threadingFor([
      msg({ message_id: '<c2@m.example>', direction: 'in', date: '2026-03-29T10:00:00Z', references: ['<c1@m.example>', '<desk.42.a@desk.example>'] }),
      msg({ message_id: '<c1@m.example>', direction: 'in', date: '2026-03-27T14:00:00Z' }),
      msg({ message_id: '<desk.42.a@desk.example>', direction: 'out', date: '2026-03-28T09:00:00Z' }),
      msg({ message_id: '<ooo@m.example>', direction: 'in', date: '2026-03-29T11:00:00Z', auto: 'auto-reply' }),
    ]);
    expect(t.inReplyTo).toBe('<c2@m.example>');
    expect(t.references).toEqual(['<c1@m.example>', '<desk.42.a@desk.example>', '<ooo@m.example>', '<c2@m.example>']);
  });

  it('drops ids that are not Message-IDs instead of passing them on', () => {
    const t = threadingFor([
      msg({ message_id: '<c1@m.example>\r\nBcc: x@y.example', direction: 'in', date: '2026-03-27T14:00:00Z' }),
      msg({ message_id: 'c0@m.example', direction: 'in', date: '2026-03-26T14:00:00Z', references: ['<a b@c>', 'junk'] }),
    ]);
    expect(t).toEqual({ inReplyTo: '<c0@m.example>', references: ['<c0@m.example>'] });
  });

  it('keeps the first and the latest ids of a very long thread', () => {
    const messages = Array.from({ length: 50 }, (_, i) =>
      msg({ message_id: `<m${i}@x.example>`, direction: 'in', date: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() }),
    );
    const t = threadingFor(messages);
    expect(t.references).toHaveLength(20);
    expect(t.references[0]).toBe('<m0@x.example>');
    expect(t.references.at(-1)).toBe('<m49@x.example>');
  });

  it('has nothing to answer on a ticket without customer mail', () => {
    expect(threadingFor([])).toEqual({ inReplyTo: null, references: [] });
  });
});

describe('composeMail', () => {
  it('builds a threaded plain-text reply from our address to the requester', async () => {
    const mail = await composeMail(base);
    expect(mail.envelope).toEqual({ from: 'support@desk.example', to: ['joao@example.com'] });
    expect(mail.messageId).toBe('<desk.42.abc123@desk.example>');
    const parsed = await PostalMime.parse(mail.raw);
    expect(parsed.from).toMatchObject({ address: 'support@desk.example', name: 'Example Support' });
    expect(parsed.to).toEqual([{ address: 'joao@example.com', name: 'João Silva' }]);
    expect(parsed.subject).toBe('Re: [#42] Export fails with error 500');
    expect(parsed.messageId).toBe('<desk.42.abc123@desk.example>');
    expect(parsed.inReplyTo).toBe('<cust-2@mail.example.com>');
    expect(parsed.references).toBe('<cust-1@mail.example.com> <desk.42.aaa@desk.example> <cust-2@mail.example.com>');
    expect(parsed.date).toBe('2026-03-30T08:30:00.000Z');
    expect(parsed.text).toBe('Hi João,\n\nFixed.\n');
    expect(parsed.html).toBeUndefined();
    expect(headerNames(mail.raw)).not.toContain('auto-submitted');
  });

  it('is the same bytes when built twice, so a resend is the same message', async () => {
    expect((await composeMail(base)).raw.equals((await composeMail(base)).raw)).toBe(true);
  });

  it('adds an HTML alternative when given one', async () => {
    const parsed = await PostalMime.parse((await composeMail({ ...base, html: '<p>Fixed.</p>' })).raw);
    expect(parsed.html).toContain('<p>Fixed.</p>');
    expect(parsed.text?.trimEnd()).toBe('Hi João,\n\nFixed.');
  });

  it('marks automatic replies so that other robots do not answer them', async () => {
    const parsed = await PostalMime.parse((await composeMail({ ...base, autoReply: true })).raw);
    const headers = Object.fromEntries(parsed.headers.map((h) => [h.key, h.value]));
    expect(headers['auto-submitted']).toBe('auto-replied');
    expect(headers['x-auto-response-suppress']).toBe('All');
  });

  describe('header injection', () => {
    const expectedHeaders = ['content-type', 'from', 'to', 'subject', 'message-id', 'in-reply-to', 'references', 'content-transfer-encoding', 'date', 'mime-version'];

    it('CR/LF in the subject, names and threading ids never make an extra header', async () => {
      const attacks = ['\r\nBcc: victim@example.com', '\nBcc: victim@example.com', '\rBcc: victim@example.com', '\u2028Bcc: victim@example.com', '\u0085Bcc: v@e.com'];
      for (const attack of attacks) {
        const mail = await composeMail({
          ...base,
          subject: `Hello${attack}`,
          from: { address: 'support@desk.example', name: `Support${attack}` },
          to: { address: 'joao@example.com', name: `João${attack}` },
          inReplyTo: `<c@m.example>${attack}`,
          references: [`<c@m.example>${attack}`, '<ok@m.example>'],
        });
        const names = headerNames(mail.raw);
        expect(names).not.toContain('bcc');
        expect(names.every((n) => expectedHeaders.includes(n))).toBe(true);
        expect(mail.envelope.to).toEqual(['joao@example.com']);
        const parsed = await PostalMime.parse(mail.raw);
        expect(parsed.bcc).toBeUndefined();
        expect(parsed.references).toBe('<ok@m.example>');
      }
    });

    it('refuses an address with a line break or a second address hidden in it', async () => {
      for (const address of ['joao@example.com\r\nBcc: victim@example.com', 'joao@example.com, victim@example.com', 'Joao <joao@example.com>', 'joao@example.com\u0000']) {
        const err = await composeMail({ ...base, to: { address } }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UsageError);
        expect((err as Error).message).toContain('To');
      }
    });

    it('refuses a Message-ID of our own that is not one', async () => {
      await expect(composeMail({ ...base, messageId: '<x@y>\r\nBcc: v@e.com' })).rejects.toThrow(UsageError);
    });
  });

  it('headerText flattens controls but keeps the words', () => {
    expect(headerText('a\r\nb\tc\u0000d\u001be')).toBe('a b c d e');
  });
});
