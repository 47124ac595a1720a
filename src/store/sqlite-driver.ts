// Kysely's SQLite dialect with write transactions that take SQLite's write lock up front (BEGIN
// IMMEDIATE): a read→write upgrade inside a plain BEGIN fails with SQLITE_BUSY no matter the
// busy timeout. The transaction is kysely's own (`db.transaction()`), so a write hands its
// callback a `Transaction` that works only until it commits or rolls back.
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

class ImmediateSqliteDriver extends SqliteDriver {
  constructor(config: SqliteDialectConfig, private readonly inTransaction: () => boolean) {
    super(config);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  /** SQLite may have rolled back already (a full disk, an interrupt): then the first error stands. */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.inTransaction()) await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly config: SqliteDialectConfig, private readonly inTransaction: () => boolean) {
    super(config);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config, this.inTransaction);
  }
}
