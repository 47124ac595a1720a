// `desk escalate` as a user (or cron) runs it: the built CLI in its own process.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type RunResult, type TempDesk } from '../../helpers/cli.js';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp.js';

let desk: TempDesk;
let smtp: TestSmtp;

const DAY = '2026-03-30';
const at = (hhmm: string, day = DAY) => `${day}T${hhmm}:00Z`;

function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
  return r;
}
const run = (args: string[], now = at('09:00')) => desk.runAsync(args, { env: { DESK_NOW: now } });
const show = async (id: number) => JSON.parse(ok(await run(['show', String(id), '--json']), 'show').stdout);
async function newTicket(subject: string, created: string, extra: string[] = []): Promise<number> {
  const r = ok(await run(['new', '--from', 'joao@example.com', '--subject', subject, '--body', 'help', '--json', ...extra], created), 'new');
  return JSON.parse(r.stdout).id;
}

beforeAll(async () => {
  smtp = await startTestSmtp();
  desk = tempDesk();
  writeFileSync(join(desk.dir, 'rules.yaml'), `
leads:
  L3: l3-lead@desk.example
escalation:
  - name: L1 resolution 80%
    when: { tier: L1, resolution_used: 80% }
    then: { escalate: next }
  - name: urgent first response breached
    when: { priority: urgent, breached: first_response }
    then: { escalate: L3, notify: lead }
  - name: customer waiting
    when: { unanswered_for: 24h }
    then: { priority: raise }
`);
  writeFileSync(join(desk.dir, 'sla.yaml'), `
policies:
  - { name: all, match: {}, calendar: 24x7, first_response: 1h, resolution: 10h }
`);
  writeFileSync(desk.config, `
rules: ./rules.yaml
sla: ./sla.yaml
smtp: { host: ${smtp.host}, port: ${smtp.port}, secure: false, from: support@desk.example }
`);
});
afterAll(async () => {
  desk.cleanup();
  await smtp.close();
});
beforeEach(() => {
  smtp.behave({ kind: 'accept' });
  smtp.received.length = 0;
});

describe('desk escalate ID --to TIER --reason TEXT', () => {
  test('moves a ticket up and back down, each move an event with the agent, the tiers and the reason', async () => {
    const id = await newTicket('Manual', at('08:00'));
    const up = ok(await run(['escalate', String(id), '--to', 'L2', '--reason', 'needs DB access']), 'escalate');
    expect(up.stdout).toContain(`#${id} escalated L1 → L2`);
    ok(await run(['escalate', String(id), '--to', 'L1', '--reason', 'just a password reset after all'], at('09:30')), 'de-escalate');
    const t = await show(id);
    expect(t.tier).toBe('L1');
    expect(t.events).toEqual([
      { at: at('09:00'), actor: 'tester', type: 'escalate', from: 'L1', to: 'L2', reason: 'needs DB access' },
      { at: at('09:30'), actor: 'tester', type: 'escalate', from: 'L2', to: 'L1', reason: 'just a password reset after all' },
    ]);
    const text = ok(await run(['show', String(id)]), 'show').stdout;
    expect(text).toContain('tier L1 → L2 — needs DB access');
  });

  test('says so when the ticket is already there, and changes nothing', async () => {
    const id = await newTicket('Already', at('08:00'));
    const r = ok(await run(['escalate', String(id), '--to', 'L1', '--reason', 'x']), 'escalate');
    expect(r.stderr).toContain(`#${id} is already in L1`);
    expect((await show(id)).events).toEqual([]);
  });

  test('refuses bad usage with exit 2 naming the flag, and an unknown ticket with exit 3', async () => {
    const id = await newTicket('Usage', at('08:00'));
    const badTier = await run(['escalate', String(id), '--to', 'L9', '--reason', 'x']);
    expect([badTier.code, badTier.stderr]).toEqual([2, expect.stringContaining("invalid value for --to: 'L9' (allowed: L1, L2, L3)")]);
    const noReason = await run(['escalate', String(id), '--to', 'L2']);
    expect([noReason.code, noReason.stderr]).toEqual([2, expect.stringContaining('--reason is required')]);
    const blankReason = await run(['escalate', String(id), '--to', 'L2', '--reason', '  ']);
    expect(blankReason.code).toBe(2);
    expect((await run(['escalate', '--auto', String(id)])).code).toBe(2);
    // --dry-run with an id shows the plan of a bulk change (docs/cli.md: Bulk changes), changing nothing
    const dry = await run(['escalate', String(id), '--to', 'L2', '--reason', 'x', '--dry-run']);
    expect([dry.code, dry.stdout]).toEqual([0, expect.stringContaining('1 ticket(s) match')]);
    const missing = await run(['escalate', '99999', '--to', 'L2', '--reason', 'x']);
    expect([missing.code, missing.stderr]).toEqual([3, expect.stringContaining('no ticket #99999')]);
    expect((await show(id)).events).toEqual([]);
  });

  test('--notify mails the new tier\'s lead and notes it on the ticket', async () => {
    const id = await newTicket('Notify me', at('08:00'));
    ok(await run(['escalate', String(id), '--to', 'L3', '--reason', 'custom work', '--notify']), 'escalate --notify');
    expect(smtp.received.map((m) => m.to)).toEqual([['l3-lead@desk.example']]);
    const body = smtp.received[0]!.raw.toString();
    expect(body).toMatch(/Subject: desk: ticket \d+ escalated to L3: Notify me/);
    expect(body).toContain('Why: custom work');
    expect(body).not.toContain('[#'); // a lead's answer must not thread into the customer's ticket
    const notes = (await show(id)).events.filter((e: { type: string }) => e.type === 'note');
    expect(notes).toEqual([expect.objectContaining({ actor: 'tester', text: expect.stringMatching(/^Notified l3-lead@desk\.example \(lead of L3; outbox #\d+\)$/) })]);
  });

  test('--notify for a tier without a lead is refused before anything changes', async () => {
    const id = await newTicket('No lead', at('08:00'));
    const r = await run(['escalate', String(id), '--to', 'L2', '--reason', 'x', '--notify']);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('no lead is known for tier L2')]);
    expect((await show(id)).tier).toBe('L1');
  });

  test('a refused notification exits 5 after the escalation, and the failure is on record', async () => {
    const id = await newTicket('Refused', at('08:00'));
    smtp.behave({ kind: 'refuse-rcpt', code: 550, message: 'no such user' });
    const r = await run(['escalate', String(id), '--to', 'L3', '--reason', 'x', '--notify']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('no such user');
    const t = await show(id);
    expect(t.tier).toBe('L3');
    expect(t.events.at(-1)).toMatchObject({ type: 'note', text: expect.stringContaining('The notification to l3-lead@desk.example was refused by the mail server: 550 no such user') });
  });
});

describe('desk escalate --auto', () => {
  let slow: number, urgent: number, waiting: number, fresh: number;
  const eventsOf = async (ids: number[]) => Promise.all(ids.map(async (id) => (await show(id)).events));

  beforeAll(async () => {
    // Separate desk state: tickets from the tests above are in L1..L3 and would be judged too.
    const closeAll = JSON.parse(ok(await run(['list', '--json']), 'list').stdout) as { id: number }[];
    for (const t of closeAll) ok(await run(['close', String(t.id)]), 'close');
    slow = await newTicket('Slow one', at('00:00')); // 9h of 10h resolution used at 09:00
    urgent = await newTicket('Site down', at('07:00'), ['--priority', 'urgent']); // no answer for 2h, target 1h
    waiting = await newTicket('Waiting', at('00:00', '2026-03-29'), ['--priority', 'low']); // 33h unanswered
    ok(await run(['escalate', String(waiting), '--to', 'L2', '--reason', 'known issue'], at('00:00', '2026-03-29')), 'escalate');
    fresh = await newTicket('Fresh', at('08:30'));
  });

  test('--dry-run lists what would happen and why, and changes nothing', async () => {
    const before = await eventsOf([slow, urgent, waiting, fresh]);
    const r = ok(await run(['escalate', '--auto', '--dry-run']), 'dry run');
    expect(r.stdout.trim().split('\n')).toEqual([
      `would: #${slow} tier L1 → L2 — rule 'L1 resolution 80%': tier L1; resolution 90% used (≥ 80%)`,
      `would: #${urgent} tier L1 → L3, notify l3-lead@desk.example — rule 'urgent first response breached': priority urgent; first response breached`,
      `would: #${waiting} priority low → normal — rule 'customer waiting': customer waiting 33h of business time (≥ 24h)`,
    ]);
    expect(r.stderr).toContain('nothing was changed');
    expect(await eventsOf([slow, urgent, waiting, fresh])).toEqual(before);
    expect(smtp.received).toEqual([]);
  });

  test('applies the rules as events by `rules`, notifies once, and a second run does nothing', async () => {
    const r = ok(await run(['escalate', '--auto', '--json']), 'auto');
    expect(JSON.parse(r.stdout)).toEqual({
      dry_run: false,
      actions: [
        { id: slow, rule: 'L1 resolution 80%', why: ['tier L1', 'resolution 90% used (≥ 80%)'], changes: [{ type: 'escalate', from: 'L1', to: 'L2' }], notify: null },
        { id: urgent, rule: 'urgent first response breached', why: ['priority urgent', 'first response breached'], changes: [{ type: 'escalate', from: 'L1', to: 'L3' }], notify: ['l3-lead@desk.example'] },
        { id: waiting, rule: 'customer waiting', why: ['customer waiting 33h of business time (≥ 24h)'], changes: [{ type: 'priority', from: 'low', to: 'normal' }], notify: null },
      ],
    });
    const [s, u, w, f] = await eventsOf([slow, urgent, waiting, fresh]);
    expect(s).toEqual([{ at: at('09:00'), actor: 'rules', type: 'escalate', from: 'L1', to: 'L2', reason: 'L1 resolution 80%' }]);
    expect(u).toEqual([
      { at: at('09:00'), actor: 'rules', type: 'escalate', from: 'L1', to: 'L3', reason: 'urgent first response breached' },
      { at: at('09:00'), actor: 'rules', type: 'note', reason: 'urgent first response breached', text: expect.stringContaining('notified l3-lead@desk.example') },
    ]);
    expect(w.at(-1)).toEqual({ at: at('09:00'), actor: 'rules', type: 'priority', from: 'low', to: 'normal', reason: 'customer waiting' });
    expect(f).toEqual([]);
    expect(smtp.received.map((m) => m.to)).toEqual([['l3-lead@desk.example']]);

    const again = ok(await run(['escalate', '--auto'], at('09:05')), 'second run');
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('nothing to escalate');
    expect(await eventsOf([slow, urgent, waiting, fresh])).toEqual([s, u, w, f]);
    expect(smtp.received).toHaveLength(1);
  });

  test('does not fight an agent who moves a ticket back down', async () => {
    ok(await run(['escalate', String(slow), '--to', 'L1', '--reason', 'I can handle it'], at('09:10')), 'de-escalate');
    const r = ok(await run(['escalate', '--auto'], at('09:15')), 'auto');
    expect(r.stdout).toBe('');
    expect((await show(slow)).tier).toBe('L1');
  });
});

test('--auto without a rules file says what to configure (exit 2)', async () => {
  const bare = tempDesk();
  try {
    const r = await bare.runAsync(['escalate', '--auto']);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining("needs a rules file: set 'rules' in the config")]);
  } finally {
    bare.cleanup();
  }
});

test('--auto with a broken rules file names the rule and field (exit 2)', async () => {
  const bad = tempDesk();
  try {
    writeFileSync(join(bad.dir, 'rules.yaml'), 'escalation:\n  - name: typo\n    when: { teir: L1 }\n    then: { escalate: L2 }\n');
    writeFileSync(bad.config, 'rules: ./rules.yaml\n');
    const r = await bad.runAsync(['escalate', '--auto', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("escalation rule #1 'typo', field 'when.teir': unknown field");
  } finally {
    bad.cleanup();
  }
});
