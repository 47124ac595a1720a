// Which of a query's tags are common enough to be probed per ticket rather than read as a set
// (store/query.ts, QueryContext.commonTags), for a page of a list sorted by an indexed column on
// SQLite. Reading a tag's tickets and sorting them costs in proportion to how many carry it;
// walking the sort index costs in proportion to how far the page lies, which for a tag on one
// ticket in ten is 500 tickets for 50. SQLite's planner does not weigh the two, so desk counts
// (through the tag's index, at most COMMON_FROM rows each) before it asks.
import type { Kysely } from 'kysely';
import { mapTerms, type QueryNode } from '../domain/query/index.js';
import type { DB } from './schema.js';

/** A tag on this many tickets or more is common (below it, sorting its tickets takes milliseconds). */
export const COMMON_FROM = 20_000;

function tagsOf(node: QueryNode): string[] {
  const tags = new Set<string>();
  mapTerms(node, (t) => {
    if (t.field === 'tag') for (const v of t.values) tags.add(v);
    return { kind: 'term', term: t };
  });
  return [...tags];
}

/**
 * One verdict per parsed query: a list and the count of its cut ask about the same query, and a
 * tag's count hardly moves between them (a stale verdict only picks the slower plan, never other
 * tickets).
 */
const verdicts = new WeakMap<QueryNode, Promise<ReadonlySet<string>>>();

export function commonTags(db: Kysely<DB>, node: QueryNode): Promise<ReadonlySet<string>> {
  let verdict = verdicts.get(node);
  if (!verdict) {
    verdict = countCommon(db, node);
    verdicts.set(node, verdict);
  }
  return verdict;
}

async function countCommon(db: Kysely<DB>, node: QueryNode): Promise<ReadonlySet<string>> {
  const common = new Set<string>();
  for (const tag of tagsOf(node)) {
    const part = db.selectFrom('ticket_tags').select('ticket_id').where('tag', '=', tag).limit(COMMON_FROM);
    const row = await db.selectFrom(part.as('p')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    if (Number(row?.n ?? 0) >= COMMON_FROM) common.add(tag);
  }
  return common;
}
