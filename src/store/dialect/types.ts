// Everything that differs between SQLite and PostgreSQL lives behind this interface, so that
// repositories and commands are written once against kysely.
import type { CreateTableBuilder, Kysely } from 'kysely';
import type { PendingWrites } from '../pending-writes.js';

export interface SearchRow {
  ticket_id: number;
  subject: string;
  body: string;
}

/** Rows made ready for DialectOps.bulkInsert (DialectOps.encodeRows). */
export interface EncodedRows {
  readonly columns: readonly string[];
  /** the data: a part per statement, each in pieces */
  readonly parts: readonly (readonly Buffer[])[];
}

/** The tables whose ids a writer asks for in blocks (DialectOps.allocateIds). */
export type IdTable = 'tickets' | 'messages' | 'requesters';

export interface DialectOps {
  name: 'sqlite' | 'postgres';
  /** Adds an auto-assigned integer primary key column `id`. */
  idColumn<T extends string>(tb: CreateTableBuilder<T, any>): CreateTableBuilder<T, any>;
  createSearchIndex(db: Kysely<any>): Promise<void>;
  /**
   * Adds rows that search finds tickets by (a subject, message texts). `fresh`: tickets created in
   * this very write, which have no rows yet.
   */
  indexSearchText(db: Kysely<any>, rows: SearchRow[], fresh?: ReadonlySet<number>, pending?: PendingWrites): Promise<void>;
  /**
   * For each ticket, a snippet of its best row holding any of the words of `text`, the matches in
   * [ ]: '' for a ticket none of whose rows holds one (found by its requester's address).
   */
  snippets(db: Kysely<any>, text: string, ticketIds: readonly number[]): Promise<Map<number, string>>;
  /**
   * Ids for new rows of `table`, given by the database inside the caller's write transaction: the
   * first of `count` consecutive ids, each above every id the table holds and above `floor`,
   * that no other transaction will be given (SQLite: its write lock makes max(id) + 1 the next
   * rowid SQLite itself would give; PostgreSQL: the table's sequence, moved past the block and
   * past `floor`). A block may be left partly unused: only gaps in the ids follow. `count` 0
   * takes no id and only makes sure that ids given later are above `floor`: called after rows
   * were written with ids of their own (an import keeps the ids of its file).
   */
  allocateIds(db: Kysely<any>, table: IdTable, count: number, floor?: number): Promise<number>;
  /**
   * A text as this store keeps it, and so as reading it back gives it (PostgreSQL's text cannot
   * hold U+0000: it becomes U+FFFD; a lone surrogate comes back as U+FFFD, three of them on SQLite). Whoever matches what it
   * reads back against what it was given keys both by this.
   */
  storedText(text: string): string;
  /**
   * Inside the caller's write transaction, before rows of `table` take ids the database gives:
   * the next id follows the table's largest one, as on SQLite, so that a transaction rolled back
   * (or a process killed mid-way) leaves no trace in the ids a rerun gives (PostgreSQL's
   * sequences are not rolled back). The writers' lock keeps two writers from meeting.
   */
  alignIds(db: Kysely<any>, table: 'requesters' | 'events' | 'attachments' | 'mail_quarantine'): Promise<void>;
  /** Largest number of bound parameters one statement may carry. */
  maxParams: number;
  /**
   * Inserts many rows of one table inside the current write transaction, as fast as the engine
   * allows. With `pending`, statements may be left running there (PostgreSQL: its COPYs), to be
   * settled before anything reads the rows or the transaction ends (store/pending-writes.ts).
   */
  bulkInsert(db: Kysely<any>, table: string, rows: Record<string, unknown>[] | EncodedRows, pending?: PendingWrites): Promise<void>;
  /**
   * Rows of one table made ready for bulkInsert ahead of the transaction that writes them
   * (PostgreSQL: their COPY data, which bulkInsert then only sends: an import's planned batch,
   * ../import-plan.ts). Absent where nothing is gained by it (SQLite); undefined for rows holding
   * a value other than text, a number or null. Pauses now and then (pending-writes.ts yieldToIo).
   * `textsAsStored`: every text is as storedText gives it already (not checked again).
   */
  encodeRows?(table: string, rows: Record<string, unknown>[], textsAsStored?: boolean): Promise<EncodedRows | undefined>;
  /** Where search text goes in by the bulk path (PostgreSQL): the table and rows indexSearchText writes. */
  searchTableRows?(rows: readonly SearchRow[]): { table: string; rows: Record<string, unknown>[] };
  /**
   * Runs fn with this connection's foreign-key checks off (outside any transaction). Only for
   * bulk writers that allocate every referenced id themselves in the same transaction.
   */
  withoutForeignKeyChecks<T>(fn: () => Promise<T>): Promise<T>;
}
