// Search helpers both stores share: address fragments, LIKE patterns and snippets.
// Words are cut as domain/search-words.ts cuts them (re-exported here for the stores).
import { foldWord, searchWords, WORD_GAP } from '../../domain/search-words.js';

export { foldWord, searchWords, WORD_GAP };

/**
 * Is this query (one token, with an '@') a piece of an address? Such a query also finds the
 * tickets whose requester's address contains it, case folded: `@acme`, `ana@`, `na@acme.co`.
 */
export function addressFragment(query: string): string | undefined {
  const q = query.trim();
  return q.includes('@') && !/\s/.test(q) ? q : undefined;
}

/** A LIKE pattern matching `fragment` anywhere, with LIKE's own characters escaped by `\`. */
export function containsPattern(fragment: string): string {
  return `%${fragment.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * A snippet of `text` around the first word that matches the query's words (the last one as a
 * prefix), the matches in [ ], at most `size` words, `…` where text was left out.
 */
export function snippetOf(text: string, queryWords: string[], size = 12): string | undefined {
  const wanted = queryWords.map(foldWord);
  const last = wanted.length - 1;
  const matches = (w: string) => {
    const f = foldWord(w);
    return wanted.some((q, i) => (i === last ? f.startsWith(q) : f === q));
  };
  const norm = text.normalize('NFKC');
  const spans: { start: number; end: number; hit: boolean }[] = [];
  for (const m of norm.matchAll(/[\p{L}\p{N}]+/gu)) spans.push({ start: m.index!, end: m.index! + m[0].length, hit: matches(m[0]) });
  const first = spans.findIndex((s) => s.hit);
  if (first < 0) return undefined;
  const from = Math.max(0, Math.min(first - Math.floor(size / 4), spans.length - size));
  const to = Math.min(spans.length, from + size);
  let out = from > 0 ? '…' : '';
  for (let i = from; i < to; i++) {
    const s = spans[i]!;
    const gap = i > from ? norm.slice(spans[i - 1]!.end, s.start) : '';
    const word = norm.slice(s.start, s.end);
    out += gap + (s.hit ? `[${word}]` : word);
  }
  return out + (to < spans.length ? '…' : '');
}
