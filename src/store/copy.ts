// Copies a SQLite desk into a PostgreSQL database (`desk db migrate-to`), all or nothing.
//
// One transaction on the target, under the writers' lock: the schema is created in it (the same
// migrations `desk init` runs), then every table is copied in id order, in batches, ids kept, and
// the identity sequences moved past the highest ids (bulkInsert does that); the row counts of
// both sides are compared before the commit. A failure anywhere (a lost connection, a full disk,
// a count that differs) rolls everything back, so the target is left as it was and a rerun
// starts clean. The source is read inside its own write transaction: nothing is written to it
// while the copy runs, so what was copied is exactly what it holds.
//
// The target must be empty: no tables at all, or a desk (of this schema version) without a row.
// Anything else is refused before a byte is written.
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { ConflictError, DeskError, LocalFaultError, UsageError } from '../errors.js';
import { postgresOps } from './dialect/postgres.js';
import { MIGRATIONS } from './migrations/index.js';
import { refreshCopiedClockInputs } from './repos/clock-inputs.js';
import type { Store } from './index.js';
import { buildDeferredIndexes, deferIndexesIfEmpty } from './deferred-indexes.js';
import { WRITE_LOCK, connectError, describeUrl, postgresDataDir, postgresKysely } from './postgres.js';

/** Every table of a desk, in an order that satisfies the foreign keys (mail_leases is always empty on SQLite). */
export const COPIED_TABLES = [
  'requesters', 'organisations', 'org_domains', 'customers', 'customer_addresses', 'agents', 'tickets', 'ticket_tags', 'ticket_cc', 'events', 'messages', 'attachments', 'mail_raw',
  'mail_quarantine', 'mail_cursors', 'mail_leases', 'outbox', 'meta', 'import_keys', 'spam_senders', 'spam_mail', 'kb_articles', 'ticket_merges', 'ticket_links',
  'notifications', 'presence', 'hook_events', 'hook_deliveries', 'hook_sla_fired', 'views', 'csat_surveys', 'csat_ratings', 'desk_migrations',
] as const;

/** The search index: rebuilt on the target from the text SQLite indexed. */
const SEARCH_TABLE = 'search_fts';

const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Rows per batch, and about how many bytes of values at most (one big mail goes alone). */
const BATCH = 1000;
const BATCH_BYTES = 8 * 1024 * 1024;
/** below every rowid desk writes */
const FIRST_ROWID = -9007199254740991;

export interface CopyProgress {
  (done: number, total: number, table: string): void;
}

export interface CopyResult {
  /** rows per table, equal on both sides (search_fts included) */
  counts: Record<string, number>;
  /** attachment files copied into the target's data directory */
  files: number;
  /** attachment files the source's rows name but its data directory lacks */
  missingFiles: string[];
  targetDataDir: string;
  /** per table, text values that held U+0000, stored with U+FFFD in its place (PostgreSQL text cannot hold it) */
  nulReplaced: Record<string, number>;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The tables of the SQLite desk, checked against the ones this desk knows how to copy. */
async function sourceTables(db: Kysely<any>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\'`.execute(db);
  const names = rows.rows.map((r) => r.name).filter((n) => n !== SEARCH_TABLE && !n.startsWith(`${SEARCH_TABLE}_`));
  const known = new Set<string>(COPIED_TABLES);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) {
    throw new DeskError(`the desk has tables this desk cannot copy: ${unknown.join(', ')}`, 'nothing was written; upgrade desk, or report this as a bug');
  }
  return COPIED_TABLES.filter((t) => names.includes(t));
}

async function sourceColumns(db: Kysely<any>, table: string): Promise<string[]> {
  return (await sql<{ name: string }>`select name from pragma_table_info(${table}) order by cid`.execute(db)).rows.map((r) => r.name);
}

async function targetColumns(db: Kysely<any>, table: string): Promise<Set<string>> {
  const rows = await sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ${table}`.execute(db);
  return new Set(rows.rows.map((r) => r.name));
}

async function count(db: Kysely<any>, table: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * What the target holds: 'none' (no table: the schema is to be created) or 'empty-desk' (a desk
 * of this version without a row, e.g. after `desk init`). Anything else is refused, exit 2.
 */
async function targetState(db: Kysely<any>, shown: string): Promise<'none' | 'empty-desk'> {
  const tables = (await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = current_schema() order by tablename`.execute(db)).rows.map((r) => r.name);
  if (!tables.length) return 'none';
  const hint = 'migrate-to copies into an empty database: create a new one (createdb) and give its URL';
  if (!tables.includes('desk_migrations')) {
    throw new UsageError(`the database ${shown} is not empty: it holds ${tables.length} table(s) that are not desk's (${tables.slice(0, 3).join(', ')}${tables.length > 3 ? ', …' : ''})`, hint);
  }
  const version = Number((await sql<{ v: number | null }>`select max(version) as v from desk_migrations`.execute(db)).rows[0]?.v ?? 0);
  if (version !== SCHEMA_VERSION) {
    throw new UsageError(`the database ${shown} holds a desk of schema version ${version}, this desk writes version ${SCHEMA_VERSION}`, hint);
  }
  for (const t of [...COPIED_TABLES, SEARCH_TABLE]) {
    if (t === 'desk_migrations' || !tables.includes(t)) continue;
    const n = await count(db, t);
    if (n > 0) throw new UsageError(`the database ${shown} already holds a desk with data (${n} row(s) in ${t}); migrate-to never merges two desks`, hint);
  }
  return 'empty-desk';
}

async function createSchema(tx: Kysely<any>): Promise<void> {
  const ops = postgresOps();
  await tx.schema
    .createTable('desk_migrations')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .execute();
  for (const m of MIGRATIONS) await m.up(tx, ops);
}

function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false; // e.g. a NUL in the path
  }
}

/** The attachment files the copied rows name, from the source's data dir into the target's. */
function copyFiles(paths: string[], fromDir: string, toDir: string): { files: number; missing: string[] } {
  const from = resolve(fromDir);
  const to = resolve(toDir);
  let files = 0;
  const missing: string[] = [];
  for (const p of new Set(paths)) {
    const src = resolve(from, p);
    const dest = resolve(to, p);
    const inside = (root: string, file: string) => {
      const back = relative(root, file);
      return back !== '' && !back.startsWith('..') && !isAbsolute(back);
    };
    // A path is data, read from the database: one that leaves the data dir, names a directory
    // or nothing is reported, never followed.
    if (!inside(from, src) || !inside(to, dest) || !isFile(src)) {
      missing.push(p);
      continue;
    }
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(src, dest);
    files++;
  }
  return { files, missing };
}

export async function copyToPostgres(source: Store, url: string, onProgress: CopyProgress = () => undefined, busyTimeoutMs = Number(process.env.DESK_BUSY_TIMEOUT_MS ?? 10000)): Promise<CopyResult> {
  if (source.dialect !== 'sqlite') {
    throw new UsageError('the desk in use is already on PostgreSQL', 'migrate-to copies a SQLite desk; to copy a PostgreSQL database use pg_dump and pg_restore');
  }
  const target = describeUrl(url);
  const targetDataDir = postgresDataDir(url);
  const ops = postgresOps();
  const dest = await postgresKysely(url, 1, 'desk migrate-to');
  try {
    return await source.write(async (src) => {
      const from = src as Kysely<any>;
      const tables = await sourceTables(from);
      const counts: Record<string, number> = {};
      for (const t of tables) counts[t] = await count(from, t);
      counts[SEARCH_TABLE] = await count(from, SEARCH_TABLE);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      let done = 0;
      onProgress(done, total, tables[0] ?? SEARCH_TABLE);

      return dest.transaction().setIsolationLevel('read committed').execute(async (tx) => {
        const to = tx as Kysely<any>;
        await sql`select set_config('lock_timeout', ${`${Math.max(1, busyTimeoutMs)}ms`}, true)`.execute(to);
        await sql`select pg_advisory_xact_lock(${WRITE_LOCK})`.execute(to);
        if ((await targetState(to, target.shown)) === 'none') await createSchema(to);
        await sql`delete from desk_migrations`.execute(to); // the source's own history replaces it
        // Indexes built and foreign keys checked once, after loading (as a restore does): all in
        // this one transaction, so a failure leaves nothing to repair.
        const { deferred } = await deferIndexesIfEmpty(to);

        const attachmentPaths: string[] = [];
        const nulReplaced: Record<string, number> = {};
        const countNul = (table: string, rows: Record<string, unknown>[]) => {
          let n = 0;
          for (const r of rows) for (const v of Object.values(r)) if (typeof v === 'string' && v.includes('\0')) n++;
          if (n) nulReplaced[table] = (nulReplaced[table] ?? 0) + n;
        };
        for (const table of tables) {
          const cols = await sourceColumns(from, table);
          const have = await targetColumns(to, table);
          const absent = cols.filter((c) => !have.has(c));
          if (absent.length) throw new DeskError(`the PostgreSQL schema of ${table} lacks column(s) ${absent.join(', ')}`, 'nothing was written; report this as a bug');
          const list = cols.map(quote).join(', ');
          const size = cols.map((c) => `coalesce(length(${quote(c)}), 0)`).join(' + ');
          let after = FIRST_ROWID;
          for (;;) {
            // Batches of at most BATCH rows and, roughly, BATCH_BYTES: raw mail can be big.
            const plan = await sql.raw<{ r: number; n: number }>(
              `select rowid as r, ${size} as n from ${quote(table)} where rowid > ${after} order by rowid limit ${BATCH}`,
            ).execute(from);
            if (!plan.rows.length) break;
            for (let i = 0; i < plan.rows.length;) {
              let bytes = Number(plan.rows[i]!.n);
              let j = i + 1;
              while (j < plan.rows.length && bytes + Number(plan.rows[j]!.n) <= BATCH_BYTES) bytes += Number(plan.rows[j++]!.n);
              const last = Number(plan.rows[j - 1]!.r);
              const page = await sql.raw<Record<string, unknown>>(
                `select ${list} from ${quote(table)} where rowid > ${after} and rowid <= ${last} order by rowid`,
              ).execute(from);
              after = last;
              i = j;
              if (table === 'attachments') for (const r of page.rows) if (typeof r.path === 'string') attachmentPaths.push(r.path);
              countNul(table, page.rows);
              await ops.bulkInsert(to, table, page.rows);
              done += page.rows.length;
              onProgress(done, total, table);
            }
          }
        }

        let afterSearch = 0;
        for (;;) {
          const page = await sql<{ r: number; ticket_id: number; subject: string | null; body: string | null }>`
            select rowid as r, ticket_id, subject, body from search_fts where rowid > ${afterSearch} order by rowid limit ${BATCH}`.execute(from);
          if (!page.rows.length) break;
          afterSearch = Number(page.rows[page.rows.length - 1]!.r);
          countNul(SEARCH_TABLE, page.rows);
          await ops.indexSearchText(to, page.rows.map((r) => ({ ticket_id: Number(r.ticket_id), subject: r.subject ?? '', body: r.body ?? '' })));
          done += page.rows.length;
          onProgress(done, total, SEARCH_TABLE);
        }

        // What the SLA clocks read, as PostgreSQL reads the times (src/store/repos/clock-inputs.ts).
        await refreshCopiedClockInputs(to);
        if (deferred) await buildDeferredIndexes(to);

        // Verified before the commit: a difference rolls the whole copy back.
        const differ: string[] = [];
        for (const [t, n] of Object.entries(counts)) {
          const m = await count(to, t);
          if (m !== n) differ.push(`${t}: ${n} in SQLite, ${m} in PostgreSQL`);
        }
        if (differ.length) throw new DeskError(`the copy does not match the source (${differ.join('; ')})`, 'nothing was written to the target; report this as a bug');

        let copied: { files: number; missing: string[] };
        try {
          copied = copyFiles(attachmentPaths, source.dataDir, targetDataDir);
        } catch (err) {
          throw new LocalFaultError(
            `could not copy the attachment files into ${targetDataDir}: ${(err as Error).message}`,
            'nothing was written to the database; make room (or fix the permission), then run the command again',
          );
        }
        return { counts, files: copied.files, missingFiles: copied.missing, targetDataDir, nulReplaced };
      });
    });
  } catch (err) {
    if ((err as { code?: string } | null)?.code === '55P03') {
      throw new ConflictError(`another desk process is writing to ${target.shown}`, 'migrate-to copies into an empty database that nothing else uses; nothing was written');
    }
    throw connectError(err, target, undefined);
  } finally {
    await dest.destroy().catch(() => undefined);
  }
}
