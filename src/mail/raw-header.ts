// The raw header block of a message: splitting it from the body, unfolding fields, repairing
// what postal-mime cannot cope with, and the content hash that identifies a message across
// fetches and deliveries. Pure: no I/O.
import { createHash } from 'node:crypto';
import { isAscii, isUtf8 } from 'node:buffer';
import { decodeWindows1252, NativeTextDecoder, resolveCharset } from './charsets.js';

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

export function headerText(fields: RawField[], name: string): string | null {
  const field = fields.find((f) => f.name === name);
  return field ? Buffer.from(field.value, 'latin1').toString('utf8') : null;
}

/**
 * The copy of the raw message postal-mime gets, with the damage it cannot cope with repaired.
 * (The raw message itself is kept and hashed unchanged.)
 */
export function prepareForParser(raw: Buffer, warnings: string[]): Buffer {
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

