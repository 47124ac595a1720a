// Raw RFC 5322 mail → the values desk stores. postal-mime walks the MIME tree; this module makes
// its output trustworthy for a help desk: charsets real mail uses, 8-bit header bytes, dates
// that do not parse, Message-IDs in odd shapes, senders hidden in comments, bounces' original
// message. Broken-but-readable mail always parses; MailParseError is thrown only when nothing
// usable is left (no sender at all, empty input), so that the caller can quarantine it.
//
// Its parts: charsets.ts (decoding), raw-header.ts (header repairs, content hash), mail-date.ts.
// Pure: no I/O, no clock. The caller passes the time to fall back on (the IMAP internal date).
import { createHash } from 'node:crypto';
import PostalMime, { decodeWords, type Email } from 'postal-mime';
import {
  extractMessageIds,
  extractReferences,
  looksLikeEmail,
  normalizeAddresses,
  normalizeMessageId,
  stripComments,
  type MailAddress,
  type ParserMailbox,
} from './addresses.js';
import { htmlToReadableText, tidyText } from './html-text.js';
import { decodeGuessing, withMailDecoders } from './charsets.js';
import { contentHash, headerText, prepareForParser, readHeaderFields, splitHeaderBody, type RawField } from './raw-header.js';
import { receivedDate, resolveDate, toDate } from './mail-date.js';

// What other modules and tests use from the parser's parts.
export { decodeUtf7, decodeWindows1252 } from './charsets.js';
export { contentHash, readHeaderFields, splitHeaderBody, type RawField, type RawParts } from './raw-header.js';
export { parseMailDate } from './mail-date.js';

export type { MailAddress } from './addresses.js';

/** Nothing usable could be read from the message; `reason` says why (for the quarantine). */
export class MailParseError extends Error {
  constructor(readonly reason: string) {
    super(`unparseable message: ${reason}`);
    this.name = 'MailParseError';
  }
}

export interface ParsedAttachment {
  /** Decoded file name as the sender gave it (unsafe for paths: see attachment-path.ts), or null. */
  filename: string | null;
  content_type: string;
  disposition: 'attachment' | 'inline' | null;
  /** Content-ID without brackets, for inline images referenced as cid: from the HTML. */
  content_id: string | null;
  size: number;
  sha256: string;
  content: Buffer;
}

/** Raw values of the headers that tell auto-generated mail apart (classify.ts), null when absent. */
export interface AutoHeaders {
  auto_submitted: string | null;
  precedence: string | null;
  x_autoreply: string | null;
  x_autorespond: string | null;
  list_id: string | null;
  list_unsubscribe: string | null;
  return_path: string | null;
}

/** What a multipart/report (bounce, delay, read receipt) says about the message it reports on. */
export interface MailReport {
  /** e.g. delivery-status, disposition-notification, feedback-report */
  report_type: string | null;
  /** Message-ID of the message the report is about (from its returned copy or headers). */
  original_message_id: string | null;
  original_in_reply_to: string | null;
  original_references: string[];
  recipients: Array<{ recipient: string; action: string | null; status: string | null }>;
}

export type DateSource = 'header' | 'fallback' | 'received' | 'none';

export interface ParsedMail {
  /** `<…>`, null when the message has none (see storedMessageId). */
  message_id: string | null;
  in_reply_to: string | null;
  references: string[];
  from: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  reply_to: MailAddress[];
  /** ISO 8601 instant, Z, second precision. */
  date: string;
  date_source: DateSource;
  subject: string;
  /** Readable text: the plain part, else the HTML converted to text. */
  text: string;
  html: string | null;
  attachments: ParsedAttachment[];
  /** Top-level MIME type, lowercased (e.g. multipart/report). */
  content_type: string;
  auto_headers: AutoHeaders;
  /**
   * Authentication-Results values, top first (the topmost was added last, by the server that
   * delivered it): read by our-claim.ts, trusted only from our own receiving server.
   */
  auth_results: string[];
  report: MailReport | null;
  /** sha256 (hex) of the raw bytes exactly as given. */
  sha256: string;
  /**
   * sha256 (hex) of what the sender wrote, without the trace fields servers add on delivery
   * (see contentHash): the same for every fetch and every delivery of a message.
   */
  content_sha256: string;
  /** What was wrong with the message and how it was read anyway (for --verbose / --why). */
  warnings: string[];
}

export interface ParseOptions {
  /**
   * When the Date header is missing, garbage or later than delivery: the time the server got
   * the message (IMAP INTERNALDATE). Always pass it when there is one.
   */
  fallbackDate?: Date | string | null;
}


// ---------------------------------------------------------------------------------------------
// Reports (bounces, delays, read receipts): what they say about the original message.

function bytesOf(content: ArrayBuffer | Uint8Array | string): Buffer {
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  if (content instanceof ArrayBuffer) return Buffer.from(content);
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
}

/** Groups of `Field: value` lines separated by blank lines (message/delivery-status). */
function readFieldGroups(text: string): Array<Map<string, string>> {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\n[ \t]+/g, ' ')
    .split(/\n\s*\n/)
    .map((block) => {
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      return fields;
    })
    .filter((fields) => fields.size > 0);
}

function readReport(email: Email, reportType: string | null, text: string): MailReport {
  const report: MailReport = {
    report_type: reportType,
    original_message_id: null,
    original_in_reply_to: null,
    original_references: [],
    recipients: [],
  };
  for (const attachment of email.attachments) {
    const type = (attachment.mimeType ?? '').toLowerCase();
    const content = bytesOf(attachment.content);
    if (type === 'message/rfc822' || type === 'text/rfc822-headers' || type === 'message/rfc822-headers') {
      if (report.original_message_id) continue;
      const fields = readHeaderFields(splitHeaderBody(content).header);
      report.original_message_id = normalizeMessageId(headerText(fields, 'message-id'));
      report.original_in_reply_to = extractMessageIds(headerText(fields, 'in-reply-to'))[0] ?? null;
      report.original_references = extractReferences(headerText(fields, 'references'));
    } else if (type === 'message/delivery-status' || type === 'message/global-delivery-status') {
      for (const group of readFieldGroups(decodeGuessing(content))) {
        const recipient = group.get('final-recipient') ?? group.get('original-recipient');
        if (!recipient) continue;
        report.recipients.push({
          recipient: recipient.replace(/^[^;]*;\s*/, '').replace(/^<|>$/g, '').toLowerCase(),
          action: group.get('action')?.toLowerCase() ?? null,
          status: group.get('status') ?? null,
        });
      }
    } else if (type === 'message/disposition-notification') {
      const fields = readFieldGroups(decodeGuessing(content))[0];
      report.original_message_id ??= normalizeMessageId(fields?.get('original-message-id'));
    }
  }
  // Some reporters put the returned headers inline in the text instead of in a part of their own.
  report.original_message_id ??= messageIdQuotedInText(text);
  return report;
}

/**
 * A `Message-ID: <…>` line quoted in a body (old-style bounces quote the original's headers):
 * what `/^\s*>?\s*Message-ID:\s*(<[^<>\s]+>)/im` finds, without its cost. That expression is
 * cubic on blank lines (every line start, times every way to split the whitespace between its
 * two `\s*`): a 20 KB auto-reply took two minutes. Here each "Message-ID:" is found once and
 * its surroundings read once.
 */
export function messageIdQuotedInText(text: string): string | null {
  const label = /Message-ID:/gi;
  const id = /\s*(<[^<>\s]+>)/y;
  for (let m = label.exec(text); m; m = label.exec(text)) {
    if (!startsQuotedLine(text, m.index)) continue;
    id.lastIndex = label.lastIndex;
    const found = id.exec(text);
    if (found) return normalizeMessageId(found[1]);
  }
  return null;
}

const isLineBreak = (c: string) => c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029';
const isSpace = (c: string) => /\s/.test(c);

/**
 * Whether only whitespace and at most one '>' stand between a line start and `at` (`^\s*>?\s*`
 * in multiline mode, where `\s` spans line breaks). Reads back over that whitespace only.
 */
function startsQuotedLine(text: string, at: number): boolean {
  let i = at;
  let quotes = 0;
  for (;;) {
    if (i === 0) return true;
    const c = text[i - 1]!;
    if (isLineBreak(c)) return true;
    if (c === '>' && quotes === 0) quotes++;
    else if (!isSpace(c)) return false;
    i--;
  }
}

// ---------------------------------------------------------------------------------------------
// The parse.

// NUL never belongs in text and PostgreSQL rejects it in text columns.
// eslint-disable-next-line no-control-regex
const NUL = /\u0000/g;

function cleanText(value: string | null | undefined): string {
  return (value ?? '').replace(NUL, '');
}

function mimeType(value: string | null): { type: string; reportType: string | null } {
  if (!value) return { type: 'text/plain', reportType: null };
  const type = stripComments(value).split(';')[0].trim().toLowerCase() || 'text/plain';
  const reportType = /report-type\s*=\s*"?([\w.-]+)/i.exec(value)?.[1]?.toLowerCase() ?? null;
  return { type, reportType };
}

async function runPostalMime(prepared: Buffer, warnings: string[]): Promise<Email> {
  try {
    return await withMailDecoders(() => PostalMime.parse(prepared));
  } catch (err) {
    // Structure too deep or too odd for the MIME parser: keep the headers, read the body as text.
    const { header, body } = splitHeaderBody(prepared);
    warnings.push(`MIME structure unreadable (${(err as Error).message}): body kept as plain text`);
    let email: Email;
    try {
      email = await withMailDecoders(() => PostalMime.parse(Buffer.concat([header, Buffer.from('\r\n\r\n')])));
    } catch (headerErr) {
      throw new MailParseError(`headers unreadable: ${(headerErr as Error).message}`);
    }
    return { ...email, text: decodeGuessing(body), html: undefined, attachments: [] };
  }
}

type AddressSource = [field: string, value: string | null, parsed?: ParserMailbox[]];

/** The requester: From, else Sender, Reply-To, Return-Path; an address with a domain preferred. */
function resolveSender(sources: AddressSource[], warnings: string[]): MailAddress {
  let bare: MailAddress | null = null;
  for (const [name, value, parsed] of sources) {
    const list = normalizeAddresses(value, parsed);
    const good = list.find((a) => looksLikeEmail(a.email));
    if (good) {
      if (name !== 'From') warnings.push(`no usable From: sender taken from ${name}`);
      return good;
    }
    // "From: MAILER-DAEMON": no domain, but a sender all the same
    const token = value ? /^\s*<?([^\s<>@()",;:]+)>?\s*$/.exec(value)?.[1] : undefined;
    bare ??= list[0] ?? (token ? { email: token.toLowerCase(), name: null } : null);
  }
  if (bare) {
    warnings.push(`sender address has no domain: ${bare.email}`);
    return bare;
  }
  throw new MailParseError('no sender address: From, Sender, Reply-To and Return-Path are missing or unreadable');
}

/**
 * postal-mime's own parse of a field, when it read the same text as desk does: it takes the
 * last occurrence of single fields, desk the first, so only when the field occurs once.
 */
function reuse<T>(fields: RawField[], name: string, value: T | undefined): T | undefined {
  let count = 0;
  for (const field of fields) if (field.name === name && ++count > 1) return undefined;
  return value;
}

function toAttachment(attachment: Email['attachments'][number]): ParsedAttachment {
  const content = bytesOf(attachment.content);
  return {
    filename: attachment.filename ? cleanText(attachment.filename) || null : null,
    content_type: (attachment.mimeType || 'application/octet-stream').toLowerCase(),
    disposition: attachment.disposition ?? null,
    content_id: attachment.contentId ? attachment.contentId.replace(/^<|>$/g, '') : null,
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    content,
  };
}

/**
 * Parses one raw message. Never throws for mail that can be read at all; throws MailParseError
 * (with a reason for the quarantine) when there is nothing usable.
 */
export async function parseMessage(raw: Buffer, options: ParseOptions = {}): Promise<ParsedMail> {
  if (!raw || raw.length === 0 || !raw.some((byte) => byte > 0x20)) throw new MailParseError('empty message');
  const warnings: string[] = [];
  const prepared = prepareForParser(raw, warnings);
  const email = await runPostalMime(prepared, warnings);
  // Header values re-read from the prepared bytes (UTF-8 by now) so that every field, not only
  // those postal-mime picks out, is available.
  const fields = readHeaderFields(splitHeaderBody(prepared).header);
  const asList = (a: unknown) => (a ? [a as ParserMailbox] : undefined);

  const from = resolveSender(
    [
      ['From', headerText(fields, 'from'), asList(reuse(fields, 'from', email.from))],
      ['Sender', headerText(fields, 'sender'), asList(reuse(fields, 'sender', email.sender))],
      ['Reply-To', headerText(fields, 'reply-to')],
      ['Return-Path', headerText(fields, 'return-path')],
    ],
    warnings,
  );

  const messageId = normalizeMessageId(headerText(fields, 'message-id'));
  if (!messageId) warnings.push('no usable Message-ID');

  const { type: contentType, reportType } = mimeType(headerText(fields, 'content-type'));

  const html = email.html ? cleanText(email.html) : null;
  let text = tidyText(cleanText(email.text));
  if (!text.trim() && html) text = htmlToReadableText(html);

  const fallback = toDate(options.fallbackDate);
  const date = resolveDate(headerText(fields, 'date'), fallback, receivedDate(fields), warnings);

  const autoHeaders: AutoHeaders = {
    auto_submitted: headerText(fields, 'auto-submitted'),
    precedence: headerText(fields, 'precedence'),
    x_autoreply: headerText(fields, 'x-autoreply'),
    x_autorespond: headerText(fields, 'x-autorespond'),
    list_id: headerText(fields, 'list-id'),
    list_unsubscribe: headerText(fields, 'list-unsubscribe'),
    return_path: headerText(fields, 'return-path'),
  };

  return {
    message_id: messageId,
    in_reply_to: extractMessageIds(headerText(fields, 'in-reply-to'))[0] ?? null,
    references: extractReferences(allHeaderText(fields, 'references')),
    from,
    to: normalizeAddresses(allHeaderText(fields, 'to'), email.to as ParserMailbox[] | undefined),
    cc: normalizeAddresses(allHeaderText(fields, 'cc'), email.cc as ParserMailbox[] | undefined),
    reply_to: normalizeAddresses(headerText(fields, 'reply-to'), reuse(fields, 'reply-to', email.replyTo as ParserMailbox[] | undefined)),
    date: date.date,
    date_source: date.source,
    // The first Subject field (postal-mime takes the last one when there are several).
    subject: cleanText(reuse(fields, 'subject', email.subject ?? '') ?? withMailDecoders(() => decodeWords(headerText(fields, 'subject') ?? ''))).trim(),
    text,
    html,
    attachments: email.attachments.map(toAttachment),
    content_type: contentType,
    auto_headers: autoHeaders,
    auth_results: fields.filter((f) => f.name === 'authentication-results').map((f) => Buffer.from(f.value, 'latin1').toString('utf8')),
    report: contentType === 'multipart/report' ? readReport(email, reportType, text) : null,
    sha256: createHash('sha256').update(raw).digest('hex'),
    content_sha256: contentHash(raw, prepared === raw ? fields : undefined),
    warnings,
  };
}

/** All occurrences of a field joined (several To: or References: lines happen). */
function allHeaderText(fields: RawField[], name: string): string | null {
  const values = fields.filter((f) => f.name === name).map((f) => Buffer.from(f.value, 'latin1').toString('utf8'));
  return values.length ? values.join(', ') : null;
}

// ---------------------------------------------------------------------------------------------
// Identity of a message for dedupe.

/**
 * The key under which a message is stored once: Message-ID plus content hash, so a reused
 * Message-ID with different content is kept; without Message-ID, `hash:` and the content hash
 * alone, which is the same on every fetch, UID and UIDVALIDITY. The content hash leaves out the
 * trace fields Dovecot or the MTA add on delivery (Return-Path, Delivered-To, Received…), so two
 * deliveries of one message are one message.
 */
export function dedupeKey(parsed: Pick<ParsedMail, 'message_id' | 'content_sha256'>): string {
  return parsed.message_id ? `${parsed.message_id} ${parsed.content_sha256}` : `hash:${parsed.content_sha256}`;
}

/** Message-ID to store: the message's own, else a stable stand-in derived from its content hash. */
export function storedMessageId(parsed: Pick<ParsedMail, 'message_id' | 'content_sha256'>): string {
  return parsed.message_id ?? `<nomid.${parsed.content_sha256.slice(0, 32)}@desk.invalid>`;
}
