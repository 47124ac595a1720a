// A read-only snapshot of a SQLite store, for the readers that scan every ticket at once (the SLA
// reports): a connection of their own (a worker thread cannot share the store's), opened only on
// an existing database, with every read inside one transaction so that all of them see one state.
// The one place besides openStore that opens the database file.
import Database from 'better-sqlite3';

export interface Snapshot {
  db: Database.Database;
  close(): void;
}

export function openSnapshot(file: string): Snapshot {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.exec('begin'); // the snapshot starts with the first read
  } catch (err) {
    db.close();
    throw err;
  }
  return {
    db,
    close() {
      if (db.inTransaction) db.exec('commit');
      db.close();
    },
  };
}
