// The query language's AST (src/domain/query) as one SQL condition on `tickets as t`, for both
// backends: terms are columns and indexed subqueries, free words go through each backend's
// full-text index (SQLite FTS5, PostgreSQL's tsvector; cut into words exactly as the index is:
// dialect/words.ts), so a query never loads tickets to judge them. Every condition is true or
// false, never SQL's unknown (nullable columns are tested for null first), so that '-' is its
// exact complement.
import { DummyDriver, Kysely, sql, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type RawBuilder, type SqlBool } from 'kysely';
import { and, MATCH_ALL, type QueryNode, type Term } from '../domain/query/index.js';
import type { DialectOps } from './dialect/types.js';
import { containsPattern, searchWords } from './dialect/words.js';
import { ftsMatch, TICKET_OF_ROW } from './dialect/sqlite-search.js';

type Cond = RawBuilder<SqlBool>;

export interface QueryContext {
  dialect: DialectOps['name'];
  /** ISO instant: what is.snoozed is judged at */
  now: string;
  /**
   * Tags so common that a list sorted by an indexed column finds its first page sooner by walking
   * that index and probing each ticket's tags than by reading every tagged ticket and sorting them
   * (store/common-terms.ts decides; SQLite only: PostgreSQL's planner weighs it with its statistics).
   */
  commonTags?: ReadonlySet<string>;
  /**
   * Free words (as their FTS5 match text) held by so many tickets that such a page is found sooner
   * by walking the sort index and checking each ticket against the word's tickets (SQLite only).
   */
  commonWords?: ReadonlySet<string>;
  /**
   * A count (PostgreSQL): each free word's tickets are read whole from the full-text index, as a
   * set. Asked for the first 1,001 matches, the planner would rather walk the tickets and match
   * each one's text, which for a word in one ticket of a hundred is 100,000 texts (90 ms at a
   * million tickets, against 25 ms for the set).
   */
  wordSets?: boolean;
}

const TRUE: Cond = sql<SqlBool>`1 = 1`;
const FALSE: Cond = sql<SqlBool>`1 = 0`;

function inList(column: string, values: readonly (string | number)[]): Cond {
  if (!values.length) return FALSE;
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join(values.map((v) => sql`${v}`))})`;
}

function any(parts: Cond[]): Cond {
  if (!parts.length) return FALSE;
  return parts.length === 1 ? parts[0]! : sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

function all(parts: Cond[]): Cond {
  if (!parts.length) return TRUE;
  return parts.length === 1 ? parts[0]! : sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

/** Tickets with a subject or message holding all these words (the last one as a prefix when asked). */
function wordsMatch(words: string[], prefix: boolean, qc: QueryContext): Cond {
  if (!words.length) return FALSE;
  if (qc.dialect === 'sqlite') {
    const match = ftsMatch(words, prefix);
    // The tickets from FTS5's index alone (a row's rowid says whose it is: dialect/sqlite-search.ts).
    // `+t.id` keeps SQLite from looking each of them up to sort them: for a common word it walks
    // the list's sort index instead, checking each ticket against the word's set, and stops at a page.
    const id = qc.commonWords?.has(match) ? sql`+t.id` : sql`t.id`;
    return sql<SqlBool>`${id} in (select ${sql.raw(TICKET_OF_ROW)} from search_fts where search_fts match ${match})`;
  }
  // (`offset 0` keeps the set a set: the planner may not fold it into a walk.)
  const whole = qc.wordSets ? sql` offset 0` : sql``;
  return sql<SqlBool>`t.id in (select s.ticket_id from search_fts s where s.document @@ ${tsQuery(words, prefix)}${whole})`;
}

/** PostgreSQL: the text search query of these words (all of them; the last as a prefix when asked). */
function tsQuery(words: string[], prefix: boolean): RawBuilder<unknown> {
  const terms = words.map((w, i) =>
    sql`to_tsquery('simple'::regconfig, quote_literal(desk_unaccent(${w.toLowerCase()})) || ${prefix && i === words.length - 1 ? ':*' : ''})`);
  return sql`(${sql.join(terms, sql` && `)})`;
}

/**
 * PostgreSQL: free words (a word or a phrase) that every ticket the query finds holds, as the
 * text search query their search rows match, and the rest of the query; undefined when there are
 * none (words under OR or NOT, or a word with '@', which finds requesters too).
 */
export function requiredWords(node: QueryNode): { match: RawBuilder<unknown>; rest: QueryNode } | undefined {
  const own = (n: QueryNode): RawBuilder<unknown> | undefined => {
    if (n.kind === 'phrase' || (n.kind === 'word' && !n.text.includes('@'))) {
      const words = searchWords(n.text);
      if (words.length) return tsQuery(words, n.kind === 'word' && n.prefix);
    }
    return undefined;
  };
  const match = own(node);
  if (match) return { match, rest: MATCH_ALL };
  if (node.kind !== 'and') return undefined;
  for (const [i, item] of node.items.entries()) {
    const m = own(item);
    if (m) return { match: m, rest: and(node.items.filter((_, k) => k !== i)) };
  }
  return undefined;
}

/** Tickets with any of these tags, probed per ticket. */
function tagProbe(values: readonly string[]): Cond {
  return sql<SqlBool>`exists (select 1 from ticket_tags tt where tt.ticket_id = t.id and ${inList('tt.tag', values)})`;
}

/**
 * A requester's address matching a LIKE pattern, ASCII case folded on both backends (SQLite's LIKE
 * folds it; PostgreSQL's ILIKE, which its trigram index serves too). Addresses are kept in lower
 * case, but a desk filled by other means may hold capitals.
 */
function requesterLike(pattern: string, qc: QueryContext): Cond {
  const like = qc.dialect === 'sqlite' ? sql`like` : sql`ilike`;
  return sql<SqlBool>`t.requester_id in (select r.id from requesters r where r.email ${like} ${pattern} escape '\\')`;
}

/**
 * Times are stored as ISO text, whole seconds (`…:00Z`) or with milliseconds (`…:00.560Z`, as
 * mail and the demo give them): compared as text with `….000Z`, both order by their instant.
 */
function withMillis(iso: string): string {
  return iso.endsWith('Z') && !iso.includes('.') ? `${iso.slice(0, -1)}.000Z` : iso;
}

function termCond(t: Term, qc: QueryContext): Cond {
  switch (t.field) {
    case 'status':
      return inList('t.status', t.values);
    case 'priority':
      return inList('t.priority', t.values);
    case 'tier':
      return inList('t.tier', t.values);
    case 'id':
      return inList('t.id', t.values);
    case 'linked':
      return sql<SqlBool>`(t.id in (select l.to_id from ticket_links l where ${inList('l.from_id', t.values)})
        or t.id in (select l.from_id from ticket_links l where ${inList('l.to_id', t.values)}))`;
    case 'queue': {
      // (null-safe: under a '-' a ticket without a queue must not vanish by SQL's unknown)
      const named = t.values.filter((v): v is string => v !== null);
      const parts = named.length ? [sql<SqlBool>`(t.queue is not null and ${inList('t.queue', named)})`] : [];
      if (named.length < t.values.length) parts.push(sql<SqlBool>`t.queue is null`);
      return any(parts);
    }
    case 'tag':
      // A common tag: probed per ticket (the list walks its sort index and stops at a page).
      if (qc.commonTags && t.values.every((v) => qc.commonTags!.has(v))) return tagProbe(t.values);
      // As a set of ids, so that a rare tag is found through its index, not by reading every ticket.
      return sql<SqlBool>`t.id in (select tt.ticket_id from ticket_tags tt where ${inList('tt.tag', t.values)})`;
    case 'assignee':
      return t.value === null ? sql<SqlBool>`t.assignee is null` : sql<SqlBool>`(t.assignee is not null and t.assignee = ${t.value})`;
    case 'requester':
      return t.match === 'exact'
        ? sql<SqlBool>`t.requester_id in (select r.id from requesters r where r.email = ${t.value})`
        : requesterLike(containsPattern(t.value), qc);
    case 'subject': {
      // LIKE folds ASCII case on SQLite; ILIKE is PostgreSQL's case-folding LIKE.
      const like = qc.dialect === 'sqlite' ? sql`like` : sql`ilike`;
      return sql<SqlBool>`t.subject ${like} ${containsPattern(t.value)} escape '\\'`;
    }
    case 'has':
      return sql<SqlBool>`exists (select 1 from messages m join attachments a on a.message_id = m.id where m.ticket_id = t.id)`;
    case 'is':
      if (t.value === 'unanswered') {
        // the latest message a person wrote (automatic mail aside) came from the customer
        return sql<SqlBool>`coalesce((select m.direction from messages m where m.ticket_id = t.id and m.auto_reason is null
          order by m.date desc, m.id desc limit 1), '') = 'in'`;
      }
      // snoozed (src/domain/snooze.ts): the latest snooze event sets a time still to come, and
      // neither a status change nor mail from the customer came after it (either ends it)
      return sql<SqlBool>`exists (select 1 from events e where e.ticket_id = t.id and e.type = 'snooze'
          and e.id = (select max(l.id) from events l where l.ticket_id = t.id and l.type = 'snooze')
          and e.to_value is not null and e.to_value > ${qc.now}
          and not exists (select 1 from events s where s.ticket_id = t.id and s.type = 'status' and s.id > e.id)
          and not exists (select 1 from messages m where m.ticket_id = t.id and m.direction = 'in'
            and m.auto_reason is null and m.date > e.at))`;
    case 'sla':
      // judged with the SLA clocks before the query reaches the store (commands/query/sla-terms.ts)
      throw new Error(`desk bug: is:${t.value} reached the store unresolved`);
    case 'due':
      throw new Error('desk bug: due: reached the store unresolved');
    case 'org': {
      // the requester's customer's organisation (migration 15), its name compared case-folded
      const inOrg = (names: string[] | null) => sql<SqlBool>`t.requester_id in (select r.id from requesters r
          join customer_addresses ca on ca.address = r.email join customers c on c.id = ca.customer_id
          join organisations o on o.id = c.org_id${names ? sql` where lower(o.name) in (${sql.join(names.map((n) => sql`${n}`))})` : sql``})`;
      const named = t.values.filter((v): v is string => v !== null);
      const parts = named.length ? [inOrg(named)] : [];
      if (named.length < t.values.length) parts.push(sql<SqlBool>`not (${inOrg(null)})`);
      return any(parts);
    }
    case 'csat': {
      // the ticket's current rating (one row per ticket, src/store/repos/csat.ts)
      if (t.op === 'none') return sql<SqlBool>`t.id not in (select cr.ticket_id from csat_ratings cr)`;
      if (t.op === 'any') return sql<SqlBool>`t.id in (select cr.ticket_id from csat_ratings cr)`;
      return sql<SqlBool>`t.id in (select cr.ticket_id from csat_ratings cr where cr.score ${sql.raw(t.op)} ${t.score})`;
    }
    case 'created':
      return sql<SqlBool>`t.created_at ${sql.raw(t.op)} ${withMillis(t.at)}`;
    case 'updated':
      return sql<SqlBool>`t.updated_at ${sql.raw(t.op)} ${withMillis(t.at)}`;
  }
}

/** The query as a condition on `tickets as t` (with `t.requester_id`, `t.id`…). */
export function queryCondition(node: QueryNode, qc: QueryContext): Cond {
  switch (node.kind) {
    case 'and':
      return all(node.items.map((n) => queryCondition(n, qc)));
    case 'or':
      return any(node.items.map((n) => queryCondition(n, qc)));
    case 'not':
      // -tag: on PostgreSQL as NOT EXISTS, which it plans as an anti-join; `not in` a subquery it
      // can only read whole into a hash (100,000 ids for a tag on a tenth of a million tickets).
      if (qc.dialect === 'postgres' && node.item.kind === 'term' && node.item.term.field === 'tag') return sql<SqlBool>`not ${tagProbe(node.item.term.values)}`;
      return sql<SqlBool>`not (${queryCondition(node.item, qc)})`;
    case 'term':
      return termCond(node.term, qc);
    case 'phrase':
      return wordsMatch(searchWords(node.text), false, qc);
    case 'word': {
      const words = wordsMatch(searchWords(node.text), node.prefix, qc);
      // As desk search: a word holding '@' also finds the requesters whose address contains it.
      return node.text.includes('@') ? any([words, requesterLike(containsPattern(node.text.toLowerCase()), qc)]) : words;
    }
  }
}

/** Compiles SQLite's SQL only (never connects). */
const sqliteCompiler = new Kysely<any>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

/**
 * The condition as SQLite text and its positional parameters, for readers that prepare their
 * statements on a connection of their own (the SLA report's snapshot reader).
 */
export function sqliteQueryCondition(node: QueryNode, now: string): { sql: string; parameters: unknown[] } {
  const c = queryCondition(node, { dialect: 'sqlite', now }).compile(sqliteCompiler);
  return { sql: c.sql, parameters: [...c.parameters] };
}
