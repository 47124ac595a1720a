// Shared bits of the benchmarks: timing child processes, generating tickets, and the two stores.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

const GNU_TIME = '/usr/bin/time';

/**
 * One run of a command: its wall time and the CPU time (ms) it and its children used, plus
 * whatever `extraCpu()` counts (a database server's), so that a figure can also be read apart
 * from how busy the machine was. CPU is NaN without GNU time (apt-get install time).
 */
export function timeCpu(cmd, args, { env = process.env, extraCpu = () => 0 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'desk-bench-time-'));
  try {
    const out = join(dir, 'rusage');
    const gnu = existsSync(GNU_TIME);
    const [c, a] = gnu ? [GNU_TIME, ['-f', '%U %S', '-o', out, cmd, ...args]] : [cmd, args];
    const extra0 = extraCpu();
    const t0 = process.hrtime.bigint();
    const r = spawnSync(c, a, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    const [user, sys] = gnu ? readFileSync(out, 'utf8').trim().split(/\s+/).slice(-2).map(Number) : [NaN, NaN];
    return { wall, cpu: (user + sys) * 1000 + (extraCpu() - extra0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

/** A realistic SLA contract: business hours with a lunch break and holidays, 24x7 for urgent tickets. */
export const POLICY = `
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

/** Words a subject is made of: each appears in about 1 ticket of VOCABULARY.length. */
export const VOCABULARY = [
  'invoice', 'export', 'login', 'password', 'upload', 'report', 'webhook', 'calendar', 'refund', 'billing',
  'mobile', 'android', 'iphone', 'sync', 'import', 'printer', 'dashboard', 'chart', 'api', 'token',
  'timeout', 'crash', 'freeze', 'slow', 'email', 'notification', 'backup', 'restore', 'license', 'upgrade',
  'downgrade', 'plan', 'discount', 'coupon', 'vat', 'receipt', 'address', 'shipping', 'delivery', 'tracking',
  'warehouse', 'stock', 'barcode', 'scanner', 'label', 'template', 'signature', 'attachment', 'pdf', 'spreadsheet',
  'csv', 'filter', 'search', 'permission', 'role', 'admin', 'invite', 'team', 'workspace', 'project',
  'deadline', 'reminder', 'timezone', 'language', 'translation', 'font', 'logo', 'theme', 'sidebar', 'widget',
  'integration', 'slack', 'zapier', 'salesforce', 'hubspot', 'stripe', 'paypal', 'sso', 'saml', 'ldap',
  'twofactor', 'captcha', 'cookie', 'browser', 'firefox', 'safari', 'chrome', 'proxy', 'firewall', 'vpn',
  'certificate', 'domain', 'dns', 'redirect', 'cache', 'quota', 'storage', 'archive', 'deletion', 'gdpr',
  'contract', 'renewal', 'cancellation', 'trial', 'onboarding', 'training', 'webinar', 'feedback', 'survey', 'rating',
  'comment', 'mention', 'thread', 'folder', 'tag', 'sticker', 'kanban', 'gantt', 'milestone', 'sprint',
  'estimate', 'quote', 'order', 'payment', 'card', 'bank', 'transfer', 'currency', 'tax', 'payroll',
  'employee', 'holiday', 'leave', 'timesheet', 'overtime', 'shift', 'schedule', 'booking', 'appointment', 'room',
  'device', 'tablet', 'keyboard', 'camera', 'microphone', 'video', 'audio', 'recording', 'stream', 'bandwidth',
  'latency', 'outage', 'maintenance', 'migration', 'database', 'query', 'index', 'duplicate', 'merge', 'split',
  'rounding', 'decimal', 'unicode', 'emoji', 'encoding', 'newline', 'spacing', 'alignment', 'column', 'row',
  'formula', 'macro', 'plugin', 'extension', 'addon', 'marketplace', 'partner', 'reseller', 'affiliate', 'referral',
  'analytics', 'metrics', 'kpi', 'goal', 'forecast', 'budget', 'expense', 'approval', 'workflow', 'automation',
  'trigger', 'condition', 'action', 'rule', 'escalation', 'priority', 'assignment', 'queue', 'routing', 'handover',
];
const VERBS = ['fails', 'is broken', 'does not work', 'shows an error', 'is slow', 'question', 'missing', 'keeps loading'];

/**
 * Writes `n` interchange lines (docs/interchange.md) to `path`, streamed (a million lines are far
 * more than one string may hold). Ticket i has 1 + i % 4 messages (2.5 on average), alternately
 * from the customer and from an agent, a status change and a note. Returns the message count.
 */
export function writeTicketFile(path, n, start = Date.UTC(2024, 5, 1)) {
  const fd = openSync(path, 'w');
  const statuses = ['open', 'pending', 'solved', 'closed', 'new', 'on_hold'];
  const priorities = ['urgent', 'high', 'normal', 'normal', 'low'];
  const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
  let messages = 0;
  let chunk = [];
  try {
    for (let i = 1; i <= n; i++) {
      const t0 = start + i * 60_000;
      const d = iso(t0);
      const email = `user${i % 50_000}@example.com`;
      const status = statuses[i % statuses.length];
      const word = VOCABULARY[(i * 7919) % VOCABULARY.length];
      const other = VOCABULARY[(i * 104_729 + 13) % VOCABULARY.length];
      const count = 1 + (i % 4);
      const msgs = [];
      for (let k = 0; k < count; k++) {
        const at = iso(t0 + k * 3_600_000);
        msgs.push(k % 2 === 0
          ? { message_id: `<m${i}.${k}@example.com>`, direction: 'in', from: email, date: at, text: `Hello, the ${word} ${VERBS[i % VERBS.length]} since the ${other} change (case ${i}). Error 500 again. Please help.` }
          : { message_id: `<r${i}.${k}@desk.example>`, direction: 'out', from: 'support@desk.example', date: at, text: `Thanks, we are looking at the ${word} now.`, author: 'ana' });
      }
      messages += count;
      const last = iso(t0 + (count - 1) * 3_600_000 + 60_000);
      chunk.push(JSON.stringify({
        id: i, subject: `${word} ${VERBS[i % VERBS.length]}`, status, priority: priorities[i % priorities.length], tier: ['L1', 'L1', 'L1', 'L2', 'L3'][i % 5],
        queue: ['tech', 'billing', 'accounts'][i % 3], assignee: ['ana', 'ben', null][i % 3], tags: [`t${i % 10}`],
        requester: { email, name: `User ${i % 50_000}` }, created_at: d, updated_at: last,
        messages: msgs,
        events: [
          { at: last, actor: 'ana', type: 'status', from: 'open', to: status === 'open' ? 'pending' : status },
          { at: last, actor: 'ana', type: 'note', text: 'checked the logs' },
        ],
      }));
      if (chunk.length === 10_000) {
        writeSync(fd, chunk.join('\n') + '\n');
        chunk = [];
      }
    }
    if (chunk.length) writeSync(fd, chunk.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
  return { messages };
}

export function ratio(a, b) {
  return (a / b).toFixed(2) + '×';
}
