// A real, throwaway PostgreSQL cluster (initdb + pg_ctl in a temp dir, a free port, the desk role).
// The code is plain JavaScript in pg-cluster.mjs so that jest's global setup, which loads modules
// without the TypeScript transform, starts the run's shared cluster with the very same code.
export { PASSWORD_ROLE_PASSWORD, PG_INSTALL_HINT, startPostgres, type Postgres } from './pg-cluster.mjs';
