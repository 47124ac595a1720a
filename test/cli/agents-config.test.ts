import { readFileSync, writeFileSync } from 'node:fs';
import { tempDesk, type TempDesk } from '../helpers/cli.js';

let desk: TempDesk;
beforeAll(() => (desk = tempDesk({ DESK_NOW: '2026-04-01T10:00:00Z' })));
afterAll(() => desk.cleanup());

test('agents: add, list with loads, assign by name, --me, --auto to the least loaded of the tier', () => {
  expect(desk.run(['agent', 'add', 'ana', '--email', 'ana@desk.example']).code).toBe(0);
  expect(desk.run(['agent', 'add', 'ben', '--email', 'ben@desk.example', '--tier', 'L1']).code).toBe(0);
  expect(desk.run(['agent', 'add', 'chen', '--email', 'chen@desk.example', '--tier', 'L2']).code).toBe(0);
  const dup = desk.run(['agent', 'add', 'ana', '--email', 'x@desk.example']);
  expect(dup.code).toBe(2);
  expect(desk.run(['agent', 'add', 'zed', '--email', 'z@desk.example', '--tier', 'L7']).stderr).toContain('allowed: L1, L2, L3');
  for (let i = 0; i < 3; i++) desk.run(['new', '--from', `c${i}@x.example`, '--subject', `t${i}`]);
  expect(JSON.parse(desk.run(['assign', '1', 'ana', '--json']).stdout).assignee).toBe('ana');
  expect(JSON.parse(desk.run(['assign', '2', '--auto', '--json']).stdout).assignee).toBe('ben');
  // One rule for a name and for --me: the assignee must be an agent of the desk.
  const notAgent = desk.run(['assign', '3', '--me']);
  expect(notAgent.code).toBe(3);
  expect(notAgent.stderr).toContain("you act as 'tester', who is no agent of this desk");
  expect(notAgent.stderr).toContain('desk agent add tester --email');
  expect(JSON.parse(desk.run(['show', '3', '--json']).stdout).assignee).toBeNull();
  expect(desk.run(['agent', 'add', 'tester', '--email', 'tester@desk.example', '--tier', 'L2']).code).toBe(0);
  expect(JSON.parse(desk.run(['assign', '3', '--me', '--json']).stdout).assignee).toBe('tester');
  const unknown = desk.run(['assign', '3', 'nobody']);
  expect(unknown.code).toBe(3);
  expect(unknown.stderr).toContain("no agent named 'nobody'");
  expect(desk.run(['assign', '3']).code).toBe(2);
  const agents = JSON.parse(desk.run(['agent', 'list', '--json']).stdout);
  expect(agents.map((a: { name: string; open_tickets: number }) => [a.name, a.open_tickets])).toEqual([['ana', 1], ['ben', 1], ['chen', 0], ['tester', 1]]);
  desk.run(['agent', 'away', 'ben']);
  expect(JSON.parse(desk.run(['assign', '3', '--auto', '--json']).stdout).assignee).toBe('ana');
});

test('config: path, set keeps YAML comments, get, secrets refused', () => {
  expect(desk.run(['config', 'path']).stdout.trim()).toBe(desk.config);
  writeFileSync(desk.config, '# our desk\nagent: ana\n');
  expect(desk.run(['config', 'set', 'smtp.port', '587']).code).toBe(0);
  expect(desk.run(['config', 'set', 'smtp.host', 'smtp.example.com']).code).toBe(0);
  expect(readFileSync(desk.config, 'utf8')).toContain('# our desk');
  expect(desk.run(['config', 'get', 'smtp.port']).stdout.trim()).toBe('587');
  expect(JSON.parse(desk.run(['config', 'get', 'smtp']).stdout)).toEqual({ port: 587, host: 'smtp.example.com' });
  expect(desk.run(['config', 'get', 'nope']).code).toBe(3);
  const secret = desk.run(['config', 'set', 'smtp.password', 'hunter2']);
  expect(secret.code).toBe(2);
  expect(secret.stderr).toContain('passwordCommand');
  expect(readFileSync(desk.config, 'utf8')).not.toContain('hunter2');
  // the config's agent is who acts when DESK_AGENT is not set
  expect(desk.run(['note', '1', 'hello'], { env: { DESK_AGENT: '' } }).code).toBe(0);
  const shown = JSON.parse(desk.run(['show', '1', '--json']).stdout);
  expect(shown.events.at(-1)).toMatchObject({ type: 'note', actor: 'ana', text: 'hello' });
});

test('init creates the database; --demo refuses a desk that already has tickets', () => {
  // A fixed now: the demo desk is made relative to it, and which statuses it holds must not
  // depend on the hour the suite runs.
  const d = tempDesk({ DESK_NOW: '2026-11-25T10:30:00Z' }, { init: false });
  try {
    const r = d.run(['init']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('created the database');
    expect(d.run(['init']).stderr).toContain('database already there');
    expect(d.run(['init', '--demo']).code).toBe(0);
    const all = JSON.parse(d.run(['list', '--all', '--limit', '1000', '--json']).stdout);
    expect(all.length).toBeGreaterThanOrEqual(200);
    expect(new Set(all.map((t: { status: string }) => t.status))).toEqual(new Set(['new', 'open', 'pending', 'on_hold', 'solved', 'closed']));
    expect(new Set(all.map((t: { priority: string }) => t.priority)).size).toBe(4);
    expect(new Set(all.map((t: { tier: string }) => t.tier)).size).toBe(3);
    expect(d.run(['init', '--demo']).code).toBe(2);
  } finally {
    d.cleanup();
  }
});
