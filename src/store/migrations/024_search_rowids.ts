// Migration 24: on SQLite, each search row's rowid says whose it is: the ticket's id times 2^20
// plus the row's place among that ticket's rows (src/store/dialect/sqlite-search.ts). A free word in a
// list, a search or a rule's query then needs only FTS5's index to know which tickets hold it;
// before, it read the ticket_id column of every matching row from the table's stored content
// (10,000 random reads for a word in one ticket of a hundred of a million). The table is
// rebuilt with the same rows in the same order. PostgreSQL keeps ticket_id in its rows' index
// and needs nothing. Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

/** rows of one ticket before its last place takes the rest (never reached in practice) */
const PLACES = 1 << 20;

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  if (dialect.name !== 'sqlite') return;
  await sql`create virtual table search_fts_by_ticket using fts5(
    ticket_id unindexed, subject, body, detail = column, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
  await sql`create temp table search_places as
    select rowid as old, ticket_id, row_number() over (partition by ticket_id order by rowid) - 1 as place from search_fts`.execute(db);
  await sql`insert into search_fts_by_ticket (rowid, ticket_id, subject, body)
    select p.ticket_id * ${PLACES} + p.place, s.ticket_id, s.subject, s.body
    from search_places p join search_fts s on s.rowid = p.old where p.place < ${PLACES - 1} order by p.old`.execute(db);
  // A ticket with more rows than places: the rest as one row in its last place.
  await sql`insert into search_fts_by_ticket (rowid, ticket_id, subject, body)
    select p.ticket_id * ${PLACES} + ${PLACES - 1}, p.ticket_id, '', group_concat(s.subject || char(10, 10) || s.body, char(10, 10))
    from (select * from search_places where place >= ${PLACES - 1} order by old) p join search_fts s on s.rowid = p.old
    group by p.ticket_id`.execute(db);
  await sql`drop table search_places`.execute(db);
  await sql`drop table search_fts`.execute(db);
  await sql`alter table search_fts_by_ticket rename to search_fts`.execute(db);
}
