// `desk sla report` reads tickets.clock_inputs (kept by every write, on SQLite and PostgreSQL
// alike) and measures most tickets without building their histories. On a varied desk, imported
// and then changed through the CLI, the shortcuts must give exactly the figures of reading events
// and messages and evaluating every ticket in full (on SQLite with SQLite's reading of times, on
// PostgreSQL through the portable reader); the column must be exactly what a fresh computation
// gives; and the same desk on the other backend must give the same figures.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { readHistories, readSlaTickets, type HistoryBatch, type SlaReadOptions } from '../../../src/commands/sla/histories.js';
import { measurer, type Measure } from '../../../src/commands/sla/measure.js';
import { runPartition } from '../../../src/commands/sla/parallel.js';
import { readPostgresClockInputs } from '../../../src/commands/sla/postgres-clock-inputs.js';
import { readSqliteHistories } from '../../../src/commands/sla/sqlite-histories.js';
import {
  atRiskClocks, compactHistory, evaluateHistory, GROUP_BYS, matchFieldsUsed, parsePolicyFile, SlaReportBuilder, sortAtRisk,
  type AtRiskClock, type GroupBy, type ReportState,
} from '../../../src/domain/sla/index.js';
import { isPostgresUrl, openStore, type Store } from '../../../src/store/index.js';
import { clockInputsOf } from '../../../src/store/repos/clock-inputs.js';
import { copyOfStore, onPostgres, sharedPgDatabase } from '../../helpers/backend.js';
import { tempDesk, type TempDesk } from '../../helpers/cli.js';

const POLICIES: Record<string, string> = {
  // the benchmark's contract: matches on priority and queue, a lunch break, holidays, pauses
  office: `
calendars:
  office:
    timezone: Europe/Berlin
    hours:
      mon: ["09:00-12:30", "13:30-18:00"]
      tue: ["09:00-12:30", "13:30-18:00"]
      wed: ["09:00-12:30", "13:30-18:00"]
      thu: ["09:00-12:30", "13:30-18:00"]
      fri: ["09:00-12:30", "13:30-17:00"]
    holidays: ["2026-04-03", "2026-04-06", "2026-05-01"]
policies:
  - { name: urgent, match: { priority: urgent }, calendar: 24x7, first_response: 1h, next_response: 2h, resolution: 8h }
  - { name: billing, match: { queue: billing }, calendar: office, first_response: 4h, resolution: 16h }
  - { name: default, match: {}, calendar: office, first_response: 8h, next_response: 8h, resolution: 40h }
pause_statuses: [pending, on_hold]
`,
  // tags and tiers, another zone with a midnight end, a clock left out, tickets no policy measures
  tags: `
calendars:
  ny:
    timezone: America/New_York
    hours: { mon: ["00:00-24:00"], tue: ["08:00-20:00"], wed: ["08:00-20:00"], thu: ["08:00-20:00"], fri: ["08:00-12:00"], sat: ["10:00-14:00"] }
policies:
  - { name: vip, match: { tag: vip }, calendar: 24x7, first_response: 30m, resolution: 4h }
  - { name: expert, match: { tier: L3, priority: high }, calendar: ny, resolution: 24h }
  - { name: second, match: { tier: L2 }, calendar: ny, first_response: 2h, next_response: 1h }
  - { name: replies, match: { queue: tech }, calendar: ny, next_response: 3h }
pause_statuses: [on_hold]
`,
};

const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'];
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 20, 7, 13, 5); // around both daylight-saving changes

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Interchange lines with everything a history can hold: out-of-order, same-second and early events, automatic and late mail, odd times. */
function history(n: number, rnd: () => number, firstId: number, tag: string): string[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const iso = (ms: number) => {
    const text = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const odd = rnd();
    if (odd < 0.05) return text.replace('Z', '.250Z'); // kept with its fraction: not canonical text
    if (odd < 0.08) return new Date(Math.floor(ms / 1000) * 1000 + 2 * 3_600_000).toISOString().replace('.000Z', '+02:00');
    return text;
  };
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const created = T0 + rnd() * 40 * DAY;
    const around = () => created + (rnd() < 0.1 ? -rnd() * DAY : rnd() * (rnd() < 0.7 ? DAY : 20 * DAY));
    const events: object[] = [];
    const changes = Math.floor(rnd() * 5);
    let at = created;
    for (let k = 0; k < changes; k++) {
      at = rnd() < 0.2 ? at : rnd() < 0.15 ? around() : at + rnd() * 3 * DAY; // same second, out of order, or later
      const from = rnd() < 0.1 ? null : rnd() < 0.05 ? 'archived' : pick(STATUSES);
      events.push({ at: iso(at), actor: 'ana', type: 'status', from, to: rnd() < 0.04 ? 'weird' : pick(STATUSES) });
      if (rnd() < 0.3) events.push({ at: iso(at), actor: 'ana', type: 'note', text: 'checked' });
      if (rnd() < 0.1) events.push({ at: iso(at), actor: 'ana', type: 'priority', from: 'normal', to: 'high' });
    }
    const messages: object[] = [];
    const count = Math.floor(rnd() * 6);
    let when = created;
    for (let k = 0; k < count; k++) {
      when = rnd() < 0.15 ? around() : when + rnd() * (rnd() < 0.5 ? 3_600_000 : 2 * DAY);
      const out = k > 0 && rnd() < 0.5;
      messages.push({
        message_id: `<${tag}-${i}-${k}@example.com>`, direction: out ? 'out' : 'in', from: out ? 'support@desk.example' : 'c@example.com',
        date: iso(when), text: '…', ...(rnd() < 0.1 ? { auto: out ? 'auto-ack' : 'auto-reply' } : {}),
      });
    }
    const withUpdated = rnd() < 0.6;
    lines.push(JSON.stringify({
      ...(rnd() < 0.9 ? { id: firstId + i * 2 } : {}), // gaps, and tickets numbered by desk
      subject: `Ticket ${tag} ${i}`, status: pick(STATUSES), priority: pick(['urgent', 'high', 'normal', 'normal', 'low']),
      tier: pick(['L1', 'L1', 'L2', 'L3']), ...(rnd() < 0.8 ? { queue: pick(['tech', 'billing', 'accounts']) } : {}),
      ...(rnd() < 0.7 ? { assignee: pick(['ana', 'bo']) } : {}), tags: rnd() < 0.3 ? ['vip'] : rnd() < 0.3 ? ['x', 'y'] : [],
      requester: { email: `c${i % 40}@example.com` }, created_at: iso(created),
      ...(withUpdated ? { updated_at: iso(created + rnd() * 30 * DAY) } : {}), messages, events,
    }));
  }
  return lines;
}

/** Tickets solved at one of the NOWS itself, never answered: a change at `now` has happened. */
const AT_NOW = T0 + 6 * DAY;
const SOLVED_AT_NOW = [9001, 9003].map((id) => {
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const created = AT_NOW - DAY + (id - 9001) * 3_600_000;
  return JSON.stringify({
    id, subject: `Solved at now ${id}`, status: 'solved', priority: id === 9001 ? 'urgent' : 'normal', queue: 'tech', requester: { email: 'n@example.com' },
    created_at: iso(created), messages: [{ message_id: `<now-${id}@example.com>`, direction: 'in', from: 'n@example.com', date: iso(created), text: '…' }],
    events: [
      ...(id === 9003 ? [{ at: iso(created + 3_600_000), actor: 'ana', type: 'status', from: 'open', to: 'pending' }] : []),
      { at: iso(AT_NOW), actor: 'ana', type: 'status', from: id === 9003 ? 'pending' : 'open', to: 'solved' },
    ],
  });
});

let desk: TempDesk;
const rnd = random(20260401);

function ok(args: string[], env: Record<string, string> = {}): void {
  const r = desk.run(args, { env });
  // a reply is stored even when the (absent) SMTP server cannot take it: exit 5
  if (r.code !== 0 && !(args[0] === 'reply' && r.code === 5)) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
}

beforeAll(async () => {
  desk = tempDesk();
  writeFileSync(desk.config, [
    'sla: ./office.yaml', 'timezone: Europe/Berlin',
    'smtp:', '  host: 127.0.0.1', '  port: 9', '  secure: false', '  from: "Support <support@desk.example>"', '  timeoutSeconds: 1', '',
  ].join('\n'));
  for (const [name, text] of Object.entries(POLICIES)) writeFileSync(join(desk.dir, `${name}.yaml`), text);
  writeFileSync(join(desk.dir, 'a.jsonl'), [...history(400, rnd, 1, 'a'), ...SOLVED_AT_NOW].join('\n') + '\n');
  ok(['import', join(desk.dir, 'a.jsonl')]);
  ok(['agent', 'add', 'bo', '--email', 'bo@desk.example']);

  // Changes through the CLI after the import, at fixed moments and at odd ones (sub-second).
  const when = (k: number) => ({ DESK_NOW: new Date(T0 + 30 * DAY + k * 3_600_000 + (k % 3 === 0 ? 250 : 0)).toISOString() });
  const all = await withStore(desk.db, async (s) => (await s.db.selectFrom('tickets').select('id').orderBy('id').execute()).map((r) => Number(r.id)));
  const ids = Array.from({ length: 24 }, (_, k) => all[k * 16]!);
  ids.forEach((id, k) => {
    const step = k % 8;
    if (step === 0) ok(['set', String(id), '--status', 'solved'], when(k));
    if (step === 1) ok(['set', String(id), '--priority', 'urgent', '--queue', 'billing', '--tag', '+vip'], when(k));
    if (step === 2) ok(['reply', String(id), '--message', 'Fixed, please try again.', '--status', 'pending'], when(k));
    if (step === 3) ok(['assign', String(id), 'bo'], when(k));
    if (step === 4) ok(['close', String(id)], when(k));
    if (step === 5) ok(['note', String(id), 'called the customer'], when(k));
    if (step === 6) ok(['escalate', String(id), '--to', 'L3', '--reason', 'needs an expert'], when(k));
    if (step === 7) ok(['reply', String(id), '--message', 'Done.', '--status', 'solved'], when(k));
  });
  for (const [k, id] of [ids[4]!, ids[7]!].entries()) {
    ok(['reopen', String(id)], when(40 + k));
    ok(['set', String(id), '--status', 'on_hold', '--tag', '-vip'], when(41 + k));
  }
  ok(['new', '--from', 'walk-in@example.com', '--subject', 'At the counter', '--body', 'My card was charged twice', '--priority', 'high', '--tag', 'vip'], when(50));
  ok(['new', '--from', 'phone@example.com', '--subject', 'Called in', '--body', 'Cannot log in', '--queue', 'tech']);

  // Snoozes of an older desk (which set pending with the snooze): their ends are written later,
  // dated back to the snooze's time (status pending → open), after a note with a later time.
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const snoozed = [0, 1, 2].map((k) => {
    const start = T0 + (30 + k) * DAY;
    return JSON.stringify({
      id: 9100 + k, subject: 'Old snooze', status: 'pending', priority: k ? 'normal' : 'urgent', requester: { email: 's@example.com' },
      created_at: iso(start), updated_at: iso(start + 3_600_000),
      messages: [{ message_id: `<snz-${k}@example.com>`, direction: 'in', from: 's@example.com', date: iso(start), text: 'help' }],
      events: [
        { at: iso(start + 3_600_000), actor: 'ana', type: 'status', from: 'open', to: 'pending' },
        { at: iso(start + 3_600_000), actor: 'ana', type: 'snooze', to: iso(start + 5 * 3_600_000) },
      ],
    });
  });
  writeFileSync(join(desk.dir, 'snoozed.jsonl'), snoozed.join('\n') + '\n');
  ok(['import', join(desk.dir, 'snoozed.jsonl')]);
  for (const k of [0, 1, 2]) {
    ok(['note', String(9100 + k), 'looked at it'], { DESK_NOW: iso(T0 + (30 + k) * DAY + 8 * 3_600_000) });
    ok(['snooze', String(9100 + k), '--off'], { DESK_NOW: iso(T0 + (30 + k) * DAY + 10 * 3_600_000) });
  }

  // A second import: new tickets, and mail for tickets already here (matched by Message-ID).
  const more = history(60, rnd, 5001, 'b');
  const again = history(400, random(20260401), 1, 'a').slice(0, 30).map((line, k) => {
    const t = JSON.parse(line) as { messages: { message_id: string; from: string; date: string; direction: string }[] };
    t.messages.push({ message_id: `<late-${k}@example.com>`, from: 'c@example.com', date: new Date(T0 + (35 + k) * DAY).toISOString().replace('.000Z', 'Z'), direction: k % 2 ? 'out' : 'in' });
    return JSON.stringify(t);
  });
  writeFileSync(join(desk.dir, 'b.jsonl'), [...more, ...again].join('\n') + '\n');
  ok(['import', join(desk.dir, 'b.jsonl')]);

});
afterAll(() => desk.cleanup());

const NOWS = [
  new Date(T0 + 3 * DAY), // most tickets do not exist yet, and much of the history lies ahead
  new Date(AT_NOW), // two tickets are solved at this very second
  new Date(T0 + 21 * DAY + 3_600_000),
  new Date(T0 + 90 * DAY), // everything has happened
];

function readOptions(policyText: string, by: GroupBy, now: Date, range: { from?: string; before?: string } = {}): SlaReadOptions {
  const uses = matchFieldsUsed(parsePolicyFile(policyText, 'policy'));
  const notAfterNow = new Date(Math.floor(now.getTime() / 1000) * 1000 + 1000).toISOString().replace('.000Z', 'Z');
  return {
    createdFrom: range.from,
    createdBefore: range.before && range.before < notAfterNow ? range.before : notAfterNow,
    fields: { subject: by === 'ticket', queue: by === 'queue' || uses.has('queue'), tier: by === 'tier' || uses.has('tier'), assignee: by === 'agent', tags: uses.has('tag') },
  };
}

async function withStore<T>(location: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ location });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Measures as `desk sla report` / `desk sla at-risk` do on the store's backend: clock inputs, mostly in bulk. */
async function fast<T extends Measure>(location: string, task: T) {
  if (!isPostgresUrl(location)) return runPartition({ ...task, file: location });
  return withStore(location, async (store) => {
    const m = measurer(task);
    await readPostgresClockInputs(store.db, task.read, (batch) => m.add(batch));
    return m.result();
  });
}

function fastReport(location: string, policyText: string, by: GroupBy, now: Date, read: SlaReadOptions) {
  const report = { by, timeZone: 'Europe/Berlin', since: read.createdFrom ?? null, until: null };
  return fast(location, { kind: 'report', policy: { text: policyText, source: 'policy' }, now: now.getTime(), read, report })
    .then((state) => {
      const builder = new SlaReportBuilder({ ...report, now });
      builder.merge(state as ReportState);
      return builder.finish();
    });
}

/**
 * The reference: every history read from events and messages. On SQLite with SQLite's reading of
 * times (sqlite-histories.ts), elsewhere through the portable kysely reader; text fields not asked
 * for are left empty, as the clock inputs' reader leaves them.
 */
async function fullHistories(location: string, read: SlaReadOptions): Promise<HistoryBatch> {
  if (!isPostgresUrl(location)) return [...readSqliteHistories(location, read)].flat();
  const asked = (f: 'subject' | 'queue' | 'tier' | 'assignee' | 'tags') => read.fields?.[f] ?? true;
  return withStore(location, async (store) => {
    const out: HistoryBatch = [];
    for await (const batch of readSlaTickets(store.db, read)) {
      for (const t of batch) {
        out.push([{
          id: t.id, subject: asked('subject') ? t.subject : '', priority: t.priority, queue: asked('queue') ? t.queue : null,
          tier: asked('tier') ? t.tier : '', assignee: asked('assignee') ? t.assignee : null, tags: asked('tags') ? t.tags : [],
        }, compactHistory(t)]);
      }
    }
    return out;
  });
}

/** Every ticket evaluated in full. */
async function fullReport(location: string, policyText: string, by: GroupBy, now: Date, read: SlaReadOptions) {
  const set = parsePolicyFile(policyText, 'policy');
  const builder = new SlaReportBuilder({ by, timeZone: 'Europe/Berlin', since: read.createdFrom ?? null, until: null, now });
  for (const [ticket, history] of await fullHistories(location, read)) builder.add(evaluateHistory(set, ticket, history, now));
  return builder.finish();
}

/** Tickets whose column is not what computing it afresh from their rows gives. */
async function stale(store: Store): Promise<unknown[]> {
  const differs = store.dialect === 'postgres' ? 'is distinct from' : 'is not';
  const fresh = sql.raw(clockInputsOf('t', store.dialect));
  return (await sql`select id, clock_inputs, ${fresh} as fresh from tickets t where clock_inputs ${sql.raw(differs)} ${fresh}`.execute(store.db)).rows;
}

const count = async (store: Store, query: ReturnType<typeof sql>) => Number((await sql<{ n: number | string }>`select count(*) as n from (${query}) q`.execute(store.db)).rows[0]!.n);

describe('clock inputs', () => {
  it('are kept by every write: the column is exactly what computing it afresh gives', async () => {
    await withStore(desk.db, async (store) => {
      expect(await count(store, sql`select id from tickets`)).toBeGreaterThan(450);
      expect(await count(store, sql`select id from tickets where clock_inputs is null`)).toBe(0);
      expect(await stale(store)).toEqual([]);
      // the CLI changes and the second import did reach the history
      expect(await count(store, sql`select id from events where at >= '2026-04-19'`)).toBeGreaterThan(20);
      expect(await count(store, sql`select id from messages where message_id like '<late-%'`)).toBe(30);
    });
  });

  it(`are what the migration that fills them (${onPostgres() ? 12 : 4}) computes for a database that had none`, async () => {
    const copy = copyOfStore(desk.db, desk.dir, 'before');
    const [version, dropColumn] = onPostgres() ? [12, false] : [4, true];
    await withStore(copy, async (store) => {
      // the database as it was before that migration: no column (SQLite), or the column left null (PostgreSQL)
      await sql.raw(dropColumn ? 'alter table tickets drop column clock_inputs' : 'update tickets set clock_inputs = null').execute(store.db);
      await sql`delete from desk_migrations where version >= ${version}`.execute(store.db);
    });
    const column = (location: string) => withStore(location, async (store) =>
      (await store.db.selectFrom('tickets').select(['id', 'clock_inputs']).orderBy('id').execute()).map((r) => [Number(r.id), r.clock_inputs]));
    const migrated = await column(copy); // opening it migrates again
    expect(migrated.length).toBeGreaterThan(450);
    expect(migrated).toEqual(await column(desk.db));
  });

  it.each(Object.keys(POLICIES))('read back exactly the histories of events and messages (%s policy)', async (name) => {
    const ranges = [{}, { from: '2026-04-01T00:00:00Z', before: '2026-04-10T12:00:00Z' }];
    await withStore(desk.db, async (store) => {
      for (const range of ranges) {
        for (const openAt of [undefined, '2026-04-20T00:00:00Z']) {
          const read = { ...readOptions(POLICIES[name]!, 'ticket', NOWS[2]!, range), openAt };
          const full = await fullHistories(desk.db, read);
          expect(full.length).toBeGreaterThan(0);
          for (const batchSize of [undefined, 37]) {
            const fast: HistoryBatch = [];
            for await (const batch of readHistories(store, desk.db, read, batchSize)) fast.push(...batch);
            expect(fast).toEqual(full);
          }
        }
      }
    });
  });

  describe.each(Object.keys(POLICIES))('report (%s policy)', (name) => {
    it.each(GROUP_BYS.map((by) => [by]))('--by %s is the same as measuring every history in full', async (by) => {
      for (const now of NOWS) {
        const read = readOptions(POLICIES[name]!, by, now);
        const full = await fullReport(desk.db, POLICIES[name]!, by, now, read);
        expect(full.total.tickets).toBeGreaterThan(0);
        expect(await fastReport(desk.db, POLICIES[name]!, by, now, read)).toEqual(full);
      }
      // --since / --until
      const read = readOptions(POLICIES[name]!, by, NOWS[2]!, { from: '2026-03-28T23:00:00Z', before: '2026-04-05T22:00:00Z' });
      expect(await fastReport(desk.db, POLICIES[name]!, by, NOWS[2]!, read)).toEqual(await fullReport(desk.db, POLICIES[name]!, by, NOWS[2]!, read));
    });
  });

  it('gives the figures the portable reader gives', async () => {
    await withStore(desk.db, async (store) => {
      for (const now of NOWS) {
        const read = readOptions(POLICIES.office!, 'priority', now);
        const set = parsePolicyFile(POLICIES.office!, 'policy');
        const builder = new SlaReportBuilder({ by: 'priority', timeZone: 'Europe/Berlin', now });
        for await (const batch of readSlaTickets(store.db, read)) for (const t of batch) builder.add(evaluateHistory(set, t, compactHistory(t), now));
        expect(await fastReport(desk.db, POLICIES.office!, 'priority', now, read)).toEqual(builder.finish());
      }
    });
  });

  it('at-risk lists the same clocks as measuring every history in full', async () => {
    for (const now of NOWS) {
      const read = { ...readOptions(POLICIES.office!, 'ticket', now), openAt: now.toISOString() };
      const within = 48 * 3600;
      const listed = sortAtRisk(await fast(desk.db, { kind: 'at-risk', policy: { text: POLICIES.office!, source: 'policy' }, now: now.getTime(), read, within, includeBreached: true, keep: {} }) as AtRiskClock[]);
      const set = parsePolicyFile(POLICIES.office!, 'policy');
      const full: AtRiskClock[] = [];
      for (const [t, h] of await fullHistories(desk.db, read)) full.push(...atRiskClocks(evaluateHistory(set, t, h, now), { within, includeBreached: true }));
      expect(full.length).toBeGreaterThan(0);
      expect(listed).toEqual(sortAtRisk(full));
    }
  });

  it('are computed on the spot for tickets written without them', async () => {
    const copy = copyOfStore(desk.db, desk.dir, 'partly');
    await withStore(copy, (store) => sql`update tickets set clock_inputs = null where id % 3 = 0`.execute(store.db));
    const now = NOWS[1]!;
    const read = readOptions(POLICIES.office!, 'week', now);
    expect(await fastReport(copy, POLICIES.office!, 'week', now, read)).toEqual(await fullReport(desk.db, POLICIES.office!, 'week', now, read));
  });

  it('give the same figures for the same desk on the other backend', async () => {
    const exported = desk.run(['export']);
    expect(exported.code).toBe(0);
    writeFileSync(join(desk.dir, 'export.jsonl'), exported.stdout);
    // This run's backend is desk's; the other one gets the same tickets through export and import.
    const other = tempDesk({ DESK_DB: onPostgres() ? join(desk.dir, 'other.db') : sharedPgDatabase() });
    try {
      const r = other.run(['import', join(desk.dir, 'export.jsonl')]);
      expect(r.code).toBe(0);
      expect(isPostgresUrl(other.db)).toBe(!onPostgres());
      for (const [name, text] of Object.entries(POLICIES)) {
        for (const by of GROUP_BYS) {
          for (const now of NOWS) {
            const read = readOptions(text, by, now);
            const here = await fastReport(desk.db, text, by, now, read);
            expect(here.total.tickets).toBeGreaterThan(0);
            expect([name, by, now, await fastReport(other.db, text, by, now, read)]).toEqual([name, by, now, here]);
          }
        }
      }
    } finally {
      other.cleanup();
    }
  });
});
