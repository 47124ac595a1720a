// Several agents (processes, each on its own connection) acting on the same tickets at once: no
// update is lost, every event agrees with the fields it leaves, and a change that rests on what
// another agent changed meanwhile exits 4 saying what changed, by whom, when. The same on SQLite
// (file lock) and PostgreSQL (ticket changes side by side, kept apart by the tickets' versions).
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { tempDesk, type RunResult, type TempDesk } from '../helpers/cli.js';
import { onPostgres } from '../helpers/backend.js';
import { startTestSmtp } from '../helpers/smtp.js';

let desk: TempDesk;
const AGENTS = Array.from({ length: 20 }, (_, i) => `agent${i}`);

interface Event { type: string; actor: string; from?: string | null; to?: string | null; text?: string }
interface Shown { version: number; status: string; tier: string; assignee: string | null; priority: string; events: Event[] }

function show(id: number): Shown {
  const r = desk.run(['show', String(id), '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Shown;
}

beforeAll(async () => {
  desk = tempDesk();
  for (const subject of ['take me', 'escalate me', 'close me']) {
    expect(desk.run(['new', '--from', 'a@b.example', '--subject', subject]).code).toBe(0);
  }
  const added = await Promise.all(AGENTS.map((a) => desk.runAsync(['agent', 'add', a, '--email', `${a}@desk.example`])));
  for (const r of added) expect(r.stderr).toBe('');
}, 120000);
afterAll(() => desk.cleanup());

/** Field events of one kind, in order, chain: each starts where the previous one ended, and the last is the field. */
function expectChain(events: Event[], type: string, initial: string | null, final: string | null): Event[] {
  const chain = events.filter((e) => e.type === type);
  let at = initial;
  for (const e of chain) {
    expect({ type, from: e.from ?? null }).toEqual({ type, from: at });
    at = e.to ?? null;
  }
  expect({ type, final: at }).toEqual({ type, final });
  return chain;
}

test('20 agents at once taking, noting, escalating and closing 3 tickets: nothing lost, every refusal is exit 4 saying what changed', async () => {
  // Per agent one command; several on each ticket, some of which must contradict each other.
  const plan: { agent: string; args: string[] }[] = AGENTS.map((agent, i) => {
    switch (i % 5) {
      case 0: return { agent, args: ['take', '1'] };
      case 1: return { agent, args: ['note', String((i % 3) + 1), `note from ${agent}`] };
      case 2: return { agent, args: ['escalate', '2', '--to', i % 2 ? 'L2' : 'L3', '--reason', `by ${agent}`] };
      case 3: return { agent, args: ['set', '3', '--status', ['pending', 'on_hold', 'solved', 'open'][i % 4]!, '--tag', `+seen-${agent}`] };
      default: return { agent, args: i % 2 ? ['close', '3'] : ['take', '1'] };
    }
  });
  const results: RunResult[] = await Promise.all(plan.map((p) => desk.runAsync(p.args, { env: { DESK_AGENT: p.agent } })));
  const outcome = plan.map((p, i) => ({ ...p, code: results[i]!.code, stderr: results[i]!.stderr }));

  // Each either did its change (exit 0) or was refused with exit 4 and a message naming the change.
  for (const o of outcome) {
    if (o.code === 0) continue;
    expect({ cmd: o.args.join(' '), code: o.code }).toEqual({ cmd: o.args.join(' '), code: 4 });
    expect(o.stderr).toMatch(/^desk: #\d+ (was .* by \S+ at \d{4}-\d\d-\d\dT\S+Z|changed since version \d+)/);
    expect(o.stderr).toMatch(/while you were|not yours to take/);
  }
  // Notes rest on nothing: every one is there.
  for (const o of outcome.filter((x) => x.args[0] === 'note')) expect(o.code).toBe(0);

  // Ticket 1: exactly one agent took it, the others were told who did.
  const t1 = show(1);
  const takers = outcome.filter((o) => o.args[0] === 'take' && o.code === 0);
  expect(takers).toHaveLength(1);
  expect(t1.assignee).toBe(takers[0]!.agent);
  for (const o of outcome.filter((x) => x.args[0] === 'take' && x.code === 4)) expect(o.stderr).toContain(`taken by ${t1.assignee} at`);
  expectChain(t1.events, 'assign', null, t1.assignee);

  // Ticket 2: the tier events chain to the final tier; each escalation that succeeded is there.
  const t2 = show(2);
  const moves = expectChain(t2.events, 'escalate', 'L1', t2.tier);
  const escalated = outcome.filter((o) => o.args[0] === 'escalate' && o.code === 0 && !/nothing to change/.test(o.stderr));
  expect(moves.map((e) => e.actor).sort()).toEqual(escalated.map((o) => o.agent).sort());

  // Ticket 3: the status events chain to the final status; every tag of a successful set is there.
  const t3 = JSON.parse(desk.run(['show', '3', '--json']).stdout) as Shown & { tags: string[] };
  expectChain(t3.events, 'status', 'open', t3.status);
  const setters = outcome.filter((o) => o.args[0] === 'set' && o.code === 0).map((o) => `seen-${o.agent}`);
  expect([...t3.tags].sort()).toEqual(setters.sort());

  const notes = [t1, t2, t3].flatMap((t) => t.events.filter((e) => e.type === 'note').map((e) => e.text)).sort();
  expect(notes).toEqual(outcome.filter((o) => o.args[0] === 'note').map((o) => `note from ${o.agent}`).sort());
}, 120000);

test('--if-version: a change based on what a script was shown exits 4 once the ticket changed since, naming the change', () => {
  const before = show(1);
  expect(desk.run(['note', '1', 'meanwhile'], { env: { DESK_AGENT: 'agent7' } }).code).toBe(0);
  const r = desk.run(['set', '1', '--priority', 'urgent', '--if-version', String(before.version)]);
  expect(r.code).toBe(4);
  expect(r.stderr).toMatch(new RegExp(`^desk: #1 changed since version ${before.version} \\(now ${before.version + 1}\\): it was noted by agent7 at \\S+ while you were setting its priority to urgent\\n`));
  expect(show(1).priority).toBe(before.priority);
  // The version shown now is accepted, by every command that takes it.
  const now = show(1).version;
  expect(desk.run(['set', '1', '--priority', 'urgent', '--if-version', String(now)]).code).toBe(0);
  expect(desk.run(['note', '1', 'ok', '--if-version', String(now)]).code).toBe(4);
  expect(desk.run(['note', '1', 'ok', '--if-version', String(now + 1)]).code).toBe(0);
  // Bad values and several ids are usage errors, and change nothing.
  for (const args of [['close', '1', '--if-version', 'x'], ['close', '1', '--if-version', '0'], ['close', '1', '2', '--if-version', '3']]) {
    const bad = desk.run(args);
    expect({ args, code: bad.code }).toEqual({ args, code: 2 });
  }
  expect(show(1).status).toBe(before.status);
});

test('a write lock held by someone else ends in exit 4 with a clear message', async () => {
  const env = { DESK_BUSY_TIMEOUT_MS: '300' };
  let release: () => Promise<void>;
  if (onPostgres()) {
    // Another writer that takes turns with every write (a sync batch, an import) holds the lock.
    const { default: pg } = await import('pg');
    const holder = new pg.Client({ connectionString: desk.db });
    await holder.connect();
    await holder.query('begin');
    await holder.query('select pg_advisory_xact_lock($1)', [0x6465736b]);
    release = async () => {
      await holder.query('rollback');
      await holder.end();
    };
  } else {
    const holder = new Database(desk.db);
    holder.exec('begin immediate');
    release = async () => {
      holder.exec('rollback');
      holder.close();
    };
  }
  try {
    const r = await desk.runAsync(['note', '1', 'blocked'], { env });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('the database is locked by another desk process');
  } finally {
    await release();
  }
  // Reading still works while nobody writes, and the note was not half-written.
  expect(show(1).events.some((e) => e.text === 'blocked')).toBe(false);
});

test('five `desk outbox flush` at once against one SMTP server send each queued mail exactly once', async () => {
  const smtp = await startTestSmtp();
  const mail = tempDesk({ DESK_AGENT: 'ana' });
  try {
    writeFileSync(mail.config, `smtp:\n  host: 127.0.0.1\n  port: ${smtp.port}\n  secure: false\n  from: support@desk.example\n  timeoutSeconds: 5\n`);
    expect(mail.run(['new', '--from', 'joao@example.com', '--subject', 'Export fails']).code).toBe(0);
    await smtp.stop(); // replies stay queued (exit 5), nothing lost
    const queued = await Promise.all(Array.from({ length: 6 }, (_, i) => mail.runAsync(['reply', '1', '--message', `answer ${i}`, '--no-signature'])));
    for (const r of queued) expect(r.code).toBe(5);
    await smtp.start();
    const flushes = await Promise.all(Array.from({ length: 5 }, () => mail.runAsync(['outbox', 'flush', '--json'])));
    for (const r of flushes) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(smtp.received).toHaveLength(6);
    const texts = smtp.received.map((m) => /answer \d/.exec(m.raw.toString('utf8'))?.[0]).sort();
    expect(texts).toEqual(Array.from({ length: 6 }, (_, i) => `answer ${i}`));
    const left = JSON.parse((await mail.runAsync(['outbox', '--json', '--all'])).stdout) as { state: string }[];
    expect(left.map((e) => e.state)).toEqual(Array(6).fill('sent'));
  } finally {
    await smtp.close();
    mail.cleanup();
  }
}, 120000);
