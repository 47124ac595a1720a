import { availableParallelism } from 'node:os';
import type { Config } from 'jest';

// The suite runs as two projects. "sqlite" runs every test on the embedded default. "postgres"
// runs again every test that touches a store, with each desk on a database of its own on one
// throwaway PostgreSQL cluster for the run (test/helpers/global-setup.mjs): team mode keeps every
// feature and guarantee, so it passes the same tests. Pure code (domain, parsing, rendering) and
// the tests that already start their own PostgreSQL run once.
const base = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }],
  },
} satisfies Config;

/** Tests that touch no store, or that are about one backend only (they say why in their header). */
const ONE_BACKEND = [
  '/test/domain/', '/test/mail/', '/test/ui/', '/test/canned/parse', '/test/canned/render',
  '/test/commands/completion/', '/test/commands/flags', '/test/commands/sla/parallel-cli', '/test/architecture',
  '/test/store/migrations-frozen', '/test/store/sqlite-search', '/test/store/connect-error', '/test/store/network-fs', '/test/store/postgres',
  '/test/cli/postgres', '/test/cli/db.test', '/test/cli/postgres-sync', '/test/cli/hostile-input',
  // no store at all: the line reader, triage's screen and snooze times, change payloads, the IMAP
  // layer against Dovecot, the sync lock on a stand-in store
  '/test/commands/transfer/lines', '/test/commands/triage/screen', '/test/commands/triage/snooze-time',
  '/test/store/ticket-changes', '/test/sync/imap.test', '/test/sync/lock.test',
];

const config: Config = {
  testTimeout: 60000,
  // Two workers per core (at most 8): a worker spends much of a test waiting, on the desk process
  // it started, on Dovecot or PostgreSQL, or on a step limit running out, and leaves its core idle
  // meanwhile. On a busy shared 2-core machine, 8 server-bound files on both backends took 161 s
  // and 115 s with 4 workers where 2 took 204 s and 177 s, for the same CPU time (a third pair,
  // with more load from elsewhere on the 4-worker run, came out even at 140 s). More than two per
  // core buys nothing: 12 desk-process-heavy files (sync, hooks, kb, snooze, queries) took 78 s
  // with 4 workers and 76 s with 6, for the same 144 s of CPU — both cores kept busy already.
  maxWorkers: Math.min(8, 2 * availableParallelism()),
  globalSetup: '<rootDir>/test/helpers/global-setup.mjs',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.mjs',
  // longest files first, also on a machine with no durations cached from an earlier run
  testSequencer: '<rootDir>/test/helpers/sequencer.mjs',
  projects: [
    { ...base, displayName: 'sqlite', testMatch: ['**/*.test.ts'] },
    {
      ...base,
      displayName: 'postgres',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...ONE_BACKEND],
      setupFiles: ['<rootDir>/test/helpers/as-postgres.ts'],
    },
  ],
};

export default config;
