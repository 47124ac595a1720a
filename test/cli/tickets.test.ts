// The core commands, run as a user runs them: the built CLI in its own process.
import { tempDesk, type TempDesk } from '../helpers/cli.js';

let desk: TempDesk;
const NOW = '2026-04-01T10:00:00Z';

beforeAll(() => {
  desk = tempDesk({ DESK_NOW: NOW });
});
afterAll(() => desk.cleanup());

function ok(args: string[], input?: string) {
  const r = desk.run(args, { input });
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

test('new, show and list a ticket', () => {
  const created = JSON.parse(ok(['new', '--from', 'Joao@Example.com', '--name', 'João Silva', '--subject', 'Export fails', '--body', 'Hello, error 500', '--priority', 'high', '--json']).stdout);
  expect(created).toMatchObject({ subject: 'Export fails', status: 'open', priority: 'high', tier: 'L1', requester: { email: 'joao@example.com', name: 'João Silva' }, created_at: NOW });
  const shown = JSON.parse(ok(['show', String(created.id), '--json']).stdout);
  expect(shown.messages).toHaveLength(1);
  expect(shown.messages[0]).toMatchObject({ direction: 'in', from: 'joao@example.com', text: 'Hello, error 500' });
  const listed = JSON.parse(ok(['list', '--json']).stdout);
  expect(listed.map((t: { id: number }) => t.id)).toContain(created.id);
});

test('every change is an event with actor and time, and show prints the timeline', () => {
  const { id } = JSON.parse(ok(['new', '--from', 'a@b.example', '--subject', 'Timeline', '--json']).stdout);
  ok(['set', String(id), '--status', 'pending', '--priority', 'urgent', '--tag', '+vip', '--tag', 'api']);
  ok(['note', String(id), 'customer on legacy plan']);
  ok(['set', String(id), '--tag', '-vip']);
  ok(['close', String(id)]);
  ok(['reopen', String(id)]);
  const t = JSON.parse(ok(['show', String(id), '--json']).stdout);
  expect(t.status).toBe('open');
  expect(t.tags).toEqual(['api']);
  expect(t.events.map((e: { type: string }) => e.type)).toEqual(['status', 'priority', 'tag', 'tag', 'note', 'untag', 'status', 'status']);
  expect(t.events.every((e: { actor: string; at: string }) => e.actor === 'tester' && e.at === NOW)).toBe(true);
  const text = ok(['show', String(id)]).stdout;
  expect(text).toContain('status open → pending');
  expect(text).toContain('customer on legacy plan');
});

test('exit codes: unknown ticket 3, bad flag value 2 naming the flag and values, unknown flag 2', () => {
  const missing = desk.run(['show', '99999']);
  expect(missing.code).toBe(3);
  expect(missing.stderr).toContain('no ticket #99999');
  const bad = desk.run(['set', '1', '--status', 'done']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--status');
  expect(bad.stderr).toContain('new, open, pending, on_hold, solved, closed');
  const unknown = desk.run(['list', '--colour']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/unknown option '--colour'/);
  expect(desk.run(['frobnicate']).code).toBe(2);
  expect(desk.run(['list', '--sort', 'random']).stderr).toContain('sla, updated, created, priority');
});

test('text from mail cannot drive the terminal, but --json keeps it exact', () => {
  const evil = 'Hi\u001b[2J\u001b]0;owned\u0007 \u202Egnp.exe';
  const { id } = JSON.parse(ok(['new', '--from', 'x@y.example', '--subject', `Bad ${evil}`, '--body', evil, '--json']).stdout);
  const human = ok(['show', String(id)]).stdout + ok(['list']).stdout;
  expect(human).not.toMatch(/[\u001b\u0007\u202e]/);
  expect(human).toContain('^[[2J');
  const json = JSON.parse(ok(['show', String(id), '--json']).stdout);
  expect(json.messages[0].text).toBe(evil);
});

test('--version is printed and exits 0', () => {
  const r = ok(['--version']);
  expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});
