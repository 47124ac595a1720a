// Where an attachment's content goes under the data dir. The file name comes from a stranger's
// mail, so it never decides the directory: the path is attachments/<sha[0..2]>/<sha256>/<name>,
// where <name> is a sanitised last segment of the given name — no separators, no "..", no
// drive letters, no controls or bidi tricks, no Windows device names, bounded length.
import path from 'node:path';
import { trimEndWhere } from '../domain/linear-text.js';

export interface AttachmentPath {
  /** Relative to the data dir, with `/` separators (what the attachments table stores). */
  relative: string;
  /** dataDir joined with `relative`: always inside dataDir. */
  absolute: string;
  /** The sanitised file name: safe to show, to save under, and the last segment of the path. */
  displayName: string;
}

export const ATTACHMENTS_DIR = 'attachments';
/** Bytes (UTF-8) of a stored name; file systems allow 255, leave room for editors' temp names. */
export const MAX_NAME_BYTES = 120;
const FALLBACK_NAME = 'attachment';

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001F\u007F-\u009F]/g;
// Bidi controls ("invoice\u202Efdp.exe" shows as "invoiceexe.pdf") and invisible characters.
const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;
// Separators of any platform, and characters that merely look like one.
const SEPARATORS = /[/\\\u2044\u2215\u29F8\u29F9]/;
// Reserved on Windows (and ':' is a separator on classic macOS).
const RESERVED = /[<>:"|?*]/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Cuts `s` to at most `bytes` UTF-8 bytes without splitting a character. */
function truncateBytes(s: string, bytes: number): string {
  let out = '';
  for (const ch of s) {
    if (utf8Length(out + ch) > bytes) break;
    out += ch;
  }
  return out;
}

function limitLength(name: string): string {
  if (utf8Length(name) <= MAX_NAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  const stem = truncateBytes(name.slice(0, name.length - ext.length), MAX_NAME_BYTES - utf8Length(ext)).trimEnd();
  return stem + ext;
}

/** A file name that is safe on any platform and shows what it is. Never empty. */
export function sanitizeFilename(name: string | null | undefined): string {
  if (!name) return FALLBACK_NAME;
  // NFKC folds look-alikes into the characters they imitate (fullwidth "．．／" becomes "../"),
  // so that the checks below see them.
  const normalised = name.normalize('NFKC').replace(CONTROLS, '').replace(INVISIBLE, '');
  const segments = normalised.split(SEPARATORS).filter((s) => s.trim().length > 0);
  let clean = (segments[segments.length - 1] ?? '')
    .replace(RESERVED, '_')
    .replace(/\s+/g, ' ')
    // no hidden files and no "..": leading dots go; Windows drops trailing dots and spaces itself
    .replace(/^[.\s]+/, '');
  clean = trimEndWhere(clean, (c) => c === '.' || /\s/.test(c));
  if (WINDOWS_DEVICE.test(clean)) clean = `_${clean}`;
  clean = limitLength(clean);
  return clean || FALLBACK_NAME;
}

/**
 * The storage path of an attachment with content hash `sha256` (64 hex digits) and the sender's
 * `filename`. Throws RangeError for a malformed hash (it is part of the path).
 */
export function safeAttachmentPath(dataDir: string, sha256: string, filename: string | null | undefined): AttachmentPath {
  const hash = sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new RangeError(`not a sha256 hex digest: '${sha256}'`);
  const displayName = sanitizeFilename(filename);
  const relative = [ATTACHMENTS_DIR, hash.slice(0, 2), hash, displayName].join('/');
  const root = path.resolve(dataDir);
  const absolute = path.join(root, ...relative.split('/'));
  // Unreachable by construction; checked anyway because this is the one place that must not fail.
  const back = path.relative(root, absolute);
  if (back.startsWith('..') || path.isAbsolute(back)) throw new Error(`attachment path escapes the data dir: ${absolute}`);
  return { relative, absolute, displayName };
}
