// Shared bits of the benchmarks: timing child processes and generating tickets.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DESK = join(ROOT, 'bin', 'desk.js');

/** `desk init`: only it creates a database, so every benchmark desk starts with it (untimed). */
export function initDesk(env) {
  const r = spawnSync(process.execPath, [DESK, 'init'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`desk init failed (${r.status}): ${r.stderr}`);
}

/** Median wall time (ms) of `runs` executions of a command. */
export function time(cmd, args, { runs = 15, env = process.env, input } = {}) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Interchange lines: tickets with an inbound message, a reply, a status change and a note. */
export function ticketLines(n, start = Date.UTC(2026, 0, 1)) {
  const out = new Array(n);
  const statuses = ['open', 'pending', 'solved', 'closed', 'new', 'on_hold'];
  const priorities = ['urgent', 'high', 'normal', 'normal', 'low'];
  for (let i = 1; i <= n; i++) {
    const d = new Date(start + i * 60_000).toISOString().replace('.000Z', 'Z');
    const r = new Date(start + i * 60_000 + 3_600_000).toISOString().replace('.000Z', 'Z');
    const email = `user${i % 5000}@example.com`;
    const status = statuses[i % statuses.length];
    out[i - 1] = JSON.stringify({
      id: i, subject: `Export number ${i} fails`, status, priority: priorities[i % priorities.length], tier: ['L1', 'L1', 'L1', 'L2', 'L3'][i % 5],
      queue: ['tech', 'billing', 'accounts'][i % 3], assignee: ['ana', 'ben', null][i % 3], tags: [`t${i % 10}`],
      requester: { email, name: `User ${i % 5000}` }, created_at: d, updated_at: r,
      messages: [
        { message_id: `<m${i}@example.com>`, direction: 'in', from: email, date: d, text: 'Hello, my export fails with error 500 again. Please help.' },
        { message_id: `<r${i}@desk.example>`, direction: 'out', from: 'support@desk.example', date: r, text: 'We are on it.', author: 'ana' },
      ],
      events: [
        { at: r, actor: 'ana', type: 'status', from: 'open', to: status === 'open' ? 'pending' : status },
        { at: r, actor: 'ana', type: 'note', text: 'checked the logs' },
      ],
    });
  }
  return out.join('\n') + '\n';
}

export function ratio(a, b) {
  return (a / b).toFixed(2) + '×';
}
