// Starts the one PostgreSQL cluster that the "postgres" project's desks share for the whole run
// (each desk gets a database of its own on it: test/helpers/backend.ts). Its whereabouts reach the
// test workers by environment; global-teardown.mjs stops it.
//
// It also runs `desk init` once per backend, on a database no test uses: a test's desk
// (tempDesk, test/helpers/cli.ts) starts as a copy of it (a file copied on SQLite, a database
// made from it on PostgreSQL) instead of running `desk init` itself, which costs far more, a few
// hundred times a run. Should that fail (no build yet), every desk runs `desk init` as before.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from './pg-cluster.mjs';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'desk.js');

/** `desk init` of the database at `db`, as tempDesk runs it; whether it worked. */
function init(dir, db) {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data'),
    DESK_DB: db, DESK_CONFIG: path.join(dir, 'init-config.yaml'), DESK_AGENT: 'tester', NO_COLOR: '1', TZ: 'UTC',
    XDG_CACHE_HOME: process.env.DESK_TEST_CODE_CACHE,
  };
  return spawnSync(process.execPath, [BIN, 'init'], { env, cwd: dir, encoding: 'utf8' }).status === 0;
}

export default async function globalSetup() {
  const pg = await startPostgres({ maxConnections: 200 });
  globalThis.__deskSharedPostgres = pg;
  process.env.DESK_TEST_PG_DIR = pg.dir;
  process.env.DESK_TEST_PG_PORT = String(pg.port);
  process.env.DESK_TEST_PG_BIN = pg.bin;

  const dir = mkdtempSync(path.join(os.tmpdir(), 'desk-template-'));
  globalThis.__deskTemplateDir = dir;
  // One code cache (src/cli/loader.ts) for every desk of the run, as one user's desks share
  // theirs: a desk's first command would otherwise compile the whole bundle and write a cache of
  // its own, hundreds of times a run. (test/cli/start-up.test.ts gives its desks their own.)
  process.env.DESK_TEST_CODE_CACHE = path.join(dir, 'cache');
  if (init(dir, path.join(dir, 'desk.db'))) process.env.DESK_TEST_SQLITE_TEMPLATE = path.join(dir, 'desk.db');
  pg.psql('postgres', 'create database desk_template owner desk');
  if (init(dir, `postgres://desk@127.0.0.1:${pg.port}/desk_template`)) {
    // Nobody connects to it again (a database copied must have no connection).
    pg.psql('postgres', "select pg_terminate_backend(pid, 10000) from pg_stat_activity where datname = 'desk_template'");
    pg.psql('postgres', 'alter database desk_template with is_template true allow_connections false');
    process.env.DESK_TEST_PG_TEMPLATE = 'desk_template';
  }
}
