// Core benchmarks (issue: the ticket store and the core CLI). Ratios against bare node, measured
// in the same run on the same machine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESK, initDesk, ratio, ticketLines, time } from './lib.js';

const N = Number(process.env.BENCH_TICKETS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'desk-bench-'));
const env = { ...process.env, DESK_DB: join(dir, 'desk.db'), DESK_CONFIG: join(dir, 'config.yaml'), DESK_AGENT: 'bench', NO_COLOR: '1' };
try {
  const file = join(dir, 'tickets.jsonl');
  writeFileSync(file, ticketLines(N));

  const bare = time(process.execPath, ['-e', '0']);
  const version = time(process.execPath, [DESK, '--version'], { env });
  console.log(`node -e 0                         ${bare.toFixed(1)} ms`);
  console.log(`desk --version                    ${version.toFixed(1)} ms   ${ratio(version, bare)} bare node (goal ≤ 1.5×)`);

  // The median of three imports, each into a new database (this machine's speed drifts).
  const IMPORT_RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? 3);
  const imports = [];
  for (let i = 0; i < IMPORT_RUNS; i++) {
    rmSync(env.DESK_DB, { force: true });
    for (const suffix of ['-wal', '-shm']) rmSync(env.DESK_DB + suffix, { force: true });
    initDesk(env);
    imports.push(time(process.execPath, [DESK, 'import', file], { env, runs: 1 }));
  }
  const importMs = [...imports].sort((a, b) => a - b)[Math.floor(imports.length / 2)];
  console.log(`desk import ${N} tickets        ${(importMs / 1000).toFixed(2)} s    ${Math.round(N / (importMs / 1000))} tickets/s (goal ≥ 20000/s; median of ${IMPORT_RUNS})`);

  const list = time(process.execPath, [DESK, 'list', '--limit', '50', '--sort', 'updated'], { env });
  console.log(`desk list --limit 50 (${N})    ${list.toFixed(1)} ms   ${ratio(list, bare)} bare node (goal ≤ 3×)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
