// Concurrent agents benchmark (team mode issue): 20 agent processes at once, each running desk
// commands one after another on the same 10 tickets (take, note, escalate, set --status), on
// PostgreSQL and, for comparison, SQLite. Prints changes per second (commands that changed a
// ticket, over the wall time), refusals (exit 4: the change rested on what another agent had
// just changed) and lost updates, which must be 0: afterwards every note is there and each
// field's events chain (each starts where the previous ended) up to the field's value.
//
// PostgreSQL: DESK_BENCH_PG names an empty database to use (postgres://…), else a private
// cluster is started with the test helper (needs initdb on the PATH or in /usr/lib/postgresql).
// BENCH_AGENTS (20), BENCH_OPS (ops per agent, 12), BENCH_TICKETS (10).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESK, initDesk } from './lib.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 20);
const OPS = Number(process.env.BENCH_OPS ?? 12);
const TICKETS = Number(process.env.BENCH_TICKETS ?? 10);
const STATUSES = ['open', 'pending', 'on_hold', 'solved'];

function deskSync(env, args) {
  const r = spawnSync(process.execPath, [DESK, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`desk ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function deskAsync(env, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DESK, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** What agent `a` does as its `j`th command. */
function opOf(a, j) {
  const id = String(((a * 7 + j * 3) % TICKETS) + 1);
  switch ((a + j) % 4) {
    case 0: return { kind: 'note', args: ['note', id, `note ${a}.${j}`] };
    case 1: return { kind: 'take', args: ['take', id] };
    case 2: return { kind: 'escalate', args: ['escalate', id, '--to', ['L1', 'L2', 'L3'][(a + j) % 3], '--reason', `bench ${a}.${j}`] };
    default: return { kind: 'status', args: ['set', id, '--status', STATUSES[(a * 5 + j) % STATUSES.length]] };
  }
}

/** Events of one field that do not chain, plus a final value that is not the last event's. */
function brokenChain(events, type, initial, final) {
  let at = initial;
  let broken = 0;
  for (const e of events.filter((x) => x.type === type)) {
    if ((e.from ?? null) !== at) broken++;
    at = e.to ?? null;
  }
  return broken + (at === final ? 0 : 1);
}

async function run(label, db) {
  const home = mkdtempSync(join(tmpdir(), 'desk-bench-agents-'));
  const env = { ...process.env, HOME: home, DESK_DB: db, DESK_CONFIG: join(home, 'config.yaml'), NO_COLOR: '1', DESK_BUSY_TIMEOUT_MS: '30000' };
  try {
    initDesk({ ...env, DESK_CONFIG: join(home, 'init.yaml') });
    for (let a = 0; a < AGENTS; a++) deskSync({ ...env, DESK_AGENT: `agent${a}` }, ['agent', 'add', `agent${a}`, '--email', `agent${a}@desk.example`]);
    for (let t = 1; t <= TICKETS; t++) deskSync(env, ['new', '--from', `c${t}@example.com`, '--subject', `ticket ${t}`]);

    const counts = { changed: 0, unchanged: 0, refused: 0, failed: 0 };
    const notes = new Set();
    const failures = [];
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: AGENTS }, async (_, a) => {
      for (let j = 0; j < OPS; j++) {
        const op = opOf(a, j);
        const r = await deskAsync({ ...env, DESK_AGENT: `agent${a}` }, op.args);
        if (r.code === 0) {
          if (/nothing to change/.test(r.stderr)) counts.unchanged++;
          else counts.changed++;
          if (op.kind === 'note') notes.add(op.args[2]);
        } else if (r.code === 4) counts.refused++;
        else {
          counts.failed++;
          failures.push(`${op.args.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
        }
      }
    }));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

    let lost = 0;
    for (let t = 1; t <= TICKETS; t++) {
      const shown = JSON.parse(deskSync(env, ['show', String(t), '--json']));
      const ev = shown.events;
      lost += brokenChain(ev, 'status', 'open', shown.status);
      lost += brokenChain(ev, 'assign', null, shown.assignee);
      lost += brokenChain(ev, 'escalate', 'L1', shown.tier);
      for (const e of ev) if (e.type === 'note') notes.delete(e.text);
    }
    lost += notes.size; // notes a process reported done that are not there
    const total = AGENTS * OPS;
    console.log(`${label.padEnd(10)} ${String(total).padStart(5)} commands in ${seconds.toFixed(1)} s: ${(counts.changed / seconds).toFixed(1)} changes/s` +
      ` (${counts.changed} changed, ${counts.unchanged} nothing to change, ${counts.refused} refused with exit 4, ${counts.failed} failed); lost updates: ${lost}`);
    for (const f of failures.slice(0, 5)) console.log(`  failed: ${f}`);
    return lost === 0 && counts.failed === 0;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function postgresUrl() {
  if (process.env.DESK_BENCH_PG) return { url: process.env.DESK_BENCH_PG, stop: () => undefined };
  try {
    const { startPostgres } = await import('../test/helpers/pg-cluster.mjs');
    const pg = await startPostgres({ maxConnections: 200 });
    return { url: pg.createDb(), stop: pg.stop };
  } catch (err) {
    console.log(`PostgreSQL skipped: ${err.message.split('\n')[0]}`);
    return null;
  }
}

console.log(`${AGENTS} agents at once, ${OPS} commands each, on ${TICKETS} tickets (each command a desk process)`);
let ok = true;
const pg = await postgresUrl();
if (pg) {
  try {
    ok = (await run('PostgreSQL', pg.url)) && ok;
  } finally {
    pg.stop();
  }
}
const dir = mkdtempSync(join(tmpdir(), 'desk-bench-sqlite-'));
try {
  ok = (await run('SQLite', join(dir, 'desk.db'))) && ok;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (!ok) process.exitCode = 1;
