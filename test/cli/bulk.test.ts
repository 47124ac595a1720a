// Bulk changes (docs/cli.md, "Bulk changes"): set/assign/close/escalate with a query instead of
// ticket ids, run through the built CLI on both backends.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { applyBulk, planTargets } from '../../src/store/repos/bulk-change.js';
import { storeQuery } from '../helpers/backend.js';
import { applyChanges } from '../../src/store/repos/tickets.js';
import { BIN, tempDesk, type TempDesk } from '../helpers/cli.js';

const NOW = '2026-04-01T10:00:00Z';
const desks: TempDesk[] = [];
const fresh = () => {
  const d = tempDesk({ DESK_NOW: NOW, DESK_AGENT: 'ana' });
  desks.push(d);
  return d;
};
afterAll(() => desks.forEach((d) => d.cleanup()));

/** Imports `flood` tickets tagged flood and `other` untagged ones (ids 1… in that order). */
function seed(d: TempDesk, flood: number, other: number): void {
  const lines: string[] = [];
  for (let i = 0; i < flood + other; i++) {
    lines.push(JSON.stringify({ subject: `Win a prize ${i}`, status: 'new', tags: i < flood ? ['flood'] : [], requester: { email: `s${i}@spam.example` }, created_at: '2026-03-01T00:00:00Z' }));
  }
  const file = join(d.dir, 'seed.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = d.run(['import', file]);
  expect(r.code).toBe(0);
}

const count = (d: TempDesk, where: string): number => Number(Object.values(storeQuery(d.db, `select count(*) as n from ${where}`)[0]!)[0]);

test('plan, dry run, the limit without --yes, then --yes: one event per ticket; ids work as before', () => {
  const d = fresh();
  seed(d, 25, 3);
  expect(d.run(['agent', 'add', 'ana', '--email', 'ana@desk.example']).code).toBe(0);
  const events = () => count(d, 'events');
  const before = events();

  const dry = d.run(['close', 'tag:flood', '--dry-run']);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain("25 ticket(s) match 'tag:flood': status → closed");
  expect(dry.stdout).toContain('#1  Win a prize 0');
  expect(dry.stdout).toContain('… and 15 more');
  const json = JSON.parse(d.run(['close', 'tag:flood', '--dry-run', '--json']).stdout);
  expect(json.count).toBe(25);
  expect(json.tickets.map((t: { id: number }) => t.id)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  expect(count(d, "tickets where status = 'closed'")).toBe(0);
  expect(events()).toBe(before);

  // Not a terminal, over bulk.confirmAbove (20), no --yes: refused, nothing changed.
  const refused = d.run(['set', 'tag:flood', '--status', 'pending', '--tag', '+spam']);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('--yes');
  expect(events()).toBe(before);

  // A lower limit in the config applies; an invalid one is refused when the config loads.
  writeFileSync(d.config, 'bulk:\n  confirmAbove: many\n');
  const badConfig = d.run(['close', 'tag:flood', '--dry-run']);
  expect(badConfig.code).toBe(2);
  expect(badConfig.stderr).toContain('bulk.confirmAbove');
  writeFileSync(d.config, 'bulk:\n  confirmAbove: 30\n');

  const set = d.run(['set', 'tag:flood', '--status', 'pending', '--tag', '+spam']);
  expect(set.code).toBe(0);
  expect(set.stdout).toContain('updated 25 ticket(s)');
  expect(count(d, "tickets where status = 'pending'")).toBe(25);
  expect(count(d, "events where type = 'status' and actor = 'ana' and to_value = 'pending'")).toBe(25);
  expect(count(d, "events where type = 'tag' and to_value = 'spam'")).toBe(25);
  expect(count(d, 'tickets where version = 2')).toBe(25); // one write each: one version bump

  writeFileSync(d.config, '');
  const assign = d.run(['assign', 'tag:spam', '--to', 'ana', '--yes', '--json']);
  expect(assign.code).toBe(0);
  expect(JSON.parse(assign.stdout).changed).toHaveLength(25);
  expect(count(d, "tickets where assignee = 'ana'")).toBe(25);

  const esc = d.run(['escalate', 'tag:spam', '-status:closed', '--to', 'L2', '--reason', 'flood', '--yes']);
  expect(esc.code).toBe(0);
  expect(count(d, "events where type = 'escalate' and reason = 'flood'")).toBe(25);
  expect(d.run(['escalate', 'tag:spam', '--to', 'L2', '--yes']).code).toBe(2); // --reason still required

  // Ticket ids keep the id path: the untagged ones change one by one, no plan printed.
  const ids = d.run(['set', '26', '#27', '--status', 'open']);
  expect(ids.code).toBe(0);
  expect(ids.stdout).toContain('#26 updated');
  expect(ids.stdout).not.toContain('match');
  expect(d.run(['assign', '28', 'ana']).code).toBe(0);
  expect(d.run(['close', '28']).code).toBe(0);
  expect(count(d, "tickets where status = 'closed'")).toBe(1);
  // A mistyped flag among query words is still refused as a flag.
  expect(d.run(['close', 'tag:spam', '--yess']).code).toBe(2);
  const typo = d.run(['set', '26', '--stauts', 'new', '--tag', '+x']);
  expect([typo.code, typo.stderr]).toEqual([2, expect.stringContaining("unknown option '--stauts'")]);
  expect(count(d, "events where type = 'tag' and to_value = 'x'")).toBe(0);
});

test('a ticket changed after the plan is skipped and reported, the others are changed', async () => {
  const d = fresh();
  seed(d, 5, 0);
  const store = await openStore({ location: d.db });
  try {
    const plan = await planTargets(store.db, null);
    expect(plan.map((p) => p.id)).toEqual([1, 2, 3, 4, 5]);
    // Another agent changes #2 after the plan was read.
    expect(d.run(['set', '2', '--status', 'open'], { env: { DESK_AGENT: 'sam' } }).code).toBe(0);
    const out = await applyBulk(store, plan, [{ type: 'status', to: 'closed' }], { actor: 'ana', at: NOW, batchSize: 2 });
    expect(out.changed).toEqual([1, 3, 4, 5]);
    expect(out.skipped.map((s) => s.id)).toEqual([2]);
    expect(out.skipped[0]!.message).toContain('by sam');
    expect(out.skipped[0]!.message).toContain('not changed');
  } finally {
    await store.close();
  }
  expect(storeQuery(d.db, "select status from tickets where id = 2")[0]).toEqual({ status: 'open' });
  expect(count(d, "tickets where status = 'closed'")).toBe(4);
});

test('two processes: a ticket written after the plan was read is named and left as it is; exit 4', async () => {
  const d = fresh();
  seed(d, 3, 0);
  const store = await openStore({ location: d.db });
  try {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // sam's change of #2 is written (not yet committed) before the bulk command reads its plan,
    // and committed once the plan is printed: the plan holds #2's old version.
    let changing!: () => void;
    const changed = new Promise<void>((r) => (changing = r));
    const sam = store.write(async (tx) => {
      await applyChanges(tx, 2, [{ type: 'priority', to: 'urgent' }], 'sam', NOW);
      changing();
      await held;
    });
    await changed;
    const child = spawn(process.execPath, [BIN, 'close', 'tag:flood', '--yes'], { env: d.env, cwd: d.dir });
    let stdout = '', stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no plan printed: ${stdout} ${stderr}`)), 60_000);
      child.stdout.on('data', (b) => {
        stdout += b;
        if (stdout.includes('3 ticket(s) match')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    release();
    await sam;
    expect(await exited).toBe(4);
    expect(stderr).toMatch(/#2 changed since version \d+ \(now \d+\): it was given priority urgent \(was normal\) by sam at .*; not changed/);
    expect(stdout).toContain('closed 2 ticket(s); 1 changed by someone else since the plan, not changed');
  } finally {
    await store.close();
  }
  expect(storeQuery(d.db, 'select id, status, priority from tickets order by id')).toEqual([
    { id: 1, status: 'closed', priority: 'normal' }, { id: 2, status: 'new', priority: 'urgent' }, { id: 3, status: 'closed', priority: 'normal' },
  ]);
});

test('a flood of 1,000 tickets is closed by one command in a few seconds', () => {
  const d = fresh();
  seed(d, 1000, 0);
  const started = Date.now();
  const r = d.run(['close', 'tag:flood', '--yes']);
  const took = Date.now() - started;
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('closed 1,000 ticket(s)');
  expect(count(d, "tickets where status = 'closed'")).toBe(1000);
  expect(count(d, "events where type = 'status'")).toBe(1000);
  expect(took).toBeLessThan(30_000);
});
