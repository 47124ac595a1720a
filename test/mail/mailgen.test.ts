// The generator the sync tests and the benchmark fill Dovecot with: it must be deterministic, and
// each message must be what it claims to be — checked by parsing every one of them.
import { classifyAutomatic, reportedMessageId } from '../../src/mail/classify.js';
import { dedupeKey, MailParseError, parseMessage } from '../../src/mail/parse.js';
import { MAIL_KINDS, charsetMessage, generateMailbox, type GeneratedMail } from '../helpers/mailgen.js';

const FALLBACK = '2026-06-01T00:00:00Z';

describe('generateMailbox', () => {
  const mailbox = generateMailbox(1500, 42);

  test('is deterministic: the same seed gives the same bytes, another seed other bytes', () => {
    const again = generateMailbox(1500, 42);
    expect(again.map((m) => m.raw.toString('base64'))).toEqual(mailbox.map((m) => m.raw.toString('base64')));
    const other = generateMailbox(50, 43);
    expect(other[0].raw.equals(mailbox[0].raw)).toBe(false);
  });

  test('covers every kind of mail', () => {
    const kinds = new Set(mailbox.map((m) => m.kind));
    expect([...kinds].sort()).toEqual([...MAIL_KINDS].sort());
  });

  test('every message parses to what it claims (sender, subject, text, auto, thread, attachments)', async () => {
    const failures: string[] = [];
    for (const [i, mail] of mailbox.entries()) {
      const problem = await check(mail);
      if (problem) failures.push(`#${i} ${mail.kind}/${mail.variant}: ${problem}`);
    }
    expect(failures).toEqual([]);
  });

  test('a second delivery has the dedupe key of its original; a reused Message-ID does not', async () => {
    const duplicates = mailbox.filter((m) => m.kind === 'duplicate' && m.expect.parseable);
    expect(duplicates.length).toBeGreaterThan(0);
    for (const dup of duplicates) {
      const original = mailbox[dup.duplicateOf!];
      expect(dedupeKey(await parseMessage(dup.raw))).toBe(dedupeKey(await parseMessage(original.raw)));
    }
    const reused = mailbox.filter((m) => m.kind === 'reused-message-id');
    expect(reused.length).toBeGreaterThan(0);
    for (const mail of reused) {
      const first = mailbox.find((m) => m.messageId === mail.messageId && m.kind !== 'reused-message-id' && m.kind !== 'duplicate')!;
      const [a, b] = [await parseMessage(first.raw), await parseMessage(mail.raw)];
      expect(a.message_id).toBe(b.message_id);
      expect(dedupeKey(a)).not.toBe(dedupeKey(b));
    }
  });

  test('ticketOf: replies, auto-replies and bounces belong to the ticket of the message they refer to', () => {
    for (const [i, mail] of mailbox.entries()) {
      if (mail.kind === 'plain' || mail.kind === 'html-only') expect(mail.ticketOf).toBe(i);
      if (mail.kind === 'list' || mail.kind === 'unparseable') expect(mail.ticketOf).toBeNull();
      if (mail.kind === 'reply' || mail.kind === 'auto-reply') {
        const parent = mailbox.find((m) => m.messageId === mail.expect.inReplyTo)!;
        expect(mail.ticketOf).toBe(parent.ticketOf);
        expect(mail.ticketOf).not.toBeNull();
      }
    }
  });
});

describe('charsetMessage', () => {
  test.each(['iso-2022-jp', 'shift_jis', 'euc-kr', 'ks_c_5601-1987', 'windows-1251', 'koi8-r', 'iso-8859-1', 'windows-1252', 'iso-8859-2', 'gb2312', 'big5', 'utf-7', 'mislabelled-utf-8'])(
    '%s decodes to the original text and subject',
    async (variant) => {
      const mail = charsetMessage({ variant });
      expect(mail.variant).toBe(variant);
      expect(await check(mail)).toBeNull();
    },
  );
});

/** null when the parse matches the expectation, else what differs. */
async function check(mail: GeneratedMail): Promise<string | null> {
  const e = mail.expect;
  if (!e.parseable) {
    try {
      await parseMessage(mail.raw, { fallbackDate: FALLBACK });
      return 'parsed, but should have been refused';
    } catch (err) {
      return err instanceof MailParseError ? null : `threw ${String(err)}`;
    }
  }
  const parsed = await parseMessage(mail.raw, { fallbackDate: FALLBACK });
  const auto = classifyAutomatic(parsed);
  const problems: string[] = [];
  if (parsed.from.email !== e.from) problems.push(`from ${parsed.from.email} ≠ ${e.from}`);
  if (parsed.subject !== e.subject) problems.push(`subject ${JSON.stringify(parsed.subject)} ≠ ${JSON.stringify(e.subject)}`);
  if (!parsed.text.includes(e.textIncludes)) problems.push(`text ${JSON.stringify(parsed.text.slice(0, 120))} lacks ${JSON.stringify(e.textIncludes)}`);
  if (auto.auto !== e.auto) problems.push(`auto ${auto.auto} (${auto.reason})`);
  if (parsed.in_reply_to !== e.inReplyTo) problems.push(`in_reply_to ${parsed.in_reply_to} ≠ ${e.inReplyTo}`);
  if (e.reportedMessageId && reportedMessageId(parsed) !== e.reportedMessageId) problems.push(`reported ${reportedMessageId(parsed)}`);
  if (parsed.message_id !== mail.messageId) problems.push(`message_id ${parsed.message_id} ≠ ${mail.messageId}`);
  const got = parsed.attachments.map((a) => ({ filename: a.filename, size: a.size, sha256: a.sha256 }));
  if (e.attachments.length && JSON.stringify(got) !== JSON.stringify(e.attachments)) problems.push(`attachments ${JSON.stringify(got)}`);
  // (garbage base64 decodes to garbage bytes: replacement characters are the honest outcome)
  if (mail.variant !== 'bad-base64' && /\ufffd/.test(parsed.text + parsed.subject)) problems.push('replacement characters in text');
  return problems.length ? problems.join('; ') : null;
}
