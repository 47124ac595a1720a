// parseMessage on the kinds of mail support mailboxes really get. Fixtures are in
// test/fixtures/mail (one per kind of breakage); smaller variations are built inline.
import { readFileSync } from 'node:fs';
import {
  dedupeKey,
  decodeUtf7,
  MailParseError,
  parseMailDate,
  parseMessage,
  storedMessageId,
  type ParsedMail,
} from '../../src/mail/parse.js';

const FALLBACK = '2026-02-01T00:00:00Z';

function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/mail/${name}`, import.meta.url));
}

function parseFixture(name: string): Promise<ParsedMail> {
  return parseMessage(fixture(name), { fallbackDate: FALLBACK });
}

/** A message from header lines and a body, CRLF line endings. */
function mail(headers: string[], body = 'Hello.'): Buffer {
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}\r\n`, 'utf8');
}

const BASIC = ['From: Ana <ana@example.com>', 'To: support@desk.test', 'Subject: Hi', 'Date: Mon, 5 Jan 2026 09:00:00 +0000', 'Message-ID: <basic@example.com>'];

describe('parseMessage: a plain message', () => {
  test('gives every field normalised: ids in brackets, addresses lowercased, date ISO Z, hashes', async () => {
    const raw = mail(
      [
        'From: "Ana Lima" <Ana.Lima@Example.COM>',
        'To: Support <SUPPORT@desk.test>, billing@desk.test',
        'Cc: Boss <boss@example.com>',
        'Reply-To: ana.private@example.com',
        'Subject: =?UTF-8?Q?Exporta=C3=A7=C3=A3o_falha?=',
        'Date: Mon, 5 Jan 2026 10:30:15 +0100',
        'Message-ID: abc123@mail.example.com',
        'In-Reply-To: <parent@example.com> (from Ana)',
        'References: <root@example.com>\r\n <parent@example.com>',
      ],
      'Olá,\nthe export fails.\n',
    );
    const parsed = await parseMessage(raw);
    expect(parsed).toMatchObject({
      message_id: '<abc123@mail.example.com>',
      in_reply_to: '<parent@example.com>',
      references: ['<root@example.com>', '<parent@example.com>'],
      from: { email: 'ana.lima@example.com', name: 'Ana Lima' },
      to: [{ email: 'support@desk.test', name: 'Support' }, { email: 'billing@desk.test', name: null }],
      cc: [{ email: 'boss@example.com', name: 'Boss' }],
      reply_to: [{ email: 'ana.private@example.com', name: null }],
      subject: 'Exportação falha',
      date: '2026-01-05T09:30:15Z',
      date_source: 'header',
      text: 'Olá,\nthe export fails.',
      html: null,
      attachments: [],
      content_type: 'text/plain',
      report: null,
    });
    expect(parsed.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(parsed.content_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('bare LF line endings, and bare CR ones, parse like CRLF', async () => {
    const lf = await parseFixture('lf-only.eml');
    expect(lf.text).toBe('Line endings are bare LF here, café.');
    const cr = await parseMessage(Buffer.from(mail(BASIC, 'Old Mac text.').toString('latin1').replace(/\r\n/g, '\r'), 'latin1'));
    expect(cr.from.email).toBe('ana@example.com');
    expect(cr.text).toBe('Old Mac text.');
  });

  test('a leading mbox "From " line and blank lines before the header are skipped', async () => {
    const raw = Buffer.concat([Buffer.from('\r\nFrom ana@example.com Mon Jan  5 09:00:00 2026\r\n'), mail(BASIC)]);
    const parsed = await parseMessage(raw);
    expect(parsed.from.email).toBe('ana@example.com');
    expect(parsed.subject).toBe('Hi');
  });
});

describe('parseMessage: broken headers', () => {
  test('obsolete syntax: comments in addresses, ids and dates, spaces before colons, groups', async () => {
    const parsed = await parseFixture('obsolete-syntax.eml');
    expect(parsed.from.email).toBe('pete@silly.test');
    expect(parsed.message_id).toBe('<testabcd.1234@silly.test>');
    expect(parsed.date).toBe('2025-02-14T03:02:00Z');
    expect(parsed.to.map((a) => a.email)).toEqual(['c@public.example', 'joe@example.org', 'jdoe@one.test']);
    expect(parsed.cc).toEqual([]);
    expect(parsed.text).toBe('Testing.');
  });

  test('stray lines, empty fields, a broken References, a folded To, two Subjects, an mbox line', async () => {
    const parsed = await parseFixture('broken-headers.eml');
    expect(parsed.from).toEqual({ email: 'ana.lima@example.org', name: 'Ana Lima' });
    expect(parsed.to.map((a) => a.email)).toEqual(['support@desk.test', 'billing@desk.test']);
    expect(parsed.cc).toEqual([]);
    expect(parsed.in_reply_to).toBeNull();
    expect(parsed.references).toEqual(['<first@example.org>', '<second@example.org>', '<broken.id@example.org>']);
    expect(parsed.subject).toBe('First subject wins');
    expect(parsed.text).toBe('The header above is a mess, the text is not.');
  });

  test('raw 8-bit Latin-1 header bytes are read in the declared charset, not turned into U+FFFD', async () => {
    const parsed = await parseFixture('latin1-raw-header.eml');
    expect(parsed.subject).toBe('Formação: Verão 2026');
    expect(parsed.from).toEqual({ email: 'info@formacao.example.pt', name: 'Formação Lda' });
    expect(parsed.text).toBe('Não consigo aceder à conta.');
    expect(parsed.warnings).toContain('header bytes were not UTF-8: read as iso-8859-1');
  });

  test('the sender falls back to Sender, Reply-To, Return-Path when From is missing or unusable', async () => {
    const withoutFrom = BASIC.filter((h) => !h.startsWith('From'));
    expect((await parseMessage(mail([...withoutFrom, 'Sender: Relay <relay@example.com>']))).from.email).toBe('relay@example.com');
    expect((await parseMessage(mail([...withoutFrom, 'From: undisclosed', 'Reply-To: real@example.com']))).from.email).toBe('real@example.com');
    const returnPath = await parseMessage(mail([...withoutFrom, 'Return-Path: <bounce@example.com>']));
    expect(returnPath.from.email).toBe('bounce@example.com');
    expect(returnPath.warnings).toContain('no usable From: sender taken from Return-Path');
    // A bare local part (bounces from "MAILER-DAEMON") is kept: the message is readable.
    expect((await parseMessage(mail([...withoutFrom, 'From: MAILER-DAEMON']))).from.email).toBe('mailer-daemon');
  });

  test('a display name that is really another address is dropped', async () => {
    const parsed = await parseMessage(mail(['From: tim@example.com concierge@example.com', ...BASIC.slice(1)]));
    expect(parsed.from).toEqual({ email: 'tim@example.com', name: null });
  });

  test('NUL characters never reach text (PostgreSQL rejects them)', async () => {
    const parsed = await parseMessage(mail(['From: a@example.com', 'Subject: =?utf-8?B?VEVTVAA=?='], 'A\u0000B'));
    expect(parsed.subject).toBe('TEST');
    expect(parsed.text).toBe('AB');
  });
});

describe('parseMessage: Message-IDs', () => {
  test.each([
    ['bracketed', '<a@b>', '<a@b>'],
    ['without brackets', 'a@b', '<a@b>'],
    ['with a comment', ' <a@b> (comment)', '<a@b>'],
    ['with spaces inside', '<a @ b>', '<a@b>'],
    ['empty brackets', '<>', null],
    ['empty', '', null],
    ['words', 'not an id at all', null],
    ['600 characters long', `<${'x'.repeat(600)}@b>`, null],
  ])('Message-ID %s → %j', async (_label, value, expected) => {
    const parsed = await parseMessage(mail([...BASIC.slice(0, 4), `Message-ID: ${value}`]));
    expect(parsed.message_id).toBe(expected);
  });

  test('without a Message-ID: null, a warning, and a stable stand-in id and key from the content', async () => {
    const parsed = await parseFixture('no-message-id.eml');
    expect(parsed.message_id).toBeNull();
    expect(parsed.warnings).toContain('no usable Message-ID');
    expect(storedMessageId(parsed)).toMatch(/^<nomid\.[0-9a-f]{32}@desk\.invalid>$/);
    expect(dedupeKey(parsed)).toBe(`hash:${parsed.content_sha256}`);
  });

  test('In-Reply-To with junk around the id, or empty', async () => {
    const junk = await parseMessage(mail([...BASIC, 'In-Reply-To: Your message of Mon, 5 Jan 2026 <parent@example.com>']));
    expect(junk.in_reply_to).toBe('<parent@example.com>');
    const empty = await parseMessage(mail([...BASIC, 'In-Reply-To: ']));
    expect(empty.in_reply_to).toBeNull();
  });

  test('References keep the newest 100 ids, without duplicates', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `<r${i}@example.com>`);
    const parsed = await parseMessage(mail([...BASIC, `References: ${ids.join(' ')} <r149@example.com>`]));
    expect(parsed.references).toHaveLength(100);
    expect(parsed.references[0]).toBe('<r50@example.com>');
    expect(parsed.references[99]).toBe('<r149@example.com>');
  });
});

describe('parseMessage: dates', () => {
  test('an unreadable Date falls back to the time the caller passes (the IMAP internal date)', async () => {
    const parsed = await parseFixture('bad-date.eml');
    expect(parsed.date).toBe(FALLBACK);
    expect(parsed.date_source).toBe('fallback');
    expect(parsed.warnings).toContain('unreadable Date header "<HR>"');
  });

  test('without a fallback, the newest Received date is used', async () => {
    const parsed = await parseMessage(fixture('bad-date.eml'));
    expect(parsed.date).toBe('2026-01-06T10:11:12Z');
    expect(parsed.date_source).toBe('received');
  });

  test('a date after delivery (or in the year 3609) is not believed', async () => {
    const parsed = await parseFixture('future-date.eml');
    expect(parsed.date).toBe(FALLBACK);
    expect(parsed.warnings[0]).toMatch(/^implausible Date header/);
    const slightlyAhead = await parseMessage(mail([...BASIC.slice(0, 3), 'Date: Sun, 1 Feb 2026 01:00:00 +0000']), { fallbackDate: FALLBACK });
    expect(slightlyAhead.date).toBe('2026-02-01T01:00:00Z'); // clocks drift: an hour ahead is fine
  });

  test('no date anywhere and no fallback: the epoch, flagged', async () => {
    const parsed = await parseMessage(mail(['From: a@example.com', 'Subject: undated']));
    expect(parsed.date_source).toBe('none');
    expect(parsed.date).toBe('1970-01-01T00:00:00Z');
  });
});

describe('parseMailDate', () => {
  test.each([
    ['Fri, 21 Nov 2025 09:55:06 -0600', '2025-11-21T15:55:06.000Z'],
    ['21 Nov 2025 09:55 GMT', '2025-11-21T09:55:00.000Z'],
    ['Fri, 21 Nov 97 09:55:06 EST', '1997-11-21T14:55:06.000Z'],
    ['Fri, 21 Nov 2025 09(comment): 55 : 06 -0600 (CST)', '2025-11-21T15:55:06.000Z'],
    ['Tue, 12 Oct 2010 16:21:05 H0500', '2010-10-12T16:21:05.000Z'],
    ['Mon Jan  5 09:00:00 2026', '2026-01-05T09:00:00.000Z'],
    ['2026-01-05T09:00:00+01:00', '2026-01-05T08:00:00.000Z'],
    ['2026-01-05 09:00:00', '2026-01-05T09:00:00.000Z'],
  ])('%j → %s', (value, expected) => {
    expect(parseMailDate(value)?.toISOString()).toBe(expected);
  });

  test.each(['<HR>', 'Wed, 15 Dec 2010 59:10 -0500', 'Pn, 29 paX 2007 21:13:00 +0100', 'Mon, 31 Feb 2026 10:00:00 +0000', 'yesterday', ''])(
    '%j is not a date',
    (value) => {
      expect(parseMailDate(value)).toBeNull();
    },
  );
});

describe('parseMessage: MIME structure', () => {
  test('odd transfer encodings (7-bit, empty, plain, 8bits, a trailing semicolon) still decode', async () => {
    const parsed = await parseFixture('odd-transfer-encodings.eml');
    for (const part of ['seven-bit spelled with a dash', 'empty encoding', 'plain is not an encoding', 'quoted-printable with a semicolon ✓', '8bits ✓']) {
      expect(parsed.text).toContain(part);
    }
  });

  test('illegal, look-alike and unterminated boundaries: the plain text is found', async () => {
    const parsed = await parseFixture('illegal-boundaries.eml');
    expect(parsed.text).toBe('Hello, this is the text inside look-alike boundaries.');
    expect(parsed.html).toContain('Hello, this is the html.');
  });

  test('a multipart without boundary parameter takes it from the body', async () => {
    const raw = mail([...BASIC, 'Content-Type: multipart/mixed'], '--xyz\nContent-Type: text/plain\n\nInside the part.\n--xyz--');
    const parsed = await parseMessage(raw);
    expect(parsed.text).toBe('Inside the part.');
    expect(parsed.warnings).toContain('multipart without boundary parameter: taken from the body');
  });

  test('a body that starts right after the header, without the blank line, is still the body', async () => {
    const raw = Buffer.from(`${BASIC.join('\r\n')}\r\nI forgot the blank line, but here is my question.\r\n`);
    const parsed = await parseMessage(raw);
    expect(parsed.text).toBe('I forgot the blank line, but here is my question.');
    expect(parsed.message_id).toBe('<basic@example.com>');
  });

  test('a multipart header with no body at all gives empty text, not an error', async () => {
    const parsed = await parseFixture('missing-body.eml');
    expect(parsed.text).toBe('');
    expect(parsed.from.email).toBe('scs@example.com');
  });

  test('MIME nested deeper than the parser allows: headers kept, body read as text', async () => {
    const depth = 300;
    let body = 'deep text';
    for (let i = depth; i > 0; i--) body = `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n${body}\r\n--b${i}--`;
    const parsed = await parseMessage(mail([...BASIC, 'Content-Type: multipart/mixed; boundary="b1"'], body));
    expect(parsed.from.email).toBe('ana@example.com');
    expect(parsed.text).toContain('deep text');
    expect(parsed.warnings.some((w) => w.startsWith('MIME structure unreadable'))).toBe(true);
  });
});

describe('parseMessage: charsets', () => {
  test('ISO-2022-JP body, subject and name', async () => {
    const parsed = await parseFixture('iso-2022-jp.eml');
    expect(parsed.subject).toBe('ログインについて');
    expect(parsed.from.name).toBe('山田太郎');
    expect(parsed.text).toBe('お問い合わせの件です。\nログインできません。');
  });

  test('Shift_JIS body and an RFC 2231 Shift_JIS attachment name', async () => {
    const parsed = await parseFixture('shift-jis-attachment.eml');
    expect(parsed.subject).toBe('請求書');
    expect(parsed.text).toBe('請求書を添付します。');
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['請求書.txt']);
  });

  test('ks_c_5601-1987 (Outlook\'s label for Korean) in body, subject and name', async () => {
    const parsed = await parseFixture('ks_c_5601-1987.eml');
    expect(parsed.subject).toBe('로그인 문제');
    expect(parsed.from.name).toBe('김민준');
    expect(parsed.text).toBe('안녕하세요. 로그인이 안 됩니다.');
  });

  test('UTF-7 body and subject', async () => {
    const parsed = await parseFixture('utf-7.eml');
    expect(parsed.subject).toBe('Grüße aus Köln');
    expect(parsed.text).toBe('Grüße aus Köln: 1+1=2, die Anmeldung schlägt fehl. ✓');
  });

  test('labels that lie: UTF-8 declared Latin-1 (also raw inside QP), cp1252 quotes declared us-ascii', async () => {
    const parsed = await parseFixture('mislabelled-charsets.eml');
    expect(parsed.text).toBe('DISCOVER® CARD – Ação ✓\n\nraw bytes inside QP: Verão = summer\n\n“quoted” – €5');
  });

  test('unknown labels: UTF-8 when the bytes are UTF-8, else windows-1252', async () => {
    const parsed = await parseFixture('unknown-charsets.eml');
    expect(parsed.subject).toBe('café');
    expect(parsed.text).toBe('utf-8 under an unknown label: café ✓\n\nlatin-1 under unknown-8bit: café');
  });

  test('decodeUtf7: base64 runs, "+-" for a plus, astral characters', () => {
    expect(decodeUtf7('Hi Mom -+Jjo--!')).toBe('Hi Mom -☺-!');
    expect(decodeUtf7('1+-1')).toBe('1+1');
    expect(decodeUtf7('smile +2D3eAA-')).toBe('smile \u{1F600}');
  });

  test('the platform TextDecoder is restored after parsing', async () => {
    const before = globalThis.TextDecoder;
    await Promise.all([parseFixture('utf-7.eml'), parseFixture('iso-2022-jp.eml')]);
    expect(globalThis.TextDecoder).toBe(before);
    expect(() => new TextDecoder('utf-7')).toThrow();
  });
});

describe('parseMessage: text and HTML', () => {
  test('HTML-only mail becomes readable text without scripts, styles, hidden parts or tracking pixels', async () => {
    const parsed = await parseFixture('html-only.eml');
    expect(parsed.html).toContain('<p>Hello support,</p>');
    expect(parsed.text).toContain('Hello support,');
    expect(parsed.text).toContain('The export fails with error 500 since Monday.');
    expect(parsed.text).toContain('the status page [https://status.example.com/incident/7]');
    expect(parsed.text).toContain('[Company logo]');
    for (const hidden of ['Ignore me', 'color: red', 'script text', 'preheader', 'track.example.com', 'noscript text']) {
      expect(parsed.text).not.toContain(hidden);
    }
  });

  test('the plain part is preferred when there is one', async () => {
    const raw = mail(
      [...BASIC, 'Content-Type: multipart/alternative; boundary="alt"'],
      '--alt\nContent-Type: text/plain\n\nplain version\n--alt\nContent-Type: text/html\n\n<p>html version</p>\n--alt--',
    );
    const parsed = await parseMessage(raw);
    expect(parsed.text).toBe('plain version');
    expect(parsed.html).toContain('html version');
  });
});

describe('parseMessage: attachments', () => {
  test('names: none, RFC 2047, RFC 2231 continuations, paths and NUL kept as sent (made safe at storage)', async () => {
    const parsed = await parseFixture('attachment-names.eml');
    expect(parsed.text).toBe('Six files attached.');
    expect(parsed.attachments.map((a) => [a.filename, a.content_type])).toEqual([
      [null, 'image/jpeg'],
      ['Rechnung März.pdf', 'application/pdf'],
      ['請求書 final.txt', 'text/plain'],
      ['../../etc/passwd', 'text/plain'],
      ['C:\\Users\\ana\\report.pdf', 'application/octet-stream'],
      ['evil.txt.exe', 'application/octet-stream'],
      [null, 'message/rfc822'],
    ]);
    const pdf = parsed.attachments[1];
    expect(pdf.content.toString()).toBe('%PDF-1.4\n');
    expect(pdf.size).toBe(9);
    expect(pdf.sha256).toBe('e5c62df5dab5c87b6a015ef3d43597074d1eec433b15f51aec63b8582d0e4ab4');
  });
});

describe('parseMessage: bounces and receipts', () => {
  test('a delivery status notification names the returned message and the failed recipient', async () => {
    const parsed = await parseFixture('bounce-dsn.eml');
    expect(parsed.content_type).toBe('multipart/report');
    expect(parsed.report).toEqual({
      report_type: 'delivery-status',
      original_message_id: '<desk.42.a1b2c3d4@desk.test>',
      original_in_reply_to: '<customer-1@example.com>',
      original_references: ['<customer-1@example.com>'],
      recipients: [{ recipient: 'gone@example.com', action: 'failed', status: '5.1.1' }],
    });
    expect(parsed.auto_headers.return_path).toBe('<>');
  });

  test('a report with only the returned headers (text/rfc822-headers)', async () => {
    const parsed = await parseFixture('bounce-headers-only.eml');
    expect(parsed.report?.original_message_id).toBe('<desk.7.ffee0011@desk.test>');
    expect(parsed.report?.recipients).toEqual([{ recipient: 'slow@example.net', action: 'delayed', status: '4.4.7' }]);
  });

  test('a read receipt names the original through Original-Message-ID', async () => {
    const parsed = await parseFixture('read-receipt.eml');
    expect(parsed.report?.report_type).toBe('disposition-notification');
    expect(parsed.report?.original_message_id).toBe('<desk.42.deadbeef@desk.test>');
  });
});

describe('parseMessage: what cannot be read', () => {
  test('no sender anywhere: MailParseError with the reason for the quarantine', async () => {
    await expect(parseFixture('no-sender.eml')).rejects.toThrow(MailParseError);
    await expect(parseFixture('no-sender.eml')).rejects.toMatchObject({
      reason: 'no sender address: From, Sender, Reply-To and Return-Path are missing or unreadable',
    });
  });

  test.each([
    ['empty input', Buffer.alloc(0)],
    ['only whitespace', Buffer.from('\r\n \r\n\t')],
  ])('%s: MailParseError "empty message"', async (_label, raw) => {
    await expect(parseMessage(raw)).rejects.toMatchObject({ reason: 'empty message' });
  });

  test('binary garbage: a clear MailParseError, never another exception', async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    await expect(parseMessage(garbage)).rejects.toBeInstanceOf(MailParseError);
  });
});

describe('identity: dedupeKey and content hash', () => {
  test('the same message delivered twice (other Received, Delivered-To, Return-Path) has one key', async () => {
    const raw = mail(BASIC, 'Same content.');
    const again = Buffer.concat([
      Buffer.from('Return-Path: <ana@example.com>\r\nDelivered-To: billing@desk.test\r\nReceived: from mx2 by imap; Mon, 5 Jan 2026 09:00:09 +0000\r\n'),
      raw,
    ]);
    const [a, b] = [await parseMessage(raw), await parseMessage(again)];
    expect(a.sha256).not.toBe(b.sha256);
    expect(dedupeKey(a)).toBe(dedupeKey(b));
  });

  test('LF-stored and CRLF-served copies of a message have one key', async () => {
    const crlf = mail(BASIC, 'line one\nline two');
    const lf = Buffer.from(crlf.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    expect(dedupeKey(await parseMessage(lf))).toBe(dedupeKey(await parseMessage(crlf)));
  });

  test('a reused Message-ID with different content gets another key; the Message-ID is part of it', async () => {
    const a = await parseMessage(mail(BASIC, 'first'));
    const b = await parseMessage(mail(BASIC, 'second'));
    expect(a.message_id).toBe(b.message_id);
    expect(dedupeKey(a)).not.toBe(dedupeKey(b));
    expect(dedupeKey(a)).toBe(`<basic@example.com> ${a.content_sha256}`);
  });
});

describe('parseMessage: robustness', () => {
  test('truncated and corrupted mail either parses or fails with MailParseError, never anything else', async () => {
    const { createRng, generateMailbox } = await import('../helpers/mailgen.js');
    const rng = createRng(99);
    const unexpected: string[] = [];
    for (const [i, generated] of generateMailbox(300, 5).entries()) {
      const raw = Buffer.from(generated.raw);
      // cut it somewhere, then scribble over a few bytes
      const damaged = raw.subarray(0, rng.int(1, raw.length));
      for (let n = rng.int(0, 8); n > 0; n--) damaged[rng.int(0, damaged.length - 1)] = rng.int(0, 255);
      try {
        const parsed = await parseMessage(damaged, { fallbackDate: FALLBACK });
        expect(parsed.from.email.length).toBeGreaterThan(0);
        expect(parsed.text).not.toContain('\u0000');
      } catch (err) {
        if (!(err instanceof MailParseError)) unexpected.push(`#${i}: ${String(err)}`);
      }
    }
    expect(unexpected).toEqual([]);
  });
});
