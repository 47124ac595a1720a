// Escalation as a support team lives it: one `escalate --auto` run reaches the fixed point, the
// new tier gets the ticket, and the lead's notification survives a dead SMTP server (outbox).
// The built CLI in its own process, a real SMTP server, SLA time from DESK_NOW.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type RunResult, type TempDesk } from '../helpers/cli.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

let smtp: TestSmtp;
const at = (hhmm: string) => `2026-03-30T${hhmm}:00Z`;

function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
  return r;
}

function setUp(rules: string): TempDesk {
  const desk = tempDesk();
  writeFileSync(join(desk.dir, 'rules.yaml'), rules);
  writeFileSync(join(desk.dir, 'sla.yaml'), `
policies:
  - { name: urgent, match: { priority: urgent }, calendar: 24x7, first_response: 1h, resolution: 8h }
  - { name: default, match: {}, calendar: 24x7, first_response: 8h, resolution: 40h }
`);
  writeFileSync(desk.config, `rules: ./rules.yaml
sla: ./sla.yaml
smtp: { host: ${smtp.host}, port: ${smtp.port}, secure: false, from: support@desk.example }
`);
  return desk;
}

const runner = (desk: TempDesk) => (args: string[], now = at('09:00')) => desk.runAsync(args, { env: { DESK_NOW: now } });

async function newTicket(desk: TempDesk, subject: string, created: string, extra: string[] = []): Promise<number> {
  const r = ok(await runner(desk)(['new', '--from', 'joao@example.com', '--subject', subject, '--body', 'help', '--json', ...extra], created), 'new');
  return JSON.parse(r.stdout).id;
}

beforeAll(async () => {
  smtp = await startTestSmtp();
});
afterAll(async () => {
  await smtp.close();
});
beforeEach(() => smtp.reset());

describe('escalate --auto reaches the fixed point in one run', () => {
  // The lead's file lists the tier rule first: it can only match once the waiting rule raised the
  // priority, which also puts the ticket under the stricter urgent policy.
  const RULES = `
escalation:
  - name: urgent breached
    when: { priority: urgent, breached: first_response }
    then: { escalate: next }
  - name: L2 urgent
    when: { tier: L2, priority: urgent }
    then: { escalate: L3 }
  - name: waiting
    when: { unanswered_for: 2h }
    then: { priority: urgent }
`;
  const pairs = [0, 1];

  test.each(pairs)('a ticket raised by one rule is escalated by the others in the same run (%#)', async (i) => {
    const desk = setUp(RULES);
    const run = runner(desk);
    try {
      // Generated variations: how long ago it came in, and its starting priority.
      const created = at(['05:00', '06:00', '06:30', '04:15'][i]!);
      const priority = ['low', 'normal', 'high', 'low'][i]!;
      const id = await newTicket(desk, `Stuck ${i}`, created, ['--priority', priority]);
      const first = JSON.parse(ok(await run(['escalate', '--auto', '--json']), 'auto').stdout);
      expect(first.actions.map((a: { rule: string }) => a.rule)).toEqual(['waiting', 'urgent breached', 'L2 urgent']);
      const t = JSON.parse(ok(await run(['show', String(id), '--json']), 'show').stdout);
      expect([t.priority, t.tier]).toEqual(['urgent', 'L3']);

      const again = ok(await run(['escalate', '--auto', '--json'], at('09:01')), 'second run');
      expect(JSON.parse(again.stdout).actions).toEqual([]);
      // --dry-run shows the same whole chain before anything is done
      const other = await newTicket(desk, `Dry ${i}`, created, ['--priority', priority]);
      const dry = ok(await run(['escalate', '--auto', '--dry-run'], at('09:02')), 'dry run');
      expect(dry.stdout.trim().split('\n').map((l) => l.replace(/ —.*/, ''))).toEqual([
        `would: #${other} priority ${priority} → urgent`, `would: #${other} tier L1 → L2`, `would: #${other} tier L2 → L3`,
      ]);
    } finally {
      desk.cleanup();
    }
  });
});

describe('the new tier gets the ticket', () => {
  let desk: TempDesk;
  let run: ReturnType<typeof runner>;
  beforeAll(async () => {
    desk = setUp(`
leads:
  L3: l3-lead@desk.example
tier_assignment:
  L2: least-loaded
  L3: none
escalation:
  - name: slow
    when: { tier: L1, resolution_used: 50% }
    then: { escalate: L2 }
`);
    run = runner(desk);
    for (const [name, tier] of [['ana', 'L1'], ['ben', 'L2'], ['bea', 'L2'], ['cy', 'L3']]) {
      ok(await run(['agent', 'add', name!, '--email', `${name}@desk.example`, '--tier', tier!]), 'agent add');
    }
  });
  afterAll(() => desk.cleanup());

  test('by hand: assigned by the tier\'s rule, unassigned where there is none, kept by an agent of the tier', async () => {
    const id = await newTicket(desk, 'Needs DB', at('08:00'));
    ok(await run(['assign', String(id), 'ana']), 'assign');
    const up = ok(await run(['escalate', String(id), '--to', 'L2', '--reason', 'needs DB access']), 'escalate');
    expect(up.stdout).toContain(`#${id} escalated L1 → L2, now with bea`); // least-loaded, ties by name
    let t = JSON.parse(ok(await run(['show', String(id), '--json']), 'show').stdout);
    expect(t.assignee).toBe('bea');
    expect(t.events.at(-1)).toMatchObject({ type: 'assign', from: 'ana', to: 'bea', actor: 'tester' });

    const top = ok(await run(['escalate', String(id), '--to', 'L3', '--reason', 'code change']), 'escalate');
    expect(top.stdout).toContain(`#${id} escalated L2 → L3, unassigned in L3`);
    expect(JSON.parse(ok(await run(['show', String(id), '--json']), 'show').stdout).assignee).toBeNull();

    ok(await run(['assign', String(id), 'ben']), 'assign'); // an L2 agent who follows it up
    const down = ok(await run(['escalate', String(id), '--to', 'L2', '--reason', 'back to L2']), 'de-escalate');
    expect(down.stdout).toContain(`#${id} escalated L3 → L2, now with ben`);
    t = JSON.parse(ok(await run(['show', String(id), '--json']), 'show').stdout);
    expect(t.assignee).toBe('ben');
  });

  test('by the rules: the tier change and the new assignee are one action', async () => {
    const id = await newTicket(desk, 'Slow', at('00:00'));
    ok(await run(['assign', String(id), 'ana'], at('00:10')), 'assign');
    const r = JSON.parse(ok(await run(['escalate', '--auto', '--json'], at('23:00')), 'auto').stdout);
    const mine = r.actions.filter((a: { id: number }) => a.id === id);
    expect(mine).toEqual([expect.objectContaining({
      rule: 'slow',
      changes: [{ type: 'escalate', from: 'L1', to: 'L2' }, { type: 'assign', from: 'ana', to: expect.stringMatching(/^(ben|bea)$/) }],
    })]);
    const t = JSON.parse(ok(await run(['show', String(id), '--json']), 'show').stdout);
    expect(['ben', 'bea']).toContain(t.assignee);
  });
});

describe('notifications go through the outbox', () => {
  test('escalate --notify with the SMTP server down: escalated, exit 5, and the next sync tells the lead', async () => {
    const desk = setUp(`
leads:
  L3: l3-lead@desk.example
`);
    const run = runner(desk);
    try {
      const id = await newTicket(desk, 'Outage', at('08:00'));
      await smtp.stop();
      const r = await run(['escalate', String(id), '--to', 'L3', '--reason', 'custom work', '--notify']);
      await smtp.start();
      expect(r.code).toBe(5);
      expect(r.stdout).toContain(`#${id} escalated L1 → L3`);
      expect(r.stderr).toContain('waits in the outbox');
      expect(JSON.parse(ok(await run(['show', String(id), '--json']), 'show').stdout).tier).toBe('L3');
      const queued = JSON.parse(ok(await run(['outbox', '--json']), 'outbox').stdout);
      expect(queued).toEqual([expect.objectContaining({ ticket_id: id, kind: 'notification', to: 'l3-lead@desk.example', state: 'queued', subject: `desk: ticket ${id} escalated to L3: Outage` })]);

      const sync = await run(['sync', '--quiet'], at('09:10')); // no accounts: sync sends the outbox
      expect(sync).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(smtp.received.map((m) => m.to)).toEqual([['l3-lead@desk.example']]);
      expect(smtp.received[0]!.raw.toString()).toContain('Why: custom work');
      // A notification is not an answer to the customer: the first-response clock still runs.
      const [sla] = JSON.parse(ok(await run(['sla', 'report', '--by', 'ticket', '--format', 'json'], at('09:10')), 'sla').stdout);
      expect(sla.first_response).toMatchObject({ stopped: false });
    } finally {
      desk.cleanup();
    }
  });

  test('escalate --auto with the SMTP server down: the rule acts once, the lead is told later', async () => {
    const desk = setUp(`
leads:
  L3: l3-lead@desk.example
escalation:
  - name: urgent breached
    when: { priority: urgent, breached: first_response }
    then: { escalate: L3, notify: lead }
`);
    const run = runner(desk);
    try {
      const id = await newTicket(desk, 'Site down', at('07:00'), ['--priority', 'urgent']);
      await smtp.stop();
      const r = await run(['escalate', '--auto', '--json']);
      await smtp.start();
      expect(r.code).toBe(5);
      expect(JSON.parse(r.stdout).actions).toEqual([expect.objectContaining({ id, notify: ['l3-lead@desk.example'], notify_error: expect.any(String) })]);
      expect(JSON.parse(ok(await run(['escalate', '--auto', '--json'], at('09:05')), 'again').stdout).actions).toEqual([]);
      ok(await run(['outbox', 'flush'], at('09:06')), 'flush');
      expect(smtp.received.map((m) => m.to)).toEqual([['l3-lead@desk.example']]);
    } finally {
      desk.cleanup();
    }
  });
});
