// Which store the suite's desks run on. The jest project "postgres" sets DESK_TEST_BACKEND to
// `postgres` (test/helpers/as-postgres.ts); then every tempDesk gets a fresh database of its own on
// the one throwaway cluster that test/helpers/global-setup.ts started for the run, and a test
// that reads the store directly reads it through `storeQuery` (and changes it through `storeExec`), whichever backend it is.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type TestBackend = 'sqlite' | 'postgres';

export function testBackend(): TestBackend {
  return process.env.DESK_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
}

export const onPostgres = (): boolean => testBackend() === 'postgres';

interface SharedCluster {
  bin: string;
  dir: string;
  port: number;
}

function sharedCluster(): SharedCluster {
  const bin = process.env.DESK_TEST_PG_BIN, dir = process.env.DESK_TEST_PG_DIR, port = process.env.DESK_TEST_PG_PORT;
  if (!bin || !dir || !port) throw new Error('the shared PostgreSQL cluster is not running (test/helpers/global-setup.ts starts it for the run)');
  return { bin, dir, port: Number(port) };
}

/** Runs SQL as the superuser of the shared cluster; its output as psql prints it unaligned. */
export function clusterPsql(database: string, query: string): string {
  const c = sharedCluster();
  const args = ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', c.dir, '-p', String(c.port), '-U', 'postgres', '-d', database, '-c', query];
  const asRoot = process.getuid?.() === 0;
  const psql = path.join(c.bin, 'psql');
  const r = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', psql, ...args], { encoding: 'utf8', cwd: '/' })
    : spawnSync(psql, args, { encoding: 'utf8', cwd: '/' });
  if (r.status !== 0) throw new Error(`psql failed (${r.status}): ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/**
 * A new database on the shared cluster, owned by the desk role; its postgres:// URL. Empty, or
 * a copy of the database named `template` (which nobody may be connected to).
 */
export function sharedPgDatabase(template?: string): string {
  const c = sharedCluster();
  // Unique across workers and across the test files one worker runs (each has its own modules).
  const name = `desk_${randomBytes(8).toString('hex')}`;
  clusterPsql('postgres', `create database ${name}${template ? ` template ${template}` : ''} owner desk`);
  return `postgres://desk@127.0.0.1:${c.port}/${name}`;
}

export const databaseName = (url: string): string => new URL(url).pathname.slice(1);

/**
 * Where a test that opens a store in-process keeps a fresh one, on the backend of the run: a file
 * in `dir` on SQLite (`name`.db), a new database of the shared cluster on PostgreSQL. Pass it to
 * openStore (or as a desk's db): the same test then proves the same thing on both. A PostgreSQL
 * store keeps its files (attachments, raw mail) in a data directory under XDG_DATA_HOME: that is
 * pointed at `dir` for this test file (jest gives each test file its own process.env), so that
 * they stay in the test's temp dir.
 */
export function freshStoreLocation(dir: string, name = 'desk'): string {
  if (!onPostgres()) return path.join(dir, `${name}.db`);
  process.env.XDG_DATA_HOME = dir;
  return sharedPgDatabase();
}

/**
 * A copy of the store at `location` as it is now, at a new location on the same backend (a file
 * next to it named `name`.db on SQLite; a new database made from it on PostgreSQL, which needs
 * every connection to it closed first).
 */
export function copyOfStore(location: string, dir: string, name: string): string {
  let copy = path.join(dir, `${name}.db`);
  if (isPgUrl(location)) {
    const url = new URL(location);
    url.pathname = `/desk_${randomBytes(8).toString('hex')}`;
    copy = url.toString();
  }
  copyStore(location, copy);
  return copy;
}

const isPgUrl = (location: string) => /^postgres(ql)?:\/\//i.test(location);

/**
 * The rows a query returns from the desk's store at `location` (a SQLite file or a database of
 * the shared cluster), as plain objects keyed by column: numbers as numbers, text as text.
 * For tests that look at the store directly, whichever backend the desk runs on.
 */
export function storeQuery<T = Record<string, unknown>>(location: string, query: string): T[] {
  if (isPgUrl(location)) {
    const out = clusterPsql(databaseName(location), `select coalesce(json_agg(q), '[]'::json) from (${query}) q`);
    return JSON.parse(out) as T[];
  }
  const db = new Database(location, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(query).all() as T[];
  } finally {
    db.close();
  }
}

/** Runs SQL statements against the desk's store at `location`, whichever backend it is. */
export function storeExec(location: string, statements: string): void {
  if (isPgUrl(location)) {
    clusterPsql(databaseName(location), statements);
    return;
  }
  const db = new Database(location, { fileMustExist: true });
  try {
    db.exec(statements);
  } finally {
    db.close();
  }
}

/** Makes the store at `to` a copy of the store at `from`, neither in use (a file copied, or a database made from the other). */
export function copyStore(from: string, to: string): void {
  if (!isPgUrl(from)) {
    copyFileSync(from, to);
    return;
  }
  const source = databaseName(from), target = databaseName(to);
  // A backend of a desk process that has just ended may still be on its way out: wait for it.
  clusterPsql('postgres', `select pg_terminate_backend(pid, 10000) from pg_stat_activity where datname in ('${source}', '${target}')`);
  clusterPsql('postgres', `drop database if exists ${target}`);
  clusterPsql('postgres', `create database ${target} template ${source} owner desk`);
}

type TestFn = (name: string, fn: jest.ProvidesCallback, timeout?: number) => void;

/**
 * `it` for a test about one backend's own behaviour (SQLite's full disk, PostgreSQL's lost
 * connection): it exists in that backend's project only. In the other it is not registered at
 * all, rather than reported as skipped: the suite's "skipped" count stays for what must not be.
 */
export function onlyOn(backend: TestBackend, register: TestFn = it): TestFn {
  return testBackend() === backend ? register : () => undefined;
}
