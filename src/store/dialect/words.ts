// Search helpers both stores share: address fragments, LIKE patterns, snippets and hit lists.
// Words are cut as domain/search-words.ts cuts them (re-exported here for the stores).
import type { RankedHit, SearchHit } from './types.js';
import { foldWord, searchWords } from '../../domain/search-words.js';

export { foldWord, searchWords };

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

/** The hits of one search, first come first kept: each ticket once, at most `limit`. */
export function hitList(limit: number): { hits: RankedHit[]; wants(id: number): boolean; add(id: number, snippet: () => Promise<string>): void } {
  const seen = new Set<number>();
  const hits: RankedHit[] = [];
  return {
    hits,
    /** false when the ticket is in already or the list is full */
    wants: (id) => !seen.has(id) && hits.length < limit,
    add(id, snippet) {
      if (seen.has(id) || hits.length >= limit) return;
      seen.add(id);
      hits.push({ ticket_id: id, snippet });
    },
  };
}

/** Ranked hits with their snippets made. */
export async function withSnippets(hits: RankedHit[]): Promise<SearchHit[]> {
  const out: SearchHit[] = [];
  for (const h of hits) out.push({ ticket_id: h.ticket_id, snippet: await h.snippet() });
  return out;
}
