// SLA benchmark (issue: SLA engine and reports). Imports 200,000 generated tickets with their
// events into a fresh database through `desk import`, then times `desk sla report --by priority`
// against `sqlite3 DB .dump > /dev/null` (reading the whole file once), in the same run.
// Goal: report ≤ 0.5× the dump.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESK, initDesk, ratio, ticketLines, time } from './lib.js';

const N = Number(process.env.BENCH_TICKETS ?? 200_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

// A realistic contract: business hours with a lunch break and holidays, 24x7 for urgent tickets.
const POLICY = `
calendars:
  office:
    timezone: Europe/Berlin
    hours:
      mon: ["09:00-12:30", "13:30-18:00"]
      tue: ["09:00-12:30", "13:30-18:00"]
      wed: ["09:00-12:30", "13:30-18:00"]
      thu: ["09:00-12:30", "13:30-18:00"]
      fri: ["09:00-12:30", "13:30-17:00"]
    holidays: ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-12-25", "2026-12-26"]
policies:
  - { name: urgent, match: { priority: urgent }, calendar: 24x7, first_response: 1h, next_response: 2h, resolution: 8h }
  - { name: billing, match: { queue: billing }, calendar: office, first_response: 4h, resolution: 16h }
  - { name: default, match: {}, calendar: office, first_response: 8h, next_response: 8h, resolution: 40h }
pause_statuses: [pending, on_hold]
`;

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
