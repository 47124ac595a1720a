// The query language through the CLI, on both backends (this file runs in both jest projects):
// the same queries give the same tickets on SQLite and PostgreSQL, flags keep their meaning
// ANDed with a query, bad queries name their column, and saved views run as @NAME.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { QUERY_NOW, queryDataLines } from '../helpers/query-data.js';

let desk: TempDesk;

beforeAll(() => {
  desk = tempDesk({ DESK_NOW: QUERY_NOW, DESK_AGENT: 'ana' });
  const file = join(desk.dir, 'tickets.jsonl');
  writeFileSync(file, queryDataLines());
  ok(['import', file]);
});
afterAll(() => desk.cleanup());

function ok(args: string[], env?: Record<string, string>) {
  const r = desk.run(args, { env });
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

function ids(args: string[], env?: Record<string, string>): number[] {
  return (JSON.parse(ok([...args, '--json', '--limit', '1000'], env).stdout) as { id: number }[]).map((t) => t.id).sort((a, b) => a - b);
}

/** The ids each command lists, three commands at a time (each is a process of its own). */
async function idsOfAll(commands: string[][]): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < commands.length; i += 3) {
    const part = await Promise.all(commands.slice(i, i + 3).map(async (args) => {
      const r = await desk.runAsync([...args, '--json', '--limit', '1000']);
      if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return (JSON.parse(r.stdout) as { id: number }[]).map((t) => t.id).sort((a, b) => a - b);
    }));
    out.push(...part);
  }
  return out;
}

test('the same queries give the same tickets on either backend', async () => {
  // Each query ORs terms that pick different tickets, so that each term is checked by its ids.
  const cases: [string[], number[]][] = [
    [['status:open,pending'], [1, 2, 6, 7]],
    [['(queue:billing tier:L2) OR queue:none OR (tag:vip status:pending)'], [2, 4, 7]],
    [['-tag:api', 'status:open,closed', 'prio:high,normal,urgent'], [3, 6, 7]],
    [['assignee:me OR (assignee:none status:pending)'], [1, 2, 5, 6]],
    [['from:@acme.com -from:joe@acme.com OR from:sub.acme', '--all'], [2, 6, 8]],
    [['subject:"error 500" OR subject:REFUND', '--all'], [1, 6, 7]],
    [['has:attachment OR is:snoozed', '--all'], [1, 6]],
    [['is:unanswered', '--all'], [2, 4, 6, 7, 8]],
    [['created:>2026-11-05 -created:2026-11-09', '--all'], [6, 7, 8]],
    [['age:>3d OR updated:<1d', '--all'], [1, 2, 3, 4, 5, 7, 8]],
    [['export OR creme', '--all'], [1, 4, 5, 8]],
    [['"refund order"', 'OR', 'invoice'], [2, 6, 7]],
    [['status:closed OR (tag:api -prio:low)'], [1, 3]],
    [['-(queue:tech OR queue:billing)', '--all'], [4]],
    [['id:3,5', '--all'], [3, 5]],
  ];
  const got = await idsOfAll(cases.map(([args]) => ['list', ...args]));
  expect(got).toEqual(cases.map(([, want]) => want));
});

test('flags are terms ANDed with the query and keep their meaning; list shows unfinished tickets unless the query names statuses', async () => {
  expect(await idsOfAll([
    ['list', 'export'],
    ['list', 'export', 'status:solved'],
    ['list', 'tag:api', '--status', 'open,on_hold,new', '--queue', 'tech'],
    // search: free words rank as before, the rest narrows; finished tickets included
    ['search', 'export', '-status:solved'],
    ['search', '@acme.com'], // an address part still finds requesters
  ])).toEqual([[1, 8], [5], [1, 8], [1, 8], [1, 2, 5, 6]]);
  // export and the SLA report take a query too (every status)
  const exported = ok(['export', 'from:@acme.com', '-status:pending']).stdout.trim().split('\n').map((l) => JSON.parse(l).id);
  expect(exported).toEqual([1, 5, 6]);
  writeFileSync(join(desk.dir, 'sla.yaml'), 'policies:\n  - { name: default, match: {}, calendar: 24x7, first_response: 1h, resolution: 8h }\n');
  const report = JSON.parse(ok(['sla', 'report', '--by', 'queue', '--json', '--policy', join(desk.dir, 'sla.yaml'), '--query', 'queue:billing,tech -tag:refund']).stdout);
  expect(report.groups.map((g: { key: string; tickets: number }) => [g.key, g.tickets])).toEqual([['billing', 2], ['tech', 4]]);
});

test('a bad query exits 2 naming the column under a caret, and changes nothing', () => {
  const r = desk.run(['list', 'tag:api', 'status:', 'OR', 'x']);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe("desk: query: expected a value after 'status:' at column 16\n  tag:api status: OR x\n                 ^\n");
  const unknown = desk.run(['search', 'export', 'colour:red']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/unknown field 'colour:' \(fields: status, prio, queue, tier, tag, assignee, from, org, csat, subject, has, is, created, updated, due, age, id, linked/);
  expect(desk.run(['list', '--colour']).stderr).toContain("unknown option '--colour'");
});

test('saved views: per agent and shared, parsed when saved, listed with counts, run as @NAME', () => {
  ok(['view', 'add', 'mine', 'assignee:me', '-tag:api', '--sort', 'created']);
  ok(['view', 'add', 'billing', 'queue:billing', '--shared']);
  const bad = desk.run(['view', 'add', 'broken', 'status:opn']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("invalid value 'opn' for status: (allowed: new, open, pending, on_hold, solved, closed) at column 8");
  expect(desk.run(['view', 'add', 'mine', 'x']).code).toBe(4);

  expect(JSON.parse(ok(['view', 'list', '--json']).stdout)).toEqual([
    { name: 'mine', shared: false, owner: 'ana', query: 'assignee:me -tag:api', sort: 'created', count: 1 },
    { name: 'billing', shared: true, owner: null, query: 'queue:billing', sort: null, count: 3 },
  ]);
  expect(ids(['list', '@mine'])).toEqual([6]);
  expect(ids(['list', '@billing', 'prio:high'])).toEqual([7]);
  // triage takes views and queries too (its queue: new and open, snoozed left out)
  expect((JSON.parse(ok(['triage', '@billing', '--json']).stdout) as { id: number }[]).map((t) => t.id)).toEqual([7]);
  // another agent has a view of the same name; assignee:me is whoever runs it
  expect(desk.run(['list', '@mine'], { env: { DESK_AGENT: 'sam' } }).code).toBe(3);
  ok(['view', 'add', 'mine', 'assignee:me'], { DESK_AGENT: 'sam' });
  expect(ids(['list', '@mine'], { DESK_AGENT: 'sam' })).toEqual([7, 8]);

  expect(desk.run(['view', 'rm', 'billing']).code).toBe(3); // not ana's own
  ok(['view', 'rm', 'billing', '--shared']);
  expect(JSON.parse(ok(['view', 'list', '--json'], { DESK_AGENT: 'sam' }).stdout).map((v: { name: string }) => v.name)).toEqual(['mine']);
});

test('is:breached and is:at-risk are judged by the SLA clocks, as sla at-risk judges them', () => {
  expect(desk.run(['list', 'is:breached']).stderr).toContain('is:breached, is:at-risk and due: need an SLA policy');
  writeFileSync(join(desk.dir, 'sla.yaml'), 'policies:\n  - { name: default, match: {}, calendar: 24x7, first_response: 1h, resolution: 8h }\n');
  writeFileSync(desk.config, 'sla: ./sla.yaml\n');
  // a ticket written just now: its first answer is due within the hour, at risk; every other
  // unfinished one ran past its clocks long ago
  const fresh = JSON.parse(ok(['new', '--from', 'new@acme.com', '--subject', 'Just now', '--json']).stdout).id as number;
  expect(ids(['list', 'is:at-risk OR (is:breached queue:billing)'])).toEqual([2, 6, 7, fresh]);
  // due: a running clock's due time: within 2 hours is what at risk and breached together are
  expect(ids(['list', 'due:<2h'])).toEqual(ids(['list', 'is:breached OR is:at-risk']));
  expect(ids(['list', 'due:<30m'])).not.toContain(fresh); // its first answer is due in an hour
  expect(ids(['list', 'due:<30m'])).toEqual(ids(['list', 'is:breached']));
  // fresh's resolution is 8 hours ahead; #8 (09:00, on hold) has its resolution due at 17:00
  expect(ids(['list', 'due:>2h'])).toEqual([8, fresh]);
  expect(desk.run(['list', 'due:2h']).stderr).toContain("expected < or > before the time for due:");
});

test('org: matches the requester\'s customer\'s organisation (by domain rule, case ignored), none: in no organisation', async () => {
  const DATA = 'id:1,2,3,4,5,6,7,8'; // the imported tickets (other tests add their own)
  ok(['org', 'add', 'Acme', '--domain', 'acme.com']);
  ok(['org', 'add', 'Other Ltd', '--domain', 'other.org']);
  expect(await idsOfAll([
    ['list', 'org:acme', '--all', DATA],
    ['list', 'org:none', '--all', DATA],
    ['list', '-org:ACME', 'status:open', DATA],
    ['list', '(org:"other ltd" OR org:acme)', '--all', DATA],
  ])).toEqual([[1, 2, 5, 6, 8], [4], [7], [1, 2, 3, 5, 6, 7, 8]]);
});
