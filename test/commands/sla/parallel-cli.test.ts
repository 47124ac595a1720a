// Large desks are measured on two threads; the figures must be exactly those of one thread.
// SQLite only (jest.config.ts ONE_BACKEND): PostgreSQL measures on one thread whatever
// DESK_SLA_THREADS says, so there both runs would be the same run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk } from '../../helpers/cli.js';

const N = 24_000; // above the two-thread threshold
const POLICY = `
calendars:
  office: { timezone: Europe/Berlin, hours: { mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"] } }
policies:
  - { name: urgent, match: { priority: urgent }, calendar: 24x7, first_response: 1h, next_response: 2h, resolution: 8h }
  - { name: default, match: {}, calendar: office, first_response: 4h, next_response: 4h, resolution: 16h }
pause_statuses: [pending]
`;

function lines(n: number): string {
  const statuses = ['open', 'pending', 'solved', 'closed'];
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    const t0 = Date.UTC(2026, 0, 5) + i * 97_000;
    const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const status = statuses[i % 4]!;
    out.push(JSON.stringify({
      id: i, subject: `Ticket ${i}`, status, priority: ['urgent', 'normal', 'low'][i % 3], queue: ['a', 'b'][i % 2], assignee: ['ana', null][i % 2],
      requester: { email: `c${i % 50}@example.com` }, created_at: iso(t0), updated_at: iso(t0 + 7_200_000),
      messages: [
        { message_id: `<i${i}@x>`, direction: 'in', from: 'c@example.com', date: iso(t0), text: '…' },
        { message_id: `<o${i}@x>`, direction: 'out', from: 'd@example.com', date: iso(t0 + (i % 7) * 1_800_000), text: '…' },
        ...(i % 5 === 0 ? [{ message_id: `<j${i}@x>`, direction: 'in', from: 'c@example.com', date: iso(t0 + 4 * 3_600_000), text: '…' }] : []),
      ],
      events: status === 'open' ? [] : [{ at: iso(t0 + 7_200_000), actor: 'ana', type: 'status', from: 'open', to: status }],
    }));
  }
  return out.join('\n') + '\n';
}

let desk: TempDesk;
beforeAll(() => {
  desk = tempDesk({ DESK_NOW: '2026-02-01T12:00:00Z' });
  writeFileSync(join(desk.dir, 'sla.yaml'), POLICY);
  writeFileSync(desk.config, 'sla: ./sla.yaml\ntimezone: Europe/Berlin\n');
  writeFileSync(join(desk.dir, 'big.jsonl'), lines(N));
  const r = desk.run(['import', join(desk.dir, 'big.jsonl')]);
  if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
});
afterAll(() => desk.cleanup());

it.each([['priority'], ['ticket'], ['week']])('report --by %s is the same on two threads as on one', (by) => {
  const run = (threads: string) => desk.run(['sla', 'report', '--by', by, '--format', 'json'], { env: { DESK_SLA_THREADS: threads } });
  const one = run('1'), two = run('2');
  expect(one.code).toBe(0);
  expect(two.code).toBe(0);
  expect(two.stdout).toBe(one.stdout);
  if (by === 'priority') expect(JSON.parse(one.stdout).total.tickets).toBe(N);
});

it('at-risk is the same on two threads as on one', () => {
  const run = (threads: string) => desk.run(['sla', 'at-risk', '--within', '400h', '--breached', '--json'], { env: { DESK_SLA_THREADS: threads } });
  const one = run('1'), two = run('2');
  expect(JSON.parse(one.stdout).length).toBeGreaterThan(1000);
  expect(two.stdout).toBe(one.stdout);
});
