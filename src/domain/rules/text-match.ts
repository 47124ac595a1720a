// Matching mail text and senders the way a lead writing rules expects: keywords are whole words
// or phrases in any case ("down" does not match "download"), regular expressions are the lead's own.
import type { SenderPattern, TextPattern } from './types.js';
import { compileUserRegex } from './user-regex.js';

/** Matching looks at this much of a body: enough for any real request, bounded for huge mails. */
export const BODY_MATCH_LIMIT = 100_000;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A keyword or phrase as a whole-word, case-insensitive pattern; inner spaces match any whitespace. */
export function keywordPattern(keyword: string): TextPattern {
  const words = keyword.trim().split(/\s+/).map(escape).join('\\s+');
  // Linear: escaped literal words with whitespace runs between them, each run followed by a
  // non-space, and one-character lookarounds; the engine never has two ways to read a character.
  const regex = new RegExp(`(?<![\\p{L}\\p{N}_])${words}(?![\\p{L}\\p{N}_])`, 'iu');
  return { source: keyword, test: (text) => regex.test(text) };
}

/**
 * A lead's regular expression: `/pattern/flags` for full control, or a bare pattern, which is
 * matched case-insensitively (mail subjects come in every case). It runs on a linear-time engine
 * (see user-regex.ts). Throws on a pattern it cannot run, with the reason.
 */
export function userRegex(text: string): TextPattern {
  const last = text.lastIndexOf('/');
  const flags = text.slice(last + 1);
  const slashed = text.startsWith('/') && last > 0 && /^[a-z]*$/.test(flags);
  const test = slashed ? compileUserRegex(text.slice(1, last), flags) : compileUserRegex(text, 'i');
  return { source: text, test };
}

/** The first pattern that occurs in the text, or undefined. */
export function firstMatch(patterns: readonly TextPattern[], text: string): TextPattern | undefined {
  return patterns.find((p) => p.test(text));
}

/**
 * `local@domain.tld`: no spaces, one @, a dot inside the domain, no angle brackets. The domain is
 * read as "a first character, then up to the first dot after it, then the rest", which leaves the
 * engine one way to read each address (`[^@]+\.[^@]+` would try every dot of `a@....@`).
 */
const EMAIL = /^[^\s@<>]+@[^\s@<>][^\s@<>.]*\.[^\s@<>]+$/;

export const isEmailAddress = (text: string) => EMAIL.test(text);

/** "ana@x.com" is one address; "x.com" or "@x.com" a domain. Returns undefined when neither. */
export function parseSenderPattern(text: string): SenderPattern | undefined {
  const t = text.trim().toLowerCase();
  if (/^[^\s@]+@[^\s@][^\s@.]*\.[^\s@]+$/.test(t)) return { kind: 'address', address: t };
  const domain = t.startsWith('@') ? t.slice(1) : t.startsWith('*.') ? t.slice(2) : t;
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) return { kind: 'domain', domain };
  return undefined;
}

/** A domain pattern covers its subdomains too: "bigcorp.com" matches "eu.bigcorp.com". */
export function senderMatches(pattern: SenderPattern, address: string): boolean {
  const a = address.trim().toLowerCase();
  if (pattern.kind === 'address') return a === pattern.address;
  const domain = a.slice(a.lastIndexOf('@') + 1);
  return domain === pattern.domain || domain.endsWith('.' + pattern.domain);
}

export function describeSender(p: SenderPattern): string {
  return p.kind === 'address' ? p.address : `@${p.domain}`;
}
