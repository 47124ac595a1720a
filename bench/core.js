// Core benchmarks (team mode issue): the ticket store and the core CLI on SQLite and on PostgreSQL,
// with 1,000,000 tickets and about 2.5 million messages (BENCH_SCALE=20000 for a quick run).
// Every figure is a ratio against a baseline measured in the same run on the same machine:
//   import                 vs the backend's own restore of the same data (sqlite3 < .dump; psql < pg_dump)
//   list / search / show   vs `node -e 0`
//   sla report --by week   vs a full `desk export` (the dump)
// The data is generated once as interchange JSON Lines and imported into each backend.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendNames, median, medianRun, openBackend } from './backends.js';
import { DESK, POLICY, VOCABULARY, ratio, timeCpu, writeTicketFile } from './lib.js';

const N = Number((process.env.BENCH_SCALE ?? '1000000').replace(/_/g, ''));
if (!Number.isInteger(N) || N < 100) throw new Error(`BENCH_SCALE must be a number of tickets (at least 100): ${process.env.BENCH_SCALE}`);
const RUNS = Number(process.env.BENCH_RUNS ?? 11); // runs of each short command (median)
const SLOW_RUNS = Number(process.env.BENCH_SLOW_RUNS ?? (N > 200_000 ? 1 : 3)); // exports, reports
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3); // imports, each with a restore right after it
if (!Number.isInteger(PAIRS) || PAIRS < 1) throw new Error(`BENCH_PAIRS must be a number of runs (at least 1): ${process.env.BENCH_PAIRS}`);
const WORD = process.env.BENCH_WORD ?? VOCABULARY[0]; // in about 1 subject of 200, and as many message texts
const NOW = '2026-06-01T12:00:00Z'; // after the last generated ticket; the same for every run

const dir = mkdtempSync(join(tmpdir(), 'desk-bench-core-'));
const line = (label, value, note = '') => console.log(`${label.padEnd(48)} ${value.padStart(10)}   ${note}`);
const ms = (x) => `${x.toFixed(1)} ms`;
const s = (x) => `${(x / 1000).toFixed(2)} s`;
try {
  const config = join(dir, 'config.yaml');
  writeFileSync(join(dir, 'sla.yaml'), POLICY);
  writeFileSync(config, 'sla: ./sla.yaml\ntimezone: UTC\n');
  const file = join(dir, 'tickets.jsonl');
  const t0 = Date.now();
  const { messages } = writeTicketFile(file, N);
  console.log(`data: ${N} tickets, ${messages} messages, ${2 * N} events (${(statSync(file).size / 1e6).toFixed(0)} MB of JSON Lines, made in ${s(Date.now() - t0)}); ${new Date().toISOString()}`);

  for (const name of backendNames()) {
    console.log(`\n-- ${name} --`);
    const backend = await openBackend(name, dir);
    try {

      // Import and restore in pairs, each run into a new database, the two of a pair back to back:
      // this machine's speed drifts by more within minutes than some of the differences measured,
      // and a pair sees one speed. The figure is the median pair's ratio. The last import stays
      // for the commands below; the dump is of the first.
      const pairs = [];
      let env;
      let dumpFile;
      for (let i = 0; i < PAIRS; i++) {
        if (env) backend.drop(env);
        env = backend.desk(config);
        const imp = timeCpu(process.execPath, [DESK, 'import', file], { env, extraCpu: backend.serverCpu });
        backend.settle(env);
        dumpFile ??= backend.dump(env);
        const restore = backend.restoreDump(dumpFile);
        backend.settle(env);
        pairs.push({ imp, restore, ratio: imp.wall / restore.wall });
      }
      rmSync(dumpFile, { force: true });
      const mid = [...pairs].sort((a, b) => a.ratio - b.ratio)[Math.floor(pairs.length / 2)];
      const all = pairs.length > 1 ? `; pairs ${pairs.map((p) => `${s(p.imp.wall)}/${s(p.restore.wall)} ${ratio(p.imp.wall, p.restore.wall)}`).join(', ')}` : '';
      // CPU: the client's and (PostgreSQL) the server's, which a busy machine does not inflate.
      line(backend.baselineLabel, s(mid.restore.wall), `CPU ${s(mid.restore.cpu)}`);
      line(`desk import`, s(mid.imp.wall), `${ratio(mid.imp.wall, mid.restore.wall)} the restore (goal ≤ 1.3×); CPU ${s(mid.imp.cpu)}, ${ratio(mid.imp.cpu, mid.restore.cpu)}; ${Math.round(N / (mid.imp.wall / 1000))} tickets/s${all}`);

      // Medians of wall and of CPU time, each over RUNS runs.
      const short = (cmd, args, extraCpu) => {
        const runs = Array.from({ length: RUNS }, () => timeCpu(cmd, args, { env, extraCpu }));
        return { wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)) };
      };
      const bare = short(process.execPath, ['-e', '0']);
      line('node -e 0', ms(bare.wall), `CPU ${ms(bare.cpu)}`);
      const cmds = [
        ['desk list --limit 50', ['list', '--limit', '50']],
        [`desk search ${WORD}`, ['search', WORD]],
        [`desk show ${Math.ceil(N / 2)}`, ['show', String(Math.ceil(N / 2))]],
      ];
      for (const [label, args] of cmds) {
        const t = short(process.execPath, [DESK, ...args], backend.serverCpu);
        line(label, ms(t.wall), `${ratio(t.wall, bare.wall)} bare node (goal ≤ 3×); CPU ${ms(t.cpu)}, ${ratio(t.cpu, bare.cpu)}`);
      }

      const slow = (args) => medianRun(Array.from({ length: SLOW_RUNS }, () => timeCpu(process.execPath, [DESK, ...args], { env, extraCpu: backend.serverCpu })));
      const dump = slow(['export']);
      line('desk export > /dev/null (the dump)', s(dump.wall), `CPU ${s(dump.cpu)}`);
      const report = slow(['sla', 'report', '--by', 'week', '--format', 'json', '--now', NOW]);
      line('desk sla report --by week', s(report.wall), `${ratio(report.wall, dump.wall)} the dump (goal ≤ 0.5×); CPU ${s(report.cpu)}, ${ratio(report.cpu, dump.cpu)}`);
    } finally {
      backend.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
