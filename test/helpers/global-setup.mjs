// Starts the one PostgreSQL cluster that the "postgres" project's desks share for the whole run
// (each desk gets a database of its own on it: test/helpers/backend.ts). Its whereabouts reach the
// test workers by environment; global-teardown.mjs stops it.
import { startPostgres } from './pg-cluster.mjs';

export default async function globalSetup() {
  const pg = await startPostgres({ maxConnections: 200 });
  globalThis.__deskSharedPostgres = pg;
  process.env.DESK_TEST_PG_DIR = pg.dir;
  process.env.DESK_TEST_PG_PORT = String(pg.port);
  process.env.DESK_TEST_PG_BIN = pg.bin;
}
