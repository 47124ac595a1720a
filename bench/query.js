// Query benchmark (issue "One query language…"): `desk list QUERY` over 1,000,000 tickets on
// SQLite and on PostgreSQL, each query against `node -e 0` measured in the same run (goal for
// indexed terms: ≤ 3× bare node). The query runs in the database (terms as SQL, free words
// through the full-text index), so its time should not grow with the desk. Also a saved view
// (`desk list @NAME`) and `desk view list`, which counts every view.
// BENCH_SCALE=20000 for a quick run; BENCH_BACKENDS=sqlite|postgres for one backend.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendNames, median, openBackend } from './backends.js';
import { DESK, VOCABULARY, ratio, timeCpu, writeTicketFile } from './lib.js';

const N = Number((process.env.BENCH_SCALE ?? '1000000').replace(/_/g, ''));
if (!Number.isInteger(N) || N < 100) throw new Error(`BENCH_SCALE must be a number of tickets (at least 100): ${process.env.BENCH_SCALE}`);
const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const WORD = process.env.BENCH_WORD ?? VOCABULARY[0];
const NOW = '2026-06-01T12:00:00Z';

/** The queries timed: [label, words]. Terms on indexed columns, full text, and mixes. */
const QUERIES = [
  ['(no query: the plain list, for comparison)', []],
  ['status and priority', ['status:open', 'prio:high']],
  ['queue and assignee', ['queue:billing', 'assignee:ana']],
  ['a tag', ['tag:t3']],
  ['not a tag', ['-tag:t3', 'status:pending']],
  ['a requester', ['from:user42@example.com']],
  ['created since', ['created:>2025-06-01']],
  ['updated in the last week', ['updated:<7d']],
  ['a word', [WORD]],
  ['a word and terms', [WORD, 'status:open,pending', '-prio:low']],
  ['OR and a group', ['prio:urgent', 'OR', `(tag:t1 ${WORD})`]],
];

const dir = mkdtempSync(join(tmpdir(), 'desk-bench-query-'));
const line = (label, value, note = '') => console.log(`${label.padEnd(48)} ${value.padStart(10)}   ${note}`);
const ms = (x) => `${x.toFixed(1)} ms`;
try {
  const config = join(dir, 'config.yaml');
  writeFileSync(config, 'timezone: UTC\n');
  const file = join(dir, 'tickets.jsonl');
  writeTicketFile(file, N);
  console.log(`data: ${N} tickets; ${new Date().toISOString()}`);
  for (const name of backendNames()) {
    console.log(`\n-- ${name} --`);
    const backend = await openBackend(name, dir);
    try {
      const env = { ...backend.desk(config), DESK_NOW: NOW };
      const r = timeCpu(process.execPath, [DESK, 'import', file], { env, extraCpu: backend.serverCpu });
      backend.settle(env);
      console.log(`(imported in ${(r.wall / 1000).toFixed(1)} s, untimed below)`);
      const short = (cmd, args, extraCpu) => {
        const runs = Array.from({ length: RUNS }, () => timeCpu(cmd, args, { env, extraCpu }));
        return { wall: median(runs.map((x) => x.wall)), cpu: median(runs.map((x) => x.cpu)) };
      };
      const bare = short(process.execPath, ['-e', '0']);
      line('node -e 0', ms(bare.wall), `CPU ${ms(bare.cpu)}`);
      for (const [label, words] of QUERIES) {
        const t = short(process.execPath, [DESK, 'list', ...words, '--limit', '50'], backend.serverCpu);
        line(`list ${label}`, ms(t.wall), `${ratio(t.wall, bare.wall)} bare node (goal ≤ 3×); CPU ${ms(t.cpu)}   ${words.join(' ')}`);
      }
      const add = (view, words) => timeCpu(process.execPath, [DESK, 'view', 'add', view, ...words], { env });
      add('urgent-billing', ['queue:billing', 'prio:urgent']);
      add('word', [WORD, '-status:closed']);
      for (const [label, args] of [['list @urgent-billing', ['list', '@urgent-billing']], ['view list (counts 2 views)', ['view', 'list']]]) {
        const t = short(process.execPath, [DESK, ...args], backend.serverCpu);
        line(label, ms(t.wall), `${ratio(t.wall, bare.wall)} bare node; CPU ${ms(t.cpu)}`);
      }
    } finally {
      backend.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
