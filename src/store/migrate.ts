// The one way a schema is brought up to date, on SQLite and PostgreSQL alike: inside the
// caller's write transaction, which holds the writers' lock, so that several processes opening a
// new database at once apply each migration once.
import type { Kysely } from 'kysely';
import { UsageError } from '../errors.js';
import type { DialectOps } from './dialect/types.js';
import { MIGRATIONS } from './migrations/index.js';

/** The schema version this desk writes: the last migration's. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export async function createMigrationTable(tx: Kysely<any>): Promise<void> {
  await tx.schema
    .createTable('desk_migrations')
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .execute();
}

/** Applies, in order, every migration above `have` (the version read under the lock). */
export async function applyMigrationsAbove(tx: Kysely<any>, ops: DialectOps, have: number): Promise<void> {
  for (const m of MIGRATIONS) {
    if (m.version <= have) continue;
    await m.up(tx, ops);
    await tx.insertInto('desk_migrations').values({ version: m.version, name: m.name, applied_at: new Date().toISOString() }).execute();
  }
}

/** A database that a newer desk has migrated: this desk would misread it, or break it. */
export function refuseNewer(version: number, where: string): void {
  if (version <= SCHEMA_VERSION) return;
  throw new UsageError(
    `the database ${where} was written by a newer desk (schema version ${version}; this desk knows versions up to ${SCHEMA_VERSION})`,
    'upgrade desk to use this database; it was left untouched',
  );
}
