// Deterministic generator of realistic raw mail for tests and benchmarks: the same seed gives the
// same bytes, always. It writes what support mailboxes actually receive — plain and HTML mail,
// attachments with awkward names, replies and threads, auto-replies, bounces, list mail, mail
// without Message-ID, broken MIME and legacy charsets — and says for each message what a correct
// parser and sync must make of it (GeneratedMail.expect).
import { createHash } from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// Seeded randomness.

export interface Rng {
  /** [0, 1) */
  next(): number;
  int(min: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  bytes(n: number): Buffer;
  hex(n: number): string;
}

/** mulberry32: tiny, fast, good enough for test data, identical on every platform. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
    bytes: (n) => {
      const buf = Buffer.alloc(n);
      for (let i = 0; i < n; i++) buf[i] = Math.floor(next() * 256);
      return buf;
    },
    hex: (n) => rng.bytes(Math.ceil(n / 2)).toString('hex').slice(0, n),
  };
  return rng;
}

// ---------------------------------------------------------------------------------------------
// What a generated message is and what it must become.

export const MAIL_KINDS = [
  'plain', 'html-only', 'alternative', 'attachment', 'reply', 'auto-reply', 'bounce', 'list',
  'no-message-id', 'broken-mime', 'charset', 'odd-date', 'duplicate', 'reused-message-id', 'unparseable',
] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

export interface ExpectedAttachment {
  filename: string | null;
  size: number;
  sha256: string;
}

export interface MailExpectation {
  /** false: no sender at all, must be quarantined (MailParseError) */
  parseable: boolean;
  /** lowercased sender address */
  from: string;
  /** decoded subject */
  subject: string;
  /** a fragment the readable text must contain (decoded, whitespace as written) */
  textIncludes: string;
  /** auto-generated (auto-reply, bounce, list): must never open a ticket */
  auto: boolean;
  /** Message-ID the parse must find in In-Reply-To, else null */
  inReplyTo: string | null;
  /** Message-ID of the message a bounce reports on */
  reportedMessageId: string | null;
  attachments: ExpectedAttachment[];
}

export interface GeneratedMail {
  raw: Buffer;
  kind: MailKind;
  /** variant within the kind (which charset, which breakage…) */
  variant: string;
  /** the Message-ID header as written (normalised `<…>`), null when the message has none */
  messageId: string | null;
  /**
   * Index (in generateMailbox's array) of the message whose ticket this one belongs to: itself
   * for a message that opens a ticket, the thread's first message for replies, auto-replies and
   * bounces that refer to one; null for mail that opens no ticket (list mail, unreferenced
   * auto mail, unparseable mail). Duplicates point where their original does.
   */
  ticketOf: number | null;
  /** for kind 'duplicate': index of the message this is a second delivery of */
  duplicateOf: number | null;
  expect: MailExpectation;
}

export interface MailOptions {
  rng?: Rng;
  /** our support address (To:) */
  to?: string;
  from?: { email: string; name: string | null };
  subject?: string;
  date?: Date;
  /** null: no Message-ID header */
  messageId?: string | null;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary.

const PEOPLE: ReadonlyArray<{ name: string; local: string }> = [
  { name: 'João Silva', local: 'joao.silva' },
  { name: 'Zoë Müller', local: 'zoe.mueller' },
  { name: 'Łukasz Żółć', local: 'lukasz' },
  { name: '山田太郎', local: 'yamada' },
  { name: '김민준', local: 'minjun.kim' },
  { name: 'Иван Петров', local: 'ivan.petrov' },
  { name: 'Amélie Durand', local: 'amelie' },
  { name: 'Sam O\'Brien', local: 'sam.obrien' },
  { name: 'Priya Natarajan', local: 'priya' },
  { name: 'Chen Wei', local: 'chen.wei' },
  { name: 'Fatma Yılmaz', local: 'fatma' },
  { name: 'Ola Nordmann', local: 'ola' },
];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'customer.test', 'acme.test'];
const TOPICS = [
  'Export fails with error 500', 'Cannot log in since yesterday', 'Invoice shows the wrong VAT',
  'Password reset mail never arrives', 'App crashes when uploading a photo', 'Question about my plan',
  'Data import stuck at 99%', 'Two-factor codes rejected', 'Please delete my account',
  'Report is empty after the update', 'Sync with calendar stopped', 'Refund for a double charge',
];
const SENTENCES = [
  'Since this morning the export of our monthly report fails with an error.',
  'I tried again after clearing the cache, but nothing changed.',
  'Could you please have a look? It is quite urgent for our accounting team.',
  'The error message says "internal server error" and shows a reference number.',
  'We are on the business plan and have about forty users.',
  'Attached you will find a screenshot of what I see.',
  'This worked fine last week, so I suspect the latest update.',
  'Thank you for your quick help, it is much appreciated.',
  'My colleague has the same problem on another computer.',
  'Is there a workaround until this is fixed?',
];

/** Text in a legacy charset, its decoded form, and how the bytes are written. */
const CHARSET_SAMPLES: ReadonlyArray<{ variant: string; label: string; text: string; cte: '7bit' | '8bit' | 'base64' | 'quoted-printable'; encodeAs?: string }> = [
  { variant: 'iso-2022-jp', label: 'ISO-2022-JP', text: 'お問い合わせの件です。ログインできません。', cte: '7bit' },
  { variant: 'shift_jis', label: 'Shift_JIS', text: 'エクスポートが失敗します。よろしくお願いします。', cte: 'base64' },
  { variant: 'euc-kr', label: 'EUC-KR', text: '안녕하세요. 로그인이 안 됩니다.', cte: '8bit' },
  { variant: 'ks_c_5601-1987', label: 'ks_c_5601-1987', text: '비밀번호 재설정 메일이 오지 않습니다.', cte: 'base64', encodeAs: 'euc-kr' },
  { variant: 'windows-1251', label: 'windows-1251', text: 'Здравствуйте, не работает экспорт отчёта.', cte: 'quoted-printable' },
  { variant: 'koi8-r', label: 'KOI8-R', text: 'Прошу удалить мою учётную запись.', cte: '8bit' },
  { variant: 'iso-8859-1', label: 'ISO-8859-1', text: 'Olá, não consigo exportar o relatório à tarde.', cte: 'quoted-printable' },
  { variant: 'windows-1252', label: 'windows-1252', text: 'Die Rechnung über 100 € fehlt – bitte prüfen.', cte: '8bit' },
  { variant: 'iso-8859-2', label: 'ISO-8859-2', text: 'Dzień dobry, nie mogę się zalogować.', cte: 'quoted-printable' },
  { variant: 'gb2312', label: 'GB2312', text: '您好，我无法登录系统。', cte: 'base64', encodeAs: 'gbk' },
  { variant: 'big5', label: 'Big5', text: '您好，我無法登入系統。', cte: 'base64' },
  { variant: 'utf-7', label: 'UTF-7', text: 'Grüße aus Köln: die Anmeldung schlägt fehl.', cte: '7bit' },
  { variant: 'mislabelled-utf-8', label: 'ISO-8859-1', text: 'Ação necessária: conta bloqueada ✓', cte: '8bit', encodeAs: 'utf-8' },
];

// ---------------------------------------------------------------------------------------------
// Legacy charset encoding: TextDecoder only decodes, so build reverse tables from it.

const encoderTables = new Map<string, Map<string, number[]>>();

function byteRanges(charset: string): Array<[number, number, number, number]> {
  // [leadMin, leadMax, trailMin, trailMax]; lead 0 means single-byte
  switch (charset) {
    case 'euc-kr': return [[0xa1, 0xfe, 0xa1, 0xfe]];
    case 'euc-jp': return [[0xa1, 0xfe, 0xa1, 0xfe]];
    case 'shift_jis': return [[0x81, 0x9f, 0x40, 0xfc], [0xe0, 0xef, 0x40, 0xfc]];
    case 'gbk': return [[0x81, 0xfe, 0x40, 0xfe]];
    case 'big5': return [[0x81, 0xfe, 0x40, 0xfe]];
    default: return [];
  }
}

function encoderTable(charset: string): Map<string, number[]> {
  const cached = encoderTables.get(charset);
  if (cached) return cached;
  const table = new Map<string, number[]>();
  const decoder = new TextDecoder(charset);
  const tryBytes = (bytes: number[]) => {
    const ch = decoder.decode(Uint8Array.from(bytes));
    // U+FFFD: not a character in this charset
    if (ch !== '\uFFFD' && [...ch].length === 1 && !table.has(ch)) table.set(ch, bytes);
  };
  if (charset === 'windows-1252') {
    // Node 20 decodes windows-1252 as ISO-8859-1, so its 0x80–0x9F characters are listed here.
    [...'€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ'].forEach((ch, i) => table.set(ch, [0x80 + i]));
  }
  for (let b = 0; b < 0x100; b++) tryBytes([b]);
  for (const [l0, l1, t0, t1] of byteRanges(charset)) {
    for (let lead = l0; lead <= l1; lead++) for (let trail = t0; trail <= t1; trail++) tryBytes([lead, trail]);
  }
  encoderTables.set(charset, table);
  return table;
}

function encodeUtf7(text: string): string {
  return text.replace(/[^\x20-\x2a\x2c-\x7e\r\n\t]+|\+/g, (run) => {
    if (run === '+') return '+-';
    const utf16 = Buffer.alloc(run.length * 2);
    for (let i = 0; i < run.length; i++) utf16.writeUInt16BE(run.charCodeAt(i), i * 2);
    return `+${utf16.toString('base64').replace(/=+$/, '')}-`;
  });
}

/** Encodes text in a charset TextDecoder knows (plus iso-2022-jp and utf-7). */
export function encodeCharset(text: string, charset: string): Buffer {
  const cs = charset.toLowerCase();
  if (cs === 'utf-8') return Buffer.from(text, 'utf8');
  if (cs === 'utf-7') return Buffer.from(encodeUtf7(text), 'ascii');
  if (cs === 'iso-2022-jp') {
    // JIS X 0208 = EUC-JP bytes minus 0x80, between ESC $ B … ESC ( B
    const table = encoderTable('euc-jp');
    const out: number[] = [];
    let inJis = false;
    for (const ch of text) {
      if (ch.charCodeAt(0) < 0x80) {
        if (inJis) out.push(0x1b, 0x28, 0x42);
        inJis = false;
        out.push(ch.charCodeAt(0));
        continue;
      }
      const bytes = table.get(ch);
      if (!bytes || bytes.length !== 2) throw new Error(`cannot encode ${ch} in iso-2022-jp`);
      if (!inJis) out.push(0x1b, 0x24, 0x42);
      inJis = true;
      out.push(bytes[0] - 0x80, bytes[1] - 0x80);
    }
    if (inJis) out.push(0x1b, 0x28, 0x42);
    return Buffer.from(out);
  }
  const table = encoderTable(cs);
  const out: number[] = [];
  for (const ch of text) {
    const bytes = table.get(ch);
    if (!bytes) throw new Error(`cannot encode ${JSON.stringify(ch)} in ${charset}`);
    out.push(...bytes);
  }
  return Buffer.from(out);
}

// ---------------------------------------------------------------------------------------------
// MIME writing.

const CRLF = '\r\n';
type Header = [string, string];

/** RFC 2047 B-encoded word(s) for non-ASCII header text; ASCII is left as is. */
export function encodedWord(text: string, charset = 'UTF-8'): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7e]*$/.test(text)) return text;
  const bytes = encodeCharset(text, charset.toLowerCase());
  return `=?${charset}?B?${bytes.toString('base64')}?=`;
}

function mailbox(person: { email: string; name: string | null }): string {
  if (!person.name) return person.email;
  // eslint-disable-next-line no-control-regex
  const name = /^[\x20-\x7e]*$/.test(person.name) ? `"${person.name.replace(/(["\\])/g, '\\$1')}"` : encodedWord(person.name);
  return `${name} <${person.email}>`;
}

export function rfc2822Date(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()]}, ${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} `
    + `${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

function base64Lines(bytes: Buffer): string {
  return (bytes.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

/** Quoted-printable of bytes (soft line breaks at 76). */
export function quotedPrintable(bytes: Buffer): string {
  const lines: string[] = [];
  for (const line of bytes.toString('latin1').split('\n')) {
    let encoded = '';
    for (const ch of line.replace(/\r$/, '')) {
      const code = ch.charCodeAt(0);
      encoded += (code >= 33 && code <= 126 && code !== 61) || code === 32 ? ch : `=${code.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    encoded = encoded.replace(/ $/, '=20');
    while (encoded.length > 76) {
      let cut = 75;
      if (encoded[cut - 1] === '=') cut -= 1;
      else if (encoded[cut - 2] === '=') cut -= 2;
      lines.push(encoded.slice(0, cut) + '=');
      encoded = encoded.slice(cut);
    }
    lines.push(encoded);
  }
  return lines.join(CRLF);
}

function serialize(headers: Header[], body: Buffer | string): Buffer {
  const head = headers.map(([name, value]) => `${name}: ${value}`).join(CRLF) + CRLF + CRLF;
  return Buffer.concat([Buffer.from(head, 'utf8'), typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

interface Part {
  headers: Header[];
  body: Buffer | string;
}

function textPart(text: string, subtype: 'plain' | 'html' = 'plain'): Part {
  // eslint-disable-next-line no-control-regex
  const ascii = /^[\x00-\x7f]*$/.test(text);
  return {
    headers: [
      ['Content-Type', `text/${subtype}; charset=utf-8`],
      ['Content-Transfer-Encoding', ascii ? '7bit' : 'quoted-printable'],
    ],
    body: ascii ? text.replace(/\r?\n/g, CRLF) : quotedPrintable(Buffer.from(text.replace(/\r?\n/g, CRLF), 'utf8')),
  };
}

function multipart(subtype: string, parts: Part[], boundary: string, extraParams = ''): Part {
  const chunks: Buffer[] = [Buffer.from(`This is a multi-part message in MIME format.${CRLF}`)];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}${CRLF}`), serialize(part.headers, part.body), Buffer.from(CRLF));
  }
  chunks.push(Buffer.from(`--${boundary}--${CRLF}`));
  return {
    headers: [['Content-Type', `multipart/${subtype}; boundary="${boundary}"${extraParams}`]],
    body: Buffer.concat(chunks),
  };
}

// ---------------------------------------------------------------------------------------------
// Building blocks shared by the builders.

const DEFAULT_TO = 'support@desk.test';
const BASE_DATE = Date.UTC(2026, 0, 5, 9, 0, 0);

interface Basics {
  rng: Rng;
  to: string;
  from: { email: string; name: string | null };
  subject: string;
  date: Date;
  messageId: string | null;
}

function basics(options: MailOptions): Basics {
  const rng = options.rng ?? createRng(1);
  const person = rng.pick(PEOPLE);
  return {
    rng,
    to: options.to ?? DEFAULT_TO,
    from: options.from ?? { email: `${person.local}@${rng.pick(DOMAINS)}`, name: person.name },
    subject: options.subject ?? rng.pick(TOPICS),
    date: options.date ?? new Date(BASE_DATE + rng.int(0, 90 * 24 * 60) * 60_000),
    messageId: options.messageId === undefined ? `<${rng.hex(16)}.${rng.int(1000, 9999)}@mail.${rng.pick(DOMAINS)}>` : options.messageId,
  };
}

function paragraph(rng: Rng, sentences = 3): string {
  return Array.from({ length: sentences }, () => rng.pick(SENTENCES)).join(' ');
}

function envelope(b: Basics, extra: Header[] = []): Header[] {
  const headers: Header[] = [
    ['Return-Path', `<${b.from.email}>`],
    ['From', mailbox(b.from)],
    ['To', b.to],
    ['Subject', encodedWord(b.subject)],
    ['Date', rfc2822Date(b.date)],
  ];
  if (b.messageId) headers.push(['Message-ID', b.messageId]);
  headers.push(['MIME-Version', '1.0'], ...extra);
  return headers;
}

function attachmentOf(filename: string | null, contentType: string, content: Buffer, nameStyle: 'plain' | 'rfc2047' | 'rfc2231' | 'none'): { part: Part; expected: ExpectedAttachment } {
  const headers: Header[] = [];
  const sha256 = createHash('sha256').update(content).digest('hex');
  if (nameStyle === 'none' || filename === null) {
    headers.push(['Content-Type', contentType], ['Content-Disposition', 'attachment']);
  } else if (nameStyle === 'rfc2047') {
    headers.push(['Content-Type', `${contentType}; name="${encodedWord(filename)}"`], ['Content-Disposition', `attachment; filename="${encodedWord(filename)}"`]);
  } else if (nameStyle === 'rfc2231') {
    headers.push(['Content-Type', contentType], ['Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`]);
  } else {
    headers.push(['Content-Type', `${contentType}; name="${filename}"`], ['Content-Disposition', `attachment; filename="${filename}"`]);
  }
  headers.push(['Content-Transfer-Encoding', 'base64']);
  return {
    part: { headers, body: base64Lines(content) },
    expected: { filename: nameStyle === 'none' ? null : filename, size: content.length, sha256 },
  };
}

function result(kind: MailKind, variant: string, raw: Buffer, b: Basics, expect: Partial<MailExpectation> & { textIncludes: string }): GeneratedMail {
  return {
    raw,
    kind,
    variant,
    messageId: b.messageId,
    ticketOf: null,
    duplicateOf: null,
    expect: {
      parseable: true,
      from: b.from.email.toLowerCase(),
      subject: b.subject,
      auto: false,
      inReplyTo: null,
      reportedMessageId: null,
      attachments: [],
      ...expect,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Single-kind builders.

export function plainMessage(options: MailOptions = {}): GeneratedMail {
  const b = basics(options);
  const text = `Hello,\n\n${paragraph(b.rng)}\n\nBest regards,\n${b.from.name ?? b.from.email}\n`;
  const part = textPart(text);
  const raw = serialize(envelope(b, part.headers), part.body);
  return result('plain', 'utf-8', raw, b, { textIncludes: text.split('\n')[2].slice(0, 40) });
}

/** HTML only, with what newsletters and webmail add: styles, a script, a tracking pixel, a hidden preheader. */
export function htmlOnlyMessage(options: MailOptions = {}): GeneratedMail {
  const b = basics(options);
  const sentence = b.rng.pick(SENTENCES);
  const html = [
    '<!DOCTYPE html><html><head><title>mail</title><style>p { color: #333; }</style></head><body>',
    '<div style="display:none">preheader text nobody should read</div>',
    `<p>Hello,</p><p>${sentence.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`,
    '<script>document.write("tracking")</script>',
    `<img src="https://track.example.net/open/${b.rng.hex(12)}.gif" width="1" height="1" alt="">`,
    '<p>Regards</p></body></html>',
  ].join('\n');
  const part = textPart(html, 'html');
  const raw = serialize(envelope(b, part.headers), part.body);
  return result('html-only', 'tracking', raw, b, { textIncludes: sentence });
}

export function alternativeMessage(options: MailOptions = {}): GeneratedMail {
  const b = basics(options);
  const text = `Hi,\n\n${paragraph(b.rng, 2)}\n`;
  const html = `<html><body><p>Hi,</p><p>${text.trim().split('\n\n')[1]}</p></body></html>`;
  const alt = multipart('alternative', [textPart(text), textPart(html, 'html')], `alt-${b.rng.hex(12)}`);
  const raw = serialize(envelope(b, alt.headers), alt.body);
  return result('alternative', 'plain+html', raw, b, { textIncludes: text.split('\n')[2].slice(0, 40) });
}

const ATTACHMENT_NAMES: ReadonlyArray<{ name: string | null; type: string; style: 'plain' | 'rfc2047' | 'rfc2231' | 'none' }> = [
  { name: 'screenshot.png', type: 'image/png', style: 'plain' },
  { name: 'export log 2026-01.txt', type: 'text/plain', style: 'plain' },
  { name: 'Rechnung März.pdf', type: 'application/pdf', style: 'rfc2047' },
  { name: '請求書.pdf', type: 'application/pdf', style: 'rfc2231' },
  { name: 'naïve résumé.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', style: 'rfc2231' },
  { name: '../../etc/passwd', type: 'text/plain', style: 'plain' },
  { name: null, type: 'application/octet-stream', style: 'none' },
];

export function attachmentMessage(options: MailOptions = {}): GeneratedMail {
  const b = basics(options);
  const text = `Hello,\n\n${paragraph(b.rng, 2)}\nThe files are attached.\n`;
  const count = b.rng.int(1, 3);
  const attachments = Array.from({ length: count }, () => {
    const spec = b.rng.pick(ATTACHMENT_NAMES);
    return attachmentOf(spec.name, spec.type, b.rng.bytes(b.rng.int(200, 6000)), spec.style);
  });
  const mixed = multipart('mixed', [textPart(text), ...attachments.map((a) => a.part)], `mix-${b.rng.hex(12)}`);
  const raw = serialize(envelope(b, mixed.headers), mixed.body);
  return result('attachment', `${count} files`, raw, b, {
    textIncludes: 'The files are attached.',
    attachments: attachments.map((a) => a.expected),
  });
}

export interface ParentRef {
  messageId: string;
  subject: string;
  /** References of the parent, oldest first */
  references?: string[];
  /** the parent's sender (for replies from the same requester) */
  from?: { email: string; name: string | null };
}

function replySubjectOf(subject: string): string {
  return /^re:/i.test(subject) ? subject : `Re: ${subject}`;
}

/** A reply in a thread: In-Reply-To the parent, References the chain, quoted text below. */
export function replyMessage(parent: ParentRef, options: MailOptions = {}): GeneratedMail {
  const b = basics({ from: parent.from, subject: replySubjectOf(parent.subject), ...options });
  const references = [...(parent.references ?? []), parent.messageId];
  const answer = b.rng.pick(SENTENCES);
  const text = `${answer}\n\nOn ${rfc2822Date(b.date)} support wrote:\n> Thank you for your message.\n> Could you send us more details?\n`;
  const part = textPart(text);
  const raw = serialize(envelope(b, [['In-Reply-To', parent.messageId], ['References', references.join(`${CRLF} `)], ...part.headers]), part.body);
  return result('reply', 'in-reply-to', raw, b, { textIncludes: answer, inReplyTo: parent.messageId });
}

/** An out-of-office reply (RFC 3834: Auto-Submitted: auto-replied) to a message. */
export function autoReplyMessage(parent: ParentRef, options: MailOptions = {}): GeneratedMail {
  const b = basics({ subject: `Automatic reply: ${parent.subject}`, ...options });
  const variant = b.rng.pick(['auto-submitted', 'x-autoreply', 'precedence'] as const);
  const marker: Header = variant === 'auto-submitted' ? ['Auto-Submitted', 'auto-replied']
    : variant === 'x-autoreply' ? ['X-Autoreply', 'yes'] : ['Precedence', 'junk'];
  const text = 'I am out of the office until Monday and will read your message when I am back.\n';
  const part = textPart(text);
  const raw = serialize(envelope(b, [marker, ['In-Reply-To', parent.messageId], ['References', parent.messageId], ...part.headers]), part.body);
  return result('auto-reply', variant, raw, b, { textIncludes: 'out of the office', auto: true, inReplyTo: parent.messageId });
}

/** A delivery failure report (multipart/report; delivery-status) returning an earlier message. */
export function bounceMessage(original: ParentRef & { to: string }, options: MailOptions = {}): GeneratedMail {
  const b = basics({ from: { email: 'mailer-daemon@mx.desk.test', name: 'Mail Delivery System' }, subject: 'Undelivered Mail Returned to Sender', ...options });
  const headersOnly = b.rng.chance(0.5);
  const explanation = textPart(`This is the mail system at host mx.desk.test.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<${original.to}>: host mx.${original.to.split('@')[1]} said: 550 5.1.1 User unknown\n`);
  const status: Part = {
    headers: [['Content-Type', 'message/delivery-status']],
    body: [
      'Reporting-MTA: dns; mx.desk.test', '', `Final-Recipient: rfc822; ${original.to}`, 'Action: failed',
      'Status: 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 User unknown', '',
    ].join(CRLF),
  };
  const returnedHeaders = [
    `From: ${DEFAULT_TO}`, `To: ${original.to}`, `Subject: ${encodedWord(original.subject)}`,
    `Message-ID: ${original.messageId}`, `Date: ${rfc2822Date(b.date)}`,
  ].join(CRLF) + CRLF;
  const returned: Part = headersOnly
    ? { headers: [['Content-Type', 'text/rfc822-headers']], body: returnedHeaders }
    : { headers: [['Content-Type', 'message/rfc822']], body: `${returnedHeaders}${CRLF}Our reply to your request.${CRLF}` };
  const report = multipart('report', [explanation, status, returned], `dsn-${b.rng.hex(12)}`, '; report-type=delivery-status');
  const headers = envelope(b, report.headers);
  headers[0] = ['Return-Path', '<>'];
  const raw = serialize(headers, report.body);
  return result('bounce', headersOnly ? 'rfc822-headers' : 'message/rfc822', raw, b, {
    textIncludes: 'could not',
    auto: true,
    reportedMessageId: original.messageId,
  });
}

export function listMessage(options: MailOptions = {}): GeneratedMail {
  const b = basics({ from: { email: 'news@updates.example.com', name: 'Product Updates' }, subject: 'Our January newsletter', ...options });
  const text = 'Here is what is new this month: faster exports and a darker dark mode.\n';
  const part = textPart(text);
  const raw = serialize(envelope(b, [
    ['List-Id', 'Product news <news.updates.example.com>'],
    ['List-Unsubscribe', '<mailto:unsubscribe@updates.example.com>'],
    ['Precedence', 'bulk'],
    ...part.headers,
  ]), part.body);
  return result('list', 'newsletter', raw, b, { textIncludes: 'faster exports', auto: true });
}

export function noMessageIdMessage(options: MailOptions = {}): GeneratedMail {
  const b = basics({ ...options, messageId: null });
  const sentence = b.rng.pick(SENTENCES);
  // A unique line, so that two such messages never share content (and so a content hash).
  const text = `${sentence}\nReference: ${b.rng.hex(10)}\n`;
  const part = textPart(text);
  const raw = serialize(envelope(b, part.headers), part.body);
  return result('no-message-id', 'none', raw, b, { textIncludes: sentence });
}

const BROKEN_VARIANTS = ['missing-final-boundary', 'undeclared-boundary', 'bad-base64', 'unknown-cte', 'garbage-content-type', 'no-blank-line-after-headers'] as const;

/** MIME that violates the standards in the ways real mail does; the text must still come through. */
export function brokenMimeMessage(options: MailOptions & { variant?: (typeof BROKEN_VARIANTS)[number] } = {}): GeneratedMail {
  const b = basics(options);
  const variant = options.variant ?? b.rng.pick(BROKEN_VARIANTS);
  const sentence = b.rng.pick(SENTENCES);
  const boundary = `brk-${b.rng.hex(10)}`;
  let headers: Header[];
  let body: string;
  switch (variant) {
    case 'missing-final-boundary':
      headers = [['Content-Type', `multipart/mixed; boundary="${boundary}"`]];
      body = `--${boundary}${CRLF}Content-Type: text/plain${CRLF}${CRLF}${sentence}${CRLF}`;
      break;
    case 'undeclared-boundary':
      headers = [['Content-Type', 'multipart/mixed']];
      body = `--${boundary}${CRLF}Content-Type: text/plain${CRLF}${CRLF}${sentence}${CRLF}--${boundary}--${CRLF}`;
      break;
    case 'bad-base64':
      headers = [['Content-Type', 'text/plain; charset=utf-8'], ['Content-Transfer-Encoding', 'base64']];
      body = `${Buffer.from(sentence).toString('base64')}${CRLF}!!!not*base64###${CRLF}`;
      break;
    case 'unknown-cte':
      headers = [['Content-Type', 'text/plain; charset=us-ascii'], ['Content-Transfer-Encoding', 'x-unknown-8bit; foo']];
      body = `${sentence}${CRLF}`;
      break;
    case 'garbage-content-type':
      headers = [['Content-Type', 'text/plain; charset="utf-8; format=flowed']];
      body = `${sentence}${CRLF}`;
      break;
    case 'no-blank-line-after-headers':
    default: {
      // The body starts right after the last header line: scripts that forget the blank line.
      const head = envelope(b, [['Content-Type', 'text/plain']]).map(([name, value]) => `${name}: ${value}`).join(CRLF);
      const raw = Buffer.from(`${head}${CRLF}${sentence}${CRLF}`, 'utf8');
      return result('broken-mime', variant, raw, b, { textIncludes: sentence });
    }
  }
  const raw = serialize(envelope(b, headers), body);
  const textIncludes = variant === 'bad-base64' ? sentence.slice(0, 20) : sentence;
  return result('broken-mime', variant, raw, b, { textIncludes });
}

/** Body (and subject) in a legacy or odd charset. */
export function charsetMessage(options: MailOptions & { variant?: string } = {}): GeneratedMail {
  const rng = options.rng ?? createRng(1);
  const sample = CHARSET_SAMPLES.find((s) => s.variant === options.variant) ?? rng.pick(CHARSET_SAMPLES);
  const b = basics({ rng, subject: sample.text.slice(0, 12).trim(), ...options });
  const bytes = encodeCharset(sample.text + '\n', sample.encodeAs ?? sample.variant);
  const crlfBytes = Buffer.from(bytes.toString('latin1').replace(/\n/g, CRLF), 'latin1');
  const body = sample.cte === 'base64' ? base64Lines(bytes) : sample.cte === 'quoted-printable' ? quotedPrintable(bytes) : crlfBytes;
  const subjectCharset = sample.variant === 'mislabelled-utf-8' || sample.variant === 'utf-7' ? 'UTF-8' : sample.label;
  const headers = envelope(b, [
    ['Content-Type', `text/plain; charset=${sample.label}`],
    ['Content-Transfer-Encoding', sample.cte],
  ]);
  const subjectWord = `=?${subjectCharset}?B?${encodeCharset(b.subject, subjectCharset === 'UTF-8' ? 'utf-8' : sample.encodeAs ?? sample.variant).toString('base64')}?=`;
  headers[3] = ['Subject', subjectWord];
  const raw = serialize(headers, body);
  return result('charset', sample.variant, raw, b, { textIncludes: sample.text });
}

const ODD_DATES = ['<HR>', 'Wed, 15 Dec 2010 59:10 -0500', 'Pn, 29 paX 2007 21:13:00 +0100', 'Mon, 30 Jun 3609 15:33:50 +0600', 'yesterday', ''];

/** A Date header no parser can trust; the message must fall back to the delivery time. */
export function oddDateMessage(options: MailOptions = {}): GeneratedMail {
  const b = basics(options);
  const bad = b.rng.pick(ODD_DATES);
  const sentence = b.rng.pick(SENTENCES);
  const part = textPart(`${sentence}\n`);
  const headers = envelope(b, part.headers).map(([name, value]): Header => (name === 'Date' ? [name, bad] : [name, value]));
  const raw = serialize(headers, part.body);
  return result('odd-date', bad || '(empty)', raw, b, { textIncludes: sentence });
}

/** The same message delivered a second time: another Received and Delivered-To, same content. */
export function duplicateDelivery(original: GeneratedMail, rng: Rng = createRng(1)): GeneratedMail {
  const trace = `Received: from mx${rng.int(1, 9)}.desk.test by imap.desk.test; ${rfc2822Date(new Date(BASE_DATE + rng.int(0, 1e6) * 1000))}${CRLF}`
    + `Delivered-To: ${DEFAULT_TO}${CRLF}`;
  return { ...original, raw: Buffer.concat([Buffer.from(trace), original.raw]), kind: 'duplicate', variant: 'second delivery', duplicateOf: null };
}

/** A new message that reuses an older Message-ID (broken mailers do): it must be kept. */
export function reusedMessageIdMessage(messageId: string, options: MailOptions = {}): GeneratedMail {
  const mail = plainMessage({ ...options, messageId });
  return { ...mail, kind: 'reused-message-id', variant: 'same id, new content' };
}

/** No From, Sender, Reply-To or Return-Path: nothing to answer; must be quarantined. */
export function unparseableMessage(options: MailOptions = {}): GeneratedMail {
  const b = basics(options);
  const raw = serialize([['Subject', 'no sender at all'], ['Date', rfc2822Date(b.date)], ['Message-ID', b.messageId ?? `<${b.rng.hex(12)}@nowhere.test>`]], `orphan ${b.rng.hex(8)}${CRLF}`);
  return result('unparseable', 'no sender', raw, b, { textIncludes: 'orphan', parseable: false, from: '' });
}

// ---------------------------------------------------------------------------------------------
// A whole mailbox.

const KIND_WEIGHTS: ReadonlyArray<[MailKind, number]> = [
  ['plain', 22], ['html-only', 8], ['alternative', 12], ['attachment', 9], ['reply', 17], ['auto-reply', 5],
  ['bounce', 4], ['list', 4], ['no-message-id', 4], ['broken-mime', 3], ['charset', 7], ['odd-date', 2],
  ['duplicate', 1.5], ['reused-message-id', 0.75], ['unparseable', 0.75],
];
const TOTAL_WEIGHT = KIND_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);

function pickKind(rng: Rng): MailKind {
  let roll = rng.next() * TOTAL_WEIGHT;
  for (const [kind, weight] of KIND_WEIGHTS) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return 'plain';
}

export interface MailboxOptions {
  /** our support address, in To: (default support@desk.test) */
  to?: string;
}

/**
 * `count` messages in delivery order, the same for the same seed. Replies, auto-replies and
 * bounces refer to earlier messages of the mailbox; `ticketOf` tells which ticket each one
 * belongs to, so a sync test can count tickets and check threading without re-deriving it.
 */
export function generateMailbox(count: number, seed: number, options: MailboxOptions = {}): GeneratedMail[] {
  const rng = createRng(seed);
  const to = options.to ?? DEFAULT_TO;
  const mails: GeneratedMail[] = [];
  // Messages that opened or joined a ticket and have a Message-ID: what replies can refer to.
  const threadable: number[] = [];
  let clock = BASE_DATE;

  for (let i = 0; i < count; i++) {
    clock += rng.int(1, 30) * 60_000;
    const base: MailOptions = { rng, to, date: new Date(clock) };
    // Replies go to recent threads, as in a real inbox.
    const parentIndex = threadable.length ? threadable[rng.int(Math.max(0, threadable.length - 200), threadable.length - 1)] : null;
    const parent = parentIndex === null ? null : mails[parentIndex];
    let kind = pickKind(rng);
    if (!parent && ['reply', 'auto-reply', 'bounce'].includes(kind)) kind = 'plain';
    if (mails.length === 0 && ['duplicate', 'reused-message-id'].includes(kind)) kind = 'plain';

    let mail: GeneratedMail;
    const parentRef = (p: GeneratedMail): ParentRef => ({
      messageId: p.messageId!,
      subject: p.expect.subject,
      from: { email: p.expect.from, name: null },
    });
    switch (kind) {
      case 'html-only': mail = htmlOnlyMessage(base); break;
      case 'alternative': mail = alternativeMessage(base); break;
      case 'attachment': mail = attachmentMessage(base); break;
      case 'reply': mail = replyMessage(parentRef(parent!), base); break;
      case 'auto-reply': mail = autoReplyMessage(parentRef(parent!), base); break;
      case 'bounce': mail = bounceMessage({ ...parentRef(parent!), to: parent!.expect.from }, base); break;
      case 'list': mail = listMessage(base); break;
      case 'no-message-id': mail = noMessageIdMessage(base); break;
      case 'broken-mime': mail = brokenMimeMessage(base); break;
      case 'charset': mail = charsetMessage(base); break;
      case 'odd-date': mail = oddDateMessage(base); break;
      case 'duplicate': {
        const originalIndex = rng.int(0, mails.length - 1);
        mail = { ...duplicateDelivery(mails[originalIndex], rng), duplicateOf: mails[originalIndex].duplicateOf ?? originalIndex };
        break;
      }
      case 'reused-message-id': {
        // Once its id is reused, a message can no longer be replied to unambiguously.
        const victim = threadable.length ? threadable.splice(rng.int(0, threadable.length - 1), 1)[0] : null;
        mail = victim === null ? plainMessage(base) : reusedMessageIdMessage(mails[victim].messageId!, base);
        break;
      }
      case 'unparseable': mail = unparseableMessage(base); break;
      case 'plain':
      default: mail = plainMessage(base);
    }

    mail.ticketOf = ticketOf(mail, i, parentIndex, mails);
    mails.push(mail);
    // Threads grow from human mail with a Message-ID that starts or joins a ticket.
    const joinsThread = mail.ticketOf !== null && !mail.expect.auto && mail.messageId !== null
      && mail.kind !== 'duplicate' && mail.kind !== 'reused-message-id';
    if (joinsThread) threadable.push(i);
  }
  return mails;
}

function ticketOf(mail: GeneratedMail, index: number, parentIndex: number | null, mails: GeneratedMail[]): number | null {
  if (!mail.expect.parseable) return null;
  if (mail.duplicateOf !== null) return mails[mail.duplicateOf].ticketOf;
  if (['reply', 'auto-reply', 'bounce'].includes(mail.kind)) return parentIndex === null ? null : mails[parentIndex].ticketOf;
  if (mail.expect.auto) return null;
  // A reused Message-ID makes the store know two messages by that id; the new one is its own
  // ticket since nothing in it refers to an earlier message.
  return index;
}
