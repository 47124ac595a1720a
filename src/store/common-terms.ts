// Which of a query's tags and free words are common enough that a page of a list sorted by an
// indexed column is found sooner by walking that index than by reading every ticket they hold
// and sorting them (store/query.ts, QueryContext.commonTags and commonWords). Reading a term's
// tickets and sorting them costs in proportion to how many hold it; walking the sort index costs
// in proportion to how far the page lies, which for a tag on one ticket in ten is 500 tickets for
// 50. SQLite's planner does not weigh the two, so desk counts (through the term's index, up to the
// threshold) before it asks. SQLite only: PostgreSQL's planner weighs it with its statistics.
import { sql, type Kysely } from 'kysely';
import type { QueryNode } from '../domain/query/index.js';
import type { DB } from './schema.js';
import { ftsMatch } from './dialect/sqlite-search.js';
import { searchWords } from './dialect/words.js';

/** A tag on this many tickets or more is common (below it, sorting its tickets takes milliseconds). */
export const COMMON_FROM = 20_000;
/**
 * A free word in this many search rows or more is common. Its set of tickets comes from the
 * index at once (no ticket is read to build it), so walking pays off sooner than for a tag:
 * looking up and sorting 2,000 tickets costs about what walking 25,000 index entries does.
 */
export const COMMON_WORD_FROM = 2_000;
/**
 * A free word in this many search rows or more is in so much of the desk that reading its set
 * of tickets and sorting them costs more than walking the whole sort index: past the walk's
 * window (repos/tickets.ts) the walk goes on for such a word; for a less common one the set is read.
 */
export const WIDESPREAD_WORD_FROM = 50_000;

export interface CommonTerms {
  tags: ReadonlySet<string>;
  /** as their FTS5 match text (dialect/sqlite-search.ts, ftsMatch) */
  words: ReadonlySet<string>;
  /** the common words that are widespread (WIDESPREAD_WORD_FROM) */
  widespreadWords: ReadonlySet<string>;
}

function termsOf(node: QueryNode): { tags: string[]; words: string[] } {
  const tags = new Set<string>();
  const words = new Set<string>();
  const visit = (n: QueryNode): void => {
    if (n.kind === 'and' || n.kind === 'or') n.items.forEach(visit);
    else if (n.kind === 'not') visit(n.item);
    else if (n.kind === 'term') {
      if (n.term.field === 'tag') for (const v of n.term.values) tags.add(v);
    } else {
      const w = searchWords(n.text);
      if (w.length) words.add(ftsMatch(w, n.kind === 'word' && n.prefix));
    }
  };
  visit(node);
  return { tags: [...tags], words: [...words] };
}

/**
 * One verdict per parsed query: a list and the count of its cut ask about the same query, and a
 * term's count hardly moves between them (a stale verdict only picks the slower plan, never other
 * tickets).
 */
const verdicts = new WeakMap<QueryNode, Promise<CommonTerms>>();

export function commonTerms(db: Kysely<DB>, node: QueryNode): Promise<CommonTerms> {
  let verdict = verdicts.get(node);
  if (!verdict) {
    verdict = countCommon(db, node);
    verdicts.set(node, verdict);
  }
  return verdict;
}

async function countCommon(db: Kysely<DB>, node: QueryNode): Promise<CommonTerms> {
  const { tags, words } = termsOf(node);
  const common = { tags: new Set<string>(), words: new Set<string>(), widespreadWords: new Set<string>() };
  for (const tag of tags) {
    const part = db.selectFrom('ticket_tags').select('ticket_id').where('tag', '=', tag).limit(COMMON_FROM);
    const row = await db.selectFrom(part.as('p')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    if (Number(row?.n ?? 0) >= COMMON_FROM) common.tags.add(tag);
  }
  for (const match of words) {
    // rowids only: FTS5 answers from its index without reading a row
    const row = await sql<{ n: number }>`select count(*) as n from (select rowid from search_fts where search_fts match ${match} limit ${WIDESPREAD_WORD_FROM})`.execute(db);
    const n = Number(row.rows[0]?.n ?? 0);
    if (n >= COMMON_WORD_FROM) common.words.add(match);
    if (n >= WIDESPREAD_WORD_FROM) common.widespreadWords.add(match);
  }
  return common;
}
