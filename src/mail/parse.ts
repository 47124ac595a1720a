// Raw RFC 5322 mail → the values desk stores. postal-mime walks the MIME tree; this module makes
// its output trustworthy for a help desk: charsets real mail uses, 8-bit header bytes, dates
// that do not parse, Message-IDs in odd shapes, senders hidden in comments, bounces' original
// message. Broken-but-readable mail always parses; MailParseError is thrown only when nothing
// usable is left (no sender at all, empty input), so that the caller can quarantine it.
//
// Pure: no I/O, no clock. The caller passes the time to fall back on (the IMAP internal date).
import { createHash } from 'node:crypto';
import { isAscii, isUtf8 } from 'node:buffer';
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
import { isoSeconds } from '../domain/types.js';
import { htmlToReadableText, tidyText } from './html-text.js';

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
// Charsets. postal-mime decodes with the platform TextDecoder (WHATWG labels) and silently falls
// back to windows-1252 for any other label, and it offers no hook to change that. Mail uses
// labels WHATWG lacks (UTF-7, cp949, ks_c_5601, unknown-8bit…) and mislabels UTF-8 as Latin-1
// all the time. While postal-mime runs, the global TextDecoder is a subclass that handles those
// cases and otherwise hands over to the platform decoder (see withMailDecoders). Only the
// TextDecoder constructor is swapped, and only for the parse: nothing else in the process changes.

const NativeTextDecoder = globalThis.TextDecoder;

const CHARSET_ALIASES: Record<string, string> = {
  cp949: 'euc-kr',
  uhc: 'euc-kr',
  'ks_c_5601': 'euc-kr',
  'ks_c_5601-1989': 'euc-kr',
  'x-windows-949': 'euc-kr',
  'windows-949': 'euc-kr',
  cp932: 'shift_jis',
  'windows-31j': 'shift_jis',
  'x-ms-cp932': 'shift_jis',
  sjis: 'shift_jis',
  'iso-2022-jp-1': 'iso-2022-jp',
  'iso-2022-jp-2': 'iso-2022-jp',
  'iso-2022-jp-3': 'iso-2022-jp',
  cp936: 'gbk',
  ms936: 'gbk',
  'iso-8859-8-i': 'iso-8859-8',
  'iso-8859-8-e': 'iso-8859-8',
  utf8mb4: 'utf-8',
};
const UTF7_LABELS = new Set(['utf-7', 'utf7', 'unicode-1-1-utf-7', 'x-utf-7', 'csunicode11utf7']);

type DecodeMode = 'native' | 'utf7' | 'guess';

/** Labels seen so far: building a TextDecoder to test a label costs more than the decode itself. */
const resolvedCharsets = new Map<string, { label: string; mode: DecodeMode }>();

function resolveCharset(label: string | undefined): { label: string; mode: DecodeMode } {
  const key = label ?? 'utf-8';
  let resolved = resolvedCharsets.get(key);
  if (!resolved) {
    resolved = resolveCharsetUncached(key);
    // Labels come from strangers' mail: keep the cache bounded.
    if (resolvedCharsets.size >= 256) resolvedCharsets.clear();
    resolvedCharsets.set(key, resolved);
  }
  return resolved;
}

function resolveCharsetUncached(label: string): { label: string; mode: DecodeMode } {
  const clean = label.trim().replace(/^["']|["']$/g, '').toLowerCase();
  if (UTF7_LABELS.has(clean)) return { label: 'utf-8', mode: 'utf7' };
  const alias = CHARSET_ALIASES[clean] ?? clean;
  try {
    new NativeTextDecoder(alias);
    return { label: alias, mode: 'native' };
  } catch {
    // unknown-8bit, x-unknown, none, 8bit, cp850…: guess between UTF-8 and windows-1252.
    return { label: 'windows-1252', mode: 'guess' };
  }
}

/** A Buffer view of the same bytes (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toBytes(input: unknown): Uint8Array {
  if (input === undefined || input === null) return new Uint8Array(0);
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return new Uint8Array(0);
}

/** RFC 2152: `+` base64(UTF-16BE) `-`; `+-` is a literal plus. */
export function decodeUtf7(text: string): string {
  return text.replace(/\+([A-Za-z0-9+/]*)-?/g, (match, b64: string) => {
    if (!b64) return '+';
    const bytes = Buffer.from(b64, 'base64');
    let out = '';
    for (let i = 0; i + 1 < bytes.length; i += 2) out += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
    return out;
  });
}

// Node 20's TextDecoder decodes windows-1252 (and so us-ascii and iso-8859-1, which WHATWG maps
// to it) as ISO-8859-1: 0x80–0x9F become C1 controls instead of € ‚ „ … ‘ ’ “ ” – — ™. Mail in
// those charsets is everywhere, so desk maps that range itself.
const CP1252_80_9F =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F'
  + '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

export function decodeWindows1252(bytes: Uint8Array): string {
  return asBuffer(bytes)
    .toString('latin1')
    .replace(/[\u0080-\u009F]/g, (c) => CP1252_80_9F[c.charCodeAt(0) - 0x80]);
}

class MailTextDecoder extends NativeTextDecoder {
  private readonly mode: DecodeMode;
  private readonly declaredUtf8: boolean;
  private readonly utf16: boolean;

  constructor(label?: string, options?: TextDecoderOptions) {
    const resolved = resolveCharset(label);
    super(resolved.label, options);
    this.mode = resolved.mode;
    this.declaredUtf8 = this.encoding === 'utf-8' && resolved.mode === 'native';
    this.utf16 = this.encoding.startsWith('utf-16');
  }

  override decode(input?: AllowSharedBufferSource, options?: TextDecodeOptions): string {
    if (this.declaredUtf8 || this.utf16 || options?.stream) return super.decode(input, options);
    const bytes = toBytes(input);
    // Bytes that are valid UTF-8 with non-ASCII in them are UTF-8, whatever the label says: real
    // text in a legacy charset is practically never valid UTF-8, mislabelled UTF-8 is common,
    // and postal-mime hands quoted-printable parts over already decoded to UTF-8.
    if (!isAscii(bytes) && isUtf8(bytes)) return asBuffer(bytes).toString('utf8');
    if (this.mode === 'utf7') return decodeUtf7(asBuffer(bytes).toString('latin1'));
    if (this.encoding === 'windows-1252') return decodeWindows1252(bytes);
    return super.decode(input, options);
  }
}

let decoderUsers = 0;

/**
 * Runs `fn` with MailTextDecoder as the global TextDecoder, until its promise settles when it
 * returns one. Reference-counted, so overlapping parses restore the platform decoder only once
 * the last one is done.
 */
function withMailDecoders<T>(fn: () => T): T {
  if (decoderUsers++ === 0) globalThis.TextDecoder = MailTextDecoder as typeof TextDecoder;
  const release = () => {
    if (--decoderUsers === 0) globalThis.TextDecoder = NativeTextDecoder;
  };
  let result: T;
  try {
    result = fn();
  } catch (err) {
    release();
    throw err;
  }
  if (result instanceof Promise) return result.finally(release) as T;
  release();
  return result;
}

/** Bytes of unknown charset → text: UTF-8 when valid, else windows-1252 (never fails). */
function decodeGuessing(bytes: Uint8Array): string {
  if (isUtf8(bytes)) return asBuffer(bytes).toString('utf8');
  return decodeWindows1252(bytes);
}

// ---------------------------------------------------------------------------------------------
// Raw header block: splitting, unfolding, repairing.

export interface RawParts {
  header: Buffer;
  body: Buffer;
}

/** Header block (without the empty line) and body. A message without an empty line is all header. */
export function splitHeaderBody(raw: Buffer): RawParts {
  let pos = 0;
  while (pos <= raw.length) {
    const nl = raw.indexOf(0x0a, pos);
    const lineEnd = nl === -1 ? raw.length : nl;
    const lineLength = lineEnd - pos - (lineEnd > pos && raw[lineEnd - 1] === 0x0d ? 1 : 0);
    if (lineLength === 0 && nl !== -1) {
      return { header: raw.subarray(0, pos), body: raw.subarray(nl + 1) };
    }
    if (nl === -1) break;
    pos = nl + 1;
  }
  return { header: raw, body: raw.subarray(raw.length) };
}

export interface RawField {
  /** lowercased field name */
  name: string;
  /** unfolded value, whitespace collapsed */
  value: string;
  /** the field's lines as they were (latin1, byte-preserving), without line endings */
  lines: string[];
}

/**
 * Header fields in order, folded lines joined. A line without a colon becomes a field without
 * name (kept, so that the content hash covers every byte the sender wrote).
 */
export function readHeaderFields(header: Buffer): RawField[] {
  const text = header.toString('latin1');
  const fields: RawField[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line) continue;
    if (/^[ \t]/.test(line)) {
      const last = fields[fields.length - 1];
      if (last) last.lines.push(line);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      fields.push({ name: '', value: '', lines: [line] });
      continue;
    }
    fields.push({ name: line.slice(0, colon).trim().toLowerCase(), value: '', lines: [line] });
  }
  for (const field of fields) {
    const joined = field.lines.join(' ');
    const colon = joined.indexOf(':');
    field.value = colon < 0 ? '' : joined.slice(colon + 1).replace(/\s+/g, ' ').trim();
  }
  return fields;
}

function headerText(fields: RawField[], name: string): string | null {
  const field = fields.find((f) => f.name === name);
  return field ? Buffer.from(field.value, 'latin1').toString('utf8') : null;
}

/**
 * The copy of the raw message postal-mime gets, with the damage it cannot cope with repaired.
 * (The raw message itself is kept and hashed unchanged.)
 */
function prepareForParser(raw: Buffer, warnings: string[]): Buffer {
  let message = dropLeadingJunk(raw);
  // Old Mac line endings (CR only): postal-mime splits lines on LF.
  if (!message.includes(0x0a) && message.includes(0x0d)) {
    message = Buffer.from(message.toString('latin1').replace(/\r/g, '\r\n'), 'latin1');
    warnings.push('line endings were bare CR');
  }
  message = endHeaderAtFirstNonField(message, warnings);
  message = declareMissingBoundary(message, warnings);
  return headerToUtf8(message, warnings);
}

/** Leading blank lines and an mbox "From sender date" separator line. */
function dropLeadingJunk(raw: Buffer): Buffer {
  let start = 0;
  while (start < raw.length && (raw[start] === 0x0d || raw[start] === 0x0a)) start++;
  // "From sender date" (mbox separator), not "From : …" (a From field with obsolete spacing).
  const head = raw.subarray(start, start + 64).toString('latin1');
  if (head.startsWith('From ') && !/^From\s*:/.test(head)) {
    const nl = raw.indexOf(0x0a, start);
    start = nl === -1 ? raw.length : nl + 1;
  }
  return start ? raw.subarray(start) : raw;
}

// field-name: printable ASCII but ':' (RFC 5322), optional obsolete whitespace before the colon
// eslint-disable-next-line no-control-regex
const FIELD_LINE = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;
const COMMON_FIELD = /^(from|to|cc|subject|date|message-id|in-reply-to|references|reply-to|sender|mime-version|content-[a-z-]+|received|return-path)[ \t]*:/i;

/**
 * Scripts that forget the blank line between header and body: a line of prose (words with
 * spaces, not a field, not a continuation) after which no common field follows starts the body,
 * instead of being swallowed as a bogus field. Stray junk between real fields stays a header.
 */
function endHeaderAtFirstNonField(message: Buffer, warnings: string[]): Buffer {
  const { header } = splitHeaderBody(message);
  const lines = header.toString('latin1').split('\n');
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const content = lines[i].replace(/\r$/, '');
    const prose = i > 0 && /\S\s+\S/.test(content) && !/^[ \t]/.test(content) && !FIELD_LINE.test(content);
    if (prose && !lines.slice(i + 1).some((line) => COMMON_FIELD.test(line))) {
      warnings.push('no blank line between header and body');
      return Buffer.concat([message.subarray(0, offset), Buffer.from('\r\n'), message.subarray(offset)]);
    }
    offset += lines[i].length + 1;
  }
  return message;
}

/**
 * A top-level multipart without a boundary parameter hides its whole body from a MIME parser.
 * Take the boundary from the first delimiter line in the body, or read the body as plain text.
 */
function declareMissingBoundary(message: Buffer, warnings: string[]): Buffer {
  const { header, body } = splitHeaderBody(message);
  const text = header.toString('latin1');
  const field = /^content-type[ \t]*:[ \t]*multipart\/[^\n]*(\r?\n[ \t][^\n]*)*/im.exec(text);
  if (!field || /boundary\s*=/i.test(field[0])) return message;
  const delimiter = /^--([^\s]{1,70}?)(--)?[ \t]*\r?$/m.exec(body.subarray(0, 64 * 1024).toString('latin1'));
  const value = field[0].replace(/\r$/, '');
  const replacement = delimiter
    ? `${value}; boundary="${delimiter[1].replace(/"/g, '')}"`
    : value.replace(/multipart\/[\w.+-]*/i, 'text/plain');
  warnings.push(delimiter ? 'multipart without boundary parameter: taken from the body' : 'multipart without boundary: body read as text');
  const repaired = text.slice(0, field.index) + replacement + (field[0].endsWith('\r') ? '\r' : '') + text.slice(field.index + field[0].length);
  return Buffer.concat([Buffer.from(repaired, 'latin1'), message.subarray(header.length)]);
}

/**
 * Header bytes that are not UTF-8 (raw Latin-1 subjects, names) are transcoded to UTF-8 using the
 * message's declared charset, else windows-1252 — postal-mime would turn them into U+FFFD.
 */
function headerToUtf8(message: Buffer, warnings: string[]): Buffer {
  const { header, body } = splitHeaderBody(message);
  if (isAscii(header) || isUtf8(header)) return message;
  // The body's declared charset is the best guess for the sender's headers too; UTF-8 is not
  // (these bytes are not UTF-8), and without a declaration windows-1252 is the common case.
  const declared = /charset\s*=\s*"?([\w.:-]+)/i.exec(header.toString('latin1'))?.[1];
  const charset = declared ? resolveCharset(declared) : null;
  const usable = charset && charset.mode === 'native' && charset.label !== 'utf-8' && !charset.label.startsWith('utf-16');
  const label = usable ? charset.label : 'windows-1252';
  const decode = label === 'windows-1252' ? decodeWindows1252 : (b: Uint8Array) => new NativeTextDecoder(label).decode(b);
  const repaired = header
    .toString('latin1')
    .split('\n')
    .map((line) => {
      const bytes = Buffer.from(line, 'latin1');
      return isUtf8(bytes) ? line : Buffer.from(decode(bytes), 'utf8').toString('latin1');
    })
    .join('\n');
  warnings.push(`header bytes were not UTF-8: read as ${label}`);
  const separator = message.subarray(header.length, message.length - body.length);
  return Buffer.concat([Buffer.from(repaired, 'latin1'), separator, body]);
}

// ---------------------------------------------------------------------------------------------
// Content hash: what identifies a message across fetches and deliveries.

// Fields a receiving server adds on delivery (and may add differently on a second delivery of
// the same message: another Received, another Delivered-To). They are not the sender's content.
const TRACE_FIELDS = new Set([
  'received', 'return-path', 'delivered-to', 'x-original-to', 'x-delivered-to', 'envelope-to',
  'x-envelope-to', 'x-envelope-from', 'authentication-results', 'received-spf', 'x-received',
  // mbox bookkeeping a server may keep in the message (Dovecot hides them, others may not)
  'x-uid', 'status', 'x-status', 'x-keywords', 'x-imapbase', 'content-length', 'lines',
]);
const TRACE_PREFIXES = ['x-spam-', 'x-virus-', 'x-rspamd-', 'arc-', 'x-ms-exchange-organization-', 'x-forefront-'];

function isTraceField(name: string): boolean {
  return TRACE_FIELDS.has(name) || TRACE_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * sha256 of the message minus delivery trace fields, with LF line endings and no trailing
 * blank lines. Two fetches of one stored message give identical bytes anyway; this also makes
 * the same message delivered twice (to two addresses, or re-delivered after a mailbox rebuild,
 * each time with its own Received/Delivered-To/Return-Path) count as one.
 */
export function contentHash(raw: Buffer, headerFields?: RawField[]): string {
  const { header, body } = splitHeaderBody(raw);
  const hash = createHash('sha256');
  for (const field of headerFields ?? readHeaderFields(header)) {
    if (isTraceField(field.name)) continue;
    hash.update(field.lines.join('\n') + '\n', 'latin1');
  }
  hash.update('\n');
  // Line ends as LF (servers store LF and serve CRLF, or the reverse), trailing blank lines off.
  let text = body.toString('latin1');
  if (text.includes('\r\n')) text = text.split('\r\n').join('\n');
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 0x0a || text.charCodeAt(end - 1) === 0x0d)) end--;
  hash.update(end === text.length ? text : text.slice(0, end), 'latin1');
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Dates.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0, est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360,
  pst: -480, pdt: -420,
};
// Dates before this are broken clocks (epoch 0 and friends), not support mail.
const EARLIEST_PLAUSIBLE = Date.UTC(1980, 0, 1);
// Without a reference time (no fallback, no Received), only absurd years can be ruled out.
const LATEST_WITHOUT_REFERENCE = Date.UTC(2100, 0, 1);
// A message cannot be written after its delivery; clocks drift, but not by a day.
const MAX_DATE_AFTER_DELIVERY_MS = 24 * 3600 * 1000;

function fullYear(year: string): number {
  const n = Number(year);
  if (year.length === 2) return n < 50 ? 2000 + n : 1900 + n; // RFC 5322 obsolete 2-digit years
  if (year.length === 3) return 1900 + n;
  return n;
}

function zoneOffsetMinutes(zone: string | undefined): number | null {
  if (!zone) return null;
  const numeric = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (numeric) {
    const [, sign, hh, mm] = numeric;
    if (Number(hh) > 23 || Number(mm) > 59) return null;
    return (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm));
  }
  return ZONES[zone.toLowerCase()] ?? null;
}

function utcFromParts(y: number, mon: number, d: number, h: number, mi: number, s: number, offset: number): Date | null {
  if (mon < 0 || h > 23 || mi > 59 || s > 60 || d < 1) return null;
  const local = Date.UTC(y, mon, d, h, mi, Math.min(s, 59));
  const check = new Date(local);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mon) return null; // 31 Feb…
  return new Date(local - offset * 60_000);
}

/**
 * A mail date (RFC 5322 with obsolete forms, comments and folding; asctime; ISO 8601) → instant,
 * or null when it is not a date. An unknown or missing zone is read as UTC ("-0000": unknown).
 */
export function parseMailDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const text = stripComments(value).replace(/\s*:\s*/g, ':').replace(/\s+/g, ' ').trim();
  const rfc = /(?:^|[\s,])(\d{1,2})[\s-]+([a-z]{3,})\.?[\s-]+(\d{2,4}),?\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?(?:\s*([+-]\d{2}:?\d{2}|[a-z]{1,5})\b)?/i.exec(text);
  if (rfc) {
    const [, day, month, year, hh, mm, ss, zone] = rfc;
    const mon = MONTHS.indexOf(month.slice(0, 3).toLowerCase());
    return utcFromParts(fullYear(year), mon, Number(day), Number(hh), Number(mm), Number(ss ?? 0), zoneOffsetMinutes(zone) ?? 0);
  }
  const asctime = /^(?:[a-z]{3},? )?([a-z]{3}) (\d{1,2}) (\d{1,2}):(\d{2})(?::(\d{2}))? (?:([a-z]{1,5}|[+-]\d{4}) )?(\d{4})$/i.exec(text);
  if (asctime) {
    const [, month, day, hh, mm, ss, zone, year] = asctime;
    const mon = MONTHS.indexOf(month.toLowerCase());
    return utcFromParts(Number(year), mon, Number(day), Number(hh), Number(mm), Number(ss ?? 0), zoneOffsetMinutes(zone) ?? 0);
  }
  const isoMatch = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (isoMatch) {
    const [, y, mo, d, hh, mm, ss, zone] = isoMatch;
    const offset = zone && zone.toUpperCase() !== 'Z' ? zoneOffsetMinutes(zone) ?? 0 : 0;
    return utcFromParts(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mm), Number(ss ?? 0), offset);
  }
  return null;
}

function toDate(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** ISO instant at whole seconds (desk's time format; sub-second parts are dropped, not rounded). */
function iso(date: Date): string {
  return isoSeconds(Math.floor(date.getTime() / 1000) * 1000);
}

/** Date of the newest Received field (the top one): when our side got the message. */
function receivedDate(fields: RawField[]): Date | null {
  const received = fields.find((f) => f.name === 'received');
  if (!received) return null;
  const semicolon = received.value.lastIndexOf(';');
  return semicolon < 0 ? null : parseMailDate(received.value.slice(semicolon + 1));
}

function resolveDate(
  header: string | null,
  fallback: Date | null,
  received: Date | null,
  warnings: string[],
): { date: string; source: DateSource } {
  const reference = fallback ?? received;
  const latest = reference ? reference.getTime() + MAX_DATE_AFTER_DELIVERY_MS : LATEST_WITHOUT_REFERENCE;
  const parsed = parseMailDate(header);
  if (parsed && parsed.getTime() >= EARLIEST_PLAUSIBLE && parsed.getTime() <= latest) {
    return { date: iso(parsed), source: 'header' };
  }
  if (header === null) warnings.push('no Date header');
  else if (parsed) warnings.push(`implausible Date header "${header}"`);
  else warnings.push(`unreadable Date header "${header}"`);
  if (fallback) return { date: iso(fallback), source: 'fallback' };
  if (received && received.getTime() >= EARLIEST_PLAUSIBLE) return { date: iso(received), source: 'received' };
  warnings.push('no usable date at all: 1970-01-01 used');
  return { date: iso(new Date(0)), source: 'none' };
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

/** A `Message-ID: <…>` line quoted in a body (old-style bounces quote the original's headers). */
export function messageIdQuotedInText(text: string): string | null {
  const match = /^\s*>?\s*Message-ID:\s*(<[^<>\s]+>)/im.exec(text);
  return match ? normalizeMessageId(match[1]) : null;
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
