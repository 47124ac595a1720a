// SLA benchmark (issue: SLA engine and reports). Imports 200,000 generated tickets with their
// events into a fresh database through `desk import`, then times `desk sla report --by priority`
// against `sqlite3 DB .dump > /dev/null` (reading the whole file once), in the same run.
// Goal: report ≤ 0.5× the dump.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESK, POLICY, initDesk, ratio, ticketLines, time } from './lib.js';

const N = Number(process.env.BENCH_TICKETS ?? 200_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);


if (spawnSync('sqlite3', ['-version']).status !== 0) {
  console.error('the SLA benchmark needs the sqlite3 shell as its baseline: apt-get install sqlite3');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'desk-bench-sla-'));
const db = join(dir, 'desk.db');
const env = { ...process.env, DESK_DB: db, DESK_CONFIG: join(dir, 'config.yaml'), DESK_AGENT: 'bench', NO_COLOR: '1', TZ: 'UTC' };
try {
  writeFileSync(join(dir, 'sla.yaml'), POLICY);
  writeFileSync(env.DESK_CONFIG, 'sla: ./sla.yaml\n');
  const file = join(dir, 'tickets.jsonl');
  writeFileSync(file, ticketLines(N));
  initDesk(env);
  const importMs = time(process.execPath, [DESK, 'import', file], { env, runs: 1 });
  // Fold the WAL into the file so the dump and the report read the same single file.
  spawnSync('sqlite3', [db, 'PRAGMA wal_checkpoint(TRUNCATE);']);
  const mb = statSync(db).size / 1e6;
  console.log(`desk import ${N} tickets with events   ${(importMs / 1000).toFixed(1)} s (database ${mb.toFixed(0)} MB)`);

  // Same moment for every run, so each run does the same work.
  const now = '2026-06-01T12:00:00Z';
  const dump = time('bash', ['-c', `sqlite3 '${db}' .dump > /dev/null`], { env, runs: RUNS });
  const report = time(process.execPath, [DESK, 'sla', 'report', '--by', 'priority', '--format', 'json', '--now', now], { env, runs: RUNS });
  console.log(`sqlite3 DB .dump > /dev/null             ${(dump / 1000).toFixed(2)} s`);
  console.log(`desk sla report --by priority            ${(report / 1000).toFixed(2)} s   ${ratio(report, dump)} the dump (goal ≤ 0.5×)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
