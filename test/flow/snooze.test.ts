// Snooze as a support team needs it: out of the queue until its time and nothing more. The
// status stays, no SLA clock pauses, every SLA view keeps the ticket, and when the time comes it
// is back in the queue, with the end in its history. The built CLI, time from DESK_NOW.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type RunResult, type TempDesk } from '../helpers/cli.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

let desk: TempDesk;
let smtp: TestSmtp;
const DAY1 = (hhmm: string) => `2026-03-30T${hhmm}:00Z`;
const DAY2 = (hhmm: string) => `2026-03-31T${hhmm}:00Z`;

function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
  return r;
}
const run = (args: string[], now: string) => desk.runAsync(args, { env: { DESK_NOW: now } });
const json = async (args: string[], now: string) => JSON.parse(ok(await run([...args, '--json'], now), args.join(' ')).stdout);
const show = (id: number, now: string) => json(['show', String(id)], now);
const queueIds = async (now: string) => (await json(['triage'], now)).map((t: { id: number }) => t.id);
async function newTicket(subject: string, created: string, extra: string[] = []): Promise<number> {
  return (await json(['new', '--from', 'joao@example.com', '--subject', subject, '--body', 'help', ...extra], created)).id;
}

beforeAll(async () => {
  smtp = await startTestSmtp(); // sync needs somewhere to send the (empty) outbox: a desk without accounts
  desk = tempDesk();
  writeFileSync(join(desk.dir, 'sla.yaml'), `
policies:
  - { name: urgent, match: { priority: urgent }, calendar: 24x7, first_response: 1h, resolution: 8h }
  - { name: default, match: {}, calendar: 24x7, first_response: 8h, resolution: 40h }
pause_statuses: [pending, on_hold]
`);
  writeFileSync(desk.config, `sla: ./sla.yaml
timezone: UTC
smtp: { host: ${smtp.host}, port: ${smtp.port}, secure: false, from: support@desk.example }
`);
});
afterAll(async () => {
  desk.cleanup();
  await smtp.close();
});

test('an urgent, unanswered ticket snoozed until tomorrow keeps its status and clocks, and comes back', async () => {
  const id = await newTicket('Site is down', DAY1('09:00'), ['--priority', 'urgent']);
  const before = (await show(id, DAY1('09:10'))).status;
  const r = ok(await run(['snooze', String(id), 'tomorrow'], DAY1('09:10')), 'snooze');
  expect(r.stdout).toContain(`#${id} snoozed until 2026-03-31 09:00`);
  const t = await show(id, DAY1('09:10'));
  expect(t.status).toBe(before); // not pending: nobody waits on the customer
  expect(t.events.at(-1)).toEqual({ at: DAY1('09:10'), actor: 'tester', type: 'snooze', to: DAY2('09:00') });

  // Out of the queue…
  expect(await queueIds(DAY1('12:00'))).not.toContain(id);
  // …but every SLA view keeps it, with clocks that never paused.
  const [report] = (await json(['sla', 'report', '--by', 'ticket', '--format', 'json', '--now', DAY1('12:00')], DAY1('12:00')))
    .filter((x: { id: number }) => x.id === id);
  expect(report.first_response).toMatchObject({ elapsed_s: 3 * 3600, breached: true, stopped: false });
  expect(report.resolution).toMatchObject({ elapsed_s: 3 * 3600, due_at: DAY1('17:00') });
  const atRisk = await json(['sla', 'at-risk', '--breached', '--now', DAY1('12:00')], DAY1('12:00'));
  expect(atRisk.filter((c: { id: number }) => c.id === id).map((c: { clock: string }) => c.clock).sort()).toEqual(['first_response']);
  expect(ok(await run(['show', String(id)], DAY1('12:00')), 'show').stdout).toContain('snoozed until Tue 31 Mar 2026 09:00 UTC: out of the queue, SLA clocks running');
  const listed = ok(await run(['list', '--sort', 'sla'], DAY1('12:00')), 'list').stdout;
  expect(listed).toMatch(/Site is down\s+overdue 2h/); // the first response was due at 10:00

  // The time comes: back in the queue, computed from now, before anything is written.
  const back = await json(['triage'], DAY2('09:30'));
  expect(back.find((x: { id: number }) => x.id === id)).toMatchObject({ snooze_ended: DAY2('09:00') });
  expect((await show(id, DAY2('09:30'))).events).toHaveLength(1);

  // The next sync (cron) writes the end into the history, at the time it ended, once.
  expect(await run(['sync', '--quiet'], DAY2('09:31'))).toEqual({ code: 0, stdout: '', stderr: '' });
  ok(await run(['sync', '--quiet'], DAY2('09:32')), 'sync again');
  const after = await show(id, DAY2('09:32'));
  expect(after.events.slice(1)).toEqual([
    { at: DAY2('09:00'), actor: 'desk', type: 'snooze', from: DAY2('09:00'), reason: 'snooze time reached' },
  ]);
  expect(after.status).toBe(before);
  expect(await queueIds(DAY2('09:33'))).toContain(id);
  expect(ok(await run(['show', String(id)], DAY2('09:33')), 'show').stdout).toContain('snooze over (it was until 2026-03-31T09:00:00Z)');
});

test('a snooze from an older desk (which made the ticket pending) reopens it at its time; only the snoozed hours were paused', async () => {
  const line = {
    id: 9001, subject: 'Old snooze', status: 'pending', priority: 'urgent',
    requester: { email: 'old@example.com' }, created_at: DAY1('08:00'), updated_at: DAY1('09:00'),
    messages: [{ message_id: '<old-1@example.com>', direction: 'in', from: 'old@example.com', date: DAY1('08:00'), text: 'help' }],
    events: [
      { at: DAY1('09:00'), actor: 'ana', type: 'status', from: 'open', to: 'pending' },
      { at: DAY1('09:00'), actor: 'ana', type: 'snooze', to: DAY1('11:00') },
    ],
  };
  ok(await desk.runAsync(['import', '-'], { input: JSON.stringify(line) + '\n', env: { DESK_NOW: DAY1('09:00') } }), 'import');
  expect(await queueIds(DAY1('10:00'))).not.toContain(9001);
  expect(await queueIds(DAY1('11:05'))).toContain(9001);

  ok(await run(['sync', '--quiet'], DAY1('11:10')), 'sync');
  const t = await show(9001, DAY1('11:10'));
  expect(t.status).toBe('open');
  expect(t.events.slice(2)).toEqual([
    { at: DAY1('11:00'), actor: 'desk', type: 'snooze', from: DAY1('11:00'), reason: 'snooze time reached' },
    { at: DAY1('11:00'), actor: 'desk', type: 'status', from: 'pending', to: 'open', reason: 'snooze time reached' },
  ]);
  const [report] = (await json(['sla', 'report', '--by', 'ticket', '--format', 'json', '--now', DAY1('12:00')], DAY1('12:00')))
    .filter((x: { id: number }) => x.id === 9001);
  // 08:00-09:00 and 11:00-12:00 count; the two hours it sat pending stay paused (they happened so).
  expect(report.resolution).toMatchObject({ elapsed_s: 2 * 3600, stopped: false });
});

test('--off ends a snooze at once; bad input is refused with exit 2 and changes nothing', async () => {
  const id = await newTicket('Call back', DAY1('10:00'));
  ok(await run(['snooze', String(id), '2h', '--reason', 'customer calls back at noon'], DAY1('10:00')), 'snooze');
  expect(await queueIds(DAY1('10:30'))).not.toContain(id);
  const off = ok(await run(['snooze', String(id), '--off'], DAY1('10:30')), 'off');
  expect(off.stdout).toContain(`#${id} back in the queue`);
  expect(await queueIds(DAY1('10:31'))).toContain(id);
  expect((await show(id, DAY1('10:31'))).events.at(-1)).toEqual(
    { at: DAY1('10:30'), actor: 'tester', type: 'snooze', from: DAY1('12:00'), reason: 'snooze cancelled' },
  );
  const again = await run(['snooze', String(id), '--off'], DAY1('10:32'));
  expect([again.code, again.stderr]).toEqual([0, expect.stringContaining('is not snoozed')]);

  const missing = await run(['snooze', '999999', '1h'], DAY1('10:33'));
  expect(missing.code).toBe(3);
  const both = await run(['snooze', String(id), '1h', '--off'], DAY1('10:33'));
  expect(both.code).toBe(2);
  ok(await run(['close', String(id)], DAY1('10:34')), 'close');
  const closed = await run(['snooze', String(id), '1h'], DAY1('10:35'));
  expect([closed.code, closed.stderr]).toEqual([2, expect.stringContaining('is closed')]);
  ok(await run(['reopen', String(id)], DAY1('10:36')), 'reopen');

  // Generated input: whatever an agent types is a future time or an exit-2 refusal, never a crash.
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const pieces = ['2h', '0m', '-1h', 'tomorrow', 'tomorrow 25:00', 'mon', 'monday 7:5', '2026-02-30', '2026-03-29', '2026-04-02 14:00',
    '1999-01-01T00:00:00Z', '\u001b[31m', '\u0000', 'now', '', ' ', '1d1h', '99999999w', 'T', 'z', '2026-04-02T10:00:00+02:00', 'ü', '\u202e'];
  const events = (await show(id, DAY1('11:00'))).events.length;
  let accepted = 0;
  for (let i = 0; i < 10; i++) {
    const text = Array.from({ length: 1 + rand(2) }, () => pieces[rand(pieces.length)]).join(rand(2) ? ' ' : '');
    const r = await run(['snooze', String(id), '--json', '--', text], DAY1('11:00'));
    expect([2, 0]).toContain(r.code);
    if (r.code === 2) {
      expect(r.stderr).toMatch(/^desk: (invalid time to snooze until|say until when)/);
      expect(r.stderr).not.toMatch(/[\u0000-\u0008\u001b]/); // echoed safely
    } else {
      accepted++;
      const until = (await show(id, DAY1('11:00'))).events.at(-1).to;
      expect(Date.parse(until)).toBeGreaterThan(Date.parse(DAY1('11:00')));
    }
  }
  expect((await show(id, DAY1('11:00'))).events.length).toBe(events + accepted);
});
