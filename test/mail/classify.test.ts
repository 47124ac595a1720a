// Auto-generated mail must be recognised (it never opens a ticket, is never answered), and mail
// from people must not be mistaken for it.
import { readFileSync } from 'node:fs';
import { classifyAutomatic, reportedMessageId } from '../../src/mail/classify.js';
import { parseMessage } from '../../src/mail/parse.js';

function mail(extraHeaders: string[], from = 'Ana <ana@example.com>', body = 'Hello.'): Buffer {
  const headers = [`From: ${from}`, 'To: support@desk.test', 'Subject: Hi', 'Date: Mon, 5 Jan 2026 09:00:00 +0000', 'Message-ID: <m1@example.com>', ...extraHeaders];
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}\r\n`);
}

async function classify(raw: Buffer) {
  return classifyAutomatic(await parseMessage(raw));
}

function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/mail/${name}`, import.meta.url));
}

describe('classifyAutomatic', () => {
  test.each([
    ['Auto-Submitted: auto-replied', 'Auto-Submitted: auto-replied'],
    ['Auto-Submitted: auto-generated; owner-email="x@y"', 'Auto-Submitted: auto-generated'],
    ['Auto-Submitted: Auto-Notified (comment)', 'Auto-Submitted: auto-notified'],
    ['X-Autoreply: yes', 'X-Autoreply: yes'],
    ['X-Autorespond: vacation', 'X-Autorespond: vacation'],
    ['Precedence: bulk', 'Precedence: bulk'],
    ['Precedence: JUNK', 'Precedence: junk'],
    ['Precedence: list', 'Precedence: list'],
    ['List-Id: Product news <news.example.com>', 'List-Id: Product news <news.example.com>'],
    ['List-Unsubscribe: <mailto:u@example.com>', 'List-Unsubscribe present (mailing list)'],
    ['Return-Path: <>', 'empty Return-Path (<>): a bounce or notice'],
    ['Return-Path: < >', 'empty Return-Path (<>): a bounce or notice'],
  ])('%s → automatic, reason recorded', async (header, reason) => {
    expect(await classify(mail([header]))).toEqual({ auto: true, reason });
  });

  test.each([
    ['MAILER-DAEMON@mx.example.com'],
    ['Mail Delivery System <Mailer-Daemon@mx.example.com>'],
    ['postmaster@example.org'],
    ['MAILER-DAEMON'],
  ])('sender %s → automatic', async (from) => {
    const result = await classify(mail([], from));
    expect(result.auto).toBe(true);
    expect(result.reason).toMatch(/^sent by (mailer-daemon|postmaster)/);
  });

  test.each([
    ['no special header', []],
    ['Auto-Submitted: no', ['Auto-Submitted: no']],
    ['X-Autoreply: no', ['X-Autoreply: no']],
    ['Precedence: normal', ['Precedence: normal']],
    ['Precedence: first-class', ['Precedence: first-class']],
    ['a normal Return-Path', ['Return-Path: <ana@example.com>']],
    ['a reply with In-Reply-To', ['In-Reply-To: <desk.1.abc@desk.test>']],
  ])('a person\'s mail (%s) is not automatic', async (_label, headers) => {
    expect(await classify(mail(headers))).toEqual({ auto: false, reason: null });
  });

  test('a sender whose name merely contains "postmaster" is a person', async () => {
    expect((await classify(mail([], 'Postmaster General <jane@example.com>'))).auto).toBe(false);
    expect((await classify(mail([], 'postmaster.fan@example.com'))).auto).toBe(false);
  });

  test('multipart/report wins over the other headers and says what it reports', async () => {
    expect(await classify(fixture('bounce-dsn.eml'))).toEqual({
      auto: true,
      reason: 'multipart/report: delivery status notification (failed for gone@example.com, 5.1.1)',
    });
    expect((await classify(fixture('read-receipt.eml'))).reason).toBe('multipart/report: read receipt');
  });

  test('an out-of-office reply to a desk reply', async () => {
    expect(await classify(fixture('auto-reply.eml'))).toEqual({ auto: true, reason: 'Auto-Submitted: auto-replied' });
  });
});

describe('reportedMessageId', () => {
  test('a DSN: the Message-ID of the returned message', async () => {
    expect(reportedMessageId(await parseMessage(fixture('bounce-dsn.eml')))).toBe('<desk.42.a1b2c3d4@desk.test>');
  });

  test('headers-only report and read receipt', async () => {
    expect(reportedMessageId(await parseMessage(fixture('bounce-headers-only.eml')))).toBe('<desk.7.ffee0011@desk.test>');
    expect(reportedMessageId(await parseMessage(fixture('read-receipt.eml')))).toBe('<desk.42.deadbeef@desk.test>');
  });

  test('an old-style text bounce: the Message-ID line quoted in the body', async () => {
    const parsed = await parseMessage(fixture('bounce-plain-text.eml'));
    expect(classifyAutomatic(parsed)).toEqual({ auto: true, reason: 'sent by mailer-daemon@old.example.org' });
    expect(reportedMessageId(parsed)).toBe('<desk.9.0a0b0c0d@desk.test>');
  });

  test('mail from a person reports on nothing, even when it quotes a Message-ID line', async () => {
    expect(reportedMessageId(await parseMessage(mail([])))).toBeNull();
    const forwarded = await parseMessage(mail([], 'Ana <ana@example.com>', 'See below.\r\n\r\nMessage-ID: <desk.9.0a0b0c0d@desk.test>'));
    expect(reportedMessageId(forwarded)).toBeNull();
  });
});
