// Charsets of real mail for the parser (parse.ts): the labels WHATWG lacks, mislabelled UTF-8,
// windows-1252 done right, UTF-7. Pure: no I/O.
import { isAscii, isUtf8 } from 'node:buffer';

// postal-mime decodes with the platform TextDecoder (WHATWG labels) and silently falls
// back to windows-1252 for any other label, and it offers no hook to change that. Mail uses
// labels WHATWG lacks (UTF-7, cp949, ks_c_5601, unknown-8bit…) and mislabels UTF-8 as Latin-1
// all the time. While postal-mime runs, the global TextDecoder is a subclass that handles those
// cases and otherwise hands over to the platform decoder (see withMailDecoders). Only the
// TextDecoder constructor is swapped, and only for the parse: nothing else in the process changes.

export const NativeTextDecoder = globalThis.TextDecoder;

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

export function resolveCharset(label: string | undefined): { label: string; mode: DecodeMode } {
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
export function withMailDecoders<T>(fn: () => T): T {
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
export function decodeGuessing(bytes: Uint8Array): string {
  if (isUtf8(bytes)) return asBuffer(bytes).toString('utf8');
  return decodeWindows1252(bytes);
}

