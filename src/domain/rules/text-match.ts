// Matching mail text and senders the way a lead writing rules expects: keywords are whole words
// or phrases in any case ("down" does not match "download"), regular expressions are the lead's own.
import type { SenderPattern, TextPattern } from './types.js';

/** Matching looks at this much of a body: enough for any real request, bounded for huge mails. */
export const BODY_MATCH_LIMIT = 100_000;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A keyword or phrase as a whole-word, case-insensitive pattern; inner spaces match any whitespace. */
export function keywordPattern(keyword: string): TextPattern {
  const words = keyword.trim().split(/\s+/).map(escape).join('\\s+');
  return { source: keyword, regex: new RegExp(`(?<![\\p{L}\\p{N}_])${words}(?![\\p{L}\\p{N}_])`, 'iu') };
}

/**
 * A lead's regular expression: `/pattern/flags` for full control, or a bare pattern, which is
 * matched case-insensitively (mail subjects come in every case). Throws on a bad pattern.
 */
export function userRegex(text: string): TextPattern {
  const slashed = /^\/(.*)\/([a-z]*)$/s.exec(text);
  const regex = slashed ? new RegExp(slashed[1]!, slashed[2]!.replace(/[gy]/g, '')) : new RegExp(text, 'i');
  return { source: text, regex };
}

/** The first pattern that occurs in the text, or undefined. */
export function firstMatch(patterns: readonly TextPattern[], text: string): TextPattern | undefined {
  return patterns.find((p) => p.regex.test(text));
}

/** "ana@x.com" is one address; "x.com" or "@x.com" a domain. Returns undefined when neither. */
export function parseSenderPattern(text: string): SenderPattern | undefined {
  const t = text.trim().toLowerCase();
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(t)) return { kind: 'address', address: t };
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
