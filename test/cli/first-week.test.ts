// A support team's first week: commands that should just work, run as a user runs them.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDesk, type TempDesk } from '../helpers/cli.js';

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
const created = (subject: string) => JSON.parse(ok(['new', '--from', 'a@b.example', '--subject', subject, '--json']).stdout).id as number;
const ticket = (id: number) => JSON.parse(ok(['show', String(id), '--json']).stdout);

test('a note takes the remaining words as its text; - alone reads standard input', () => {
  const id = created('Notes');
  ok(['note', String(id), 'customer', 'on', 'the', 'legacy', 'plan']);
  ok(['note', String(id), '-'], 'from a pipe\n');
  expect(ticket(id).events.filter((e: { type: string }) => e.type === 'note').map((e: { text: string }) => e.text))
    .toEqual(['customer on the legacy plan', 'from a pipe']);
  expect(desk.run(['note', String(id)]).code).toBe(2);
});

test('close, reopen, set and assign take several ids: all change, or none when one is unknown', () => {
  ok(['agent', 'add', 'ana', '--email', 'ana@desk.example']);
  const ids = [created('One'), created('Two'), created('Three')].map(String);
  const closed = JSON.parse(ok(['close', ...ids, '--json']).stdout);
  expect(closed.map((t: { status: string }) => t.status)).toEqual(['closed', 'closed', 'closed']);
  expect(ok(['reopen', ...ids]).stdout.split('\n').filter(Boolean)).toHaveLength(3);
  ok(['set', ids[0]!, ids[1]!, '--tag', '+x', '--priority', 'high']);
  expect([ticket(+ids[0]!), ticket(+ids[1]!), ticket(+ids[2]!)].map((t) => [t.tags, t.priority]))
    .toEqual([[['x'], 'high'], [['x'], 'high'], [[], 'normal']]);
  ok(['assign', ids[1]!, `#${ids[2]}`, 'ana']);
  expect([ticket(+ids[1]!).assignee, ticket(+ids[2]!).assignee]).toEqual(['ana', 'ana']);

  // An unknown id among them: exit 3 and nothing changed on the others.
  const bad = desk.run(['close', ids[0]!, '99999', ids[2]!]);
  expect(bad.code).toBe(3);
  expect(bad.stderr).toContain('no ticket #99999');
  expect([ticket(+ids[0]!).status, ticket(+ids[2]!).status]).toEqual(['open', 'open']);
  const badSet = desk.run(['set', ids[0]!, 'x1', '--tag', '+y']);
  expect(badSet.code).toBe(2);
  expect(badSet.stderr).toContain("invalid ticket id 'x1'");
  expect(ticket(+ids[0]!).tags).toEqual(['x']);
});

test('assign: a name that is no agent and --me for someone who is no agent are refused alike (exit 3)', () => {
  const id = String(created('Who takes it'));
  const byName = desk.run(['assign', id, 'root']);
  const me = desk.run(['assign', id, '--me'], { env: { DESK_AGENT: 'root' } });
  expect([byName.code, me.code]).toEqual([3, 3]);
  expect(me.stderr).toContain("'root', who is no agent");
  expect(ticket(+id).assignee).toBeNull();
  ok(['agent', 'add', 'root', '--email', 'root@desk.example']);
  const taken = desk.run(['assign', id, '--me', '--json'], { env: { DESK_AGENT: 'root' } });
  expect(taken.code).toBe(0);
  expect(JSON.parse(taken.stdout).assignee).toBe('root');
});

test('reply on a fresh desk names every missing setting at once, with the lines that fix them', () => {
  const id = String(created('Needs an answer'));
  const r = desk.run(['reply', id, '--message', 'Hello']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('2 settings');
  expect(r.stderr).toContain('desk config set smtp.host');
  expect(r.stderr).toContain('desk config set smtp.from');
  // Fixing one leaves exactly the other.
  ok(['config', 'set', 'smtp.from', 'Support <support@desk.example>']);
  const again = desk.run(['reply', id, '--message', 'Hello']);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain('desk config set smtp.host');
  expect(again.stderr).not.toContain('smtp.from');
  // Nothing was queued for a reply that could not go out.
  expect(JSON.parse(ok(['outbox', '--all', '--json']).stdout)).toEqual([]);
});

describe('lists', () => {
  let d: TempDesk;
  beforeAll(() => {
    d = tempDesk({ DESK_NOW: NOW });
    const lines = Array.from({ length: 70 }, (_, i) => JSON.stringify({
      id: i + 1, subject: i % 2 ? `Export fails on report ${i + 1}` : `Printer jam ${i + 1}`, status: i < 60 ? 'open' : 'solved',
      priority: i % 3 ? 'normal' : 'high', tier: 'L1', queue: i % 2 ? 'tech' : 'billing',
      requester: { email: `customer.with.a.long.address.${i + 1}@example.com` },
      created_at: `2026-03-01T10:${String(i % 60).padStart(2, '0')}:00Z`, updated_at: `2026-03-02T10:${String(i % 60).padStart(2, '0')}:00Z`,
      messages: [], events: [],
    })).join('\n');
    const r = d.run(['import', '-'], { input: lines + '\n' });
    if (r.code !== 0) throw new Error(r.stderr);
  });
  afterAll(() => d.cleanup());

  test('a list cut by --limit says so on stderr; a whole list says nothing', () => {
    const cut = d.run(['list']);
    expect(cut.stdout.trim().split('\n')).toHaveLength(51); // heading + 50
    expect(cut.stderr).toBe('showing 50 of 60; --limit to see more\n');
    const whole = d.run(['list', '--limit', '60']);
    expect(whole.stderr).toBe('');
    expect(d.run(['list', '--all', '--limit', '5']).stderr).toBe('showing 5 of 70; --limit to see more\n');
    expect(d.run(['list', '--sort', 'sla', '--limit', '10']).stderr).toBe('showing 10 of 60; --limit to see more\n');
    // JSON stays exactly the data.
    const json = d.run(['list', '--json', '--limit', '3']);
    expect(JSON.parse(json.stdout)).toHaveLength(3);
    expect(json.stderr).toBe('');
  });

  test('search takes the filters of list', () => {
    const ids = (args: string[]) => (JSON.parse(d.run(['search', 'export', '--json', '--limit', '100', ...args]).stdout) as { id: number; status: string; queue: string; priority: string }[]);
    const all = ids([]);
    expect(all).toHaveLength(35);
    const solved = ids(['--status', 'solved']);
    expect(solved.length).toBe(5);
    expect(solved.every((t) => t.status === 'solved')).toBe(true);
    const high = ids(['--priority', 'high', '--queue', 'tech']);
    expect(high.length).toBeGreaterThan(0);
    expect(high.every((t) => t.priority === 'high' && t.queue === 'tech')).toBe(true);
    expect(ids(['--queue', 'billing'])).toEqual([]);
    const bad = d.run(['search', 'export', '--status', 'done']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--status');
    expect(d.run(['search', 'export', '--limit', '4']).stderr).toBe('showing 4 of 35; --limit to see more\n');
  });

  test('on a 120-column terminal the subject gets most of the room and no line is wider than the terminal', () => {
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const r = spawnSync('script', ['-qefc', `stty cols 120 rows 50; ${quote(process.execPath)} ${quote(BIN)} list --limit 5`, '/dev/null'], {
      env: d.env, encoding: 'utf8', cwd: d.dir,
    });
    expect(r.status).toBe(0);
    const lines = r.stdout.split(/\r?\n/).filter((l) => l.includes('│'));
    expect(lines.length).toBeGreaterThan(5);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(120);
    const names = lines[0]!.split('│').map((c) => c.trim());
    const subjects = lines.slice(1).map((l) => l.split('│')[names.indexOf('Subject')]!.trim());
    expect(subjects.filter((s) => s.endsWith('…'))).toEqual([]); // every subject whole, the long addresses cut instead
    expect(lines.slice(1).some((l) => l.split('│')[names.indexOf('Requester')]!.trim().endsWith('…'))).toBe(true);
    expect(r.stdout).toContain('│ Export fails on report 60 │');
  });

  test('past 1,000 matches a cut list says 1000+ rather than counting them all', () => {
    const many = Array.from({ length: 1000 }, (_, i) => JSON.stringify({
      subject: `Bulk ${i}`, status: 'open', requester: { email: `bulk${i}@example.com` }, created_at: '2026-03-03T10:00:00Z', messages: [],
    })).join('\n');
    expect(d.run(['import', '-'], { input: many + '\n' }).code).toBe(0);
    expect(d.run(['list']).stderr).toBe('showing 50 of 1000+; --limit to see more\n');
    expect(d.run(['list', 'subject:bulk', '--limit', '999']).stderr).toBe('showing 999 of 1000; --limit to see more\n');
  });
});

test('init records the database it created: the next commands use it without --db or DESK_DB', () => {
  const d = tempDesk();
  try {
    const noDb = { DESK_DB: '' };
    const first = d.run(['--db', 'first.db', 'init'], { env: noDb });
    expect(first.code).toBe(0);
    expect(d.run(['config', 'get', 'db'], { env: noDb }).stdout.trim()).toBe(`${d.dir}/first.db`);
    d.run(['new', '--from', 'a@b.example', '--subject', 'In the first desk'], { env: noDb });
    expect(JSON.parse(d.run(['list', '--json'], { env: noDb }).stdout).map((t: { subject: string }) => t.subject)).toEqual(['In the first desk']);
    // Another database: the config follows it and says how to go back.
    const second = d.run(['init'], { env: { DESK_DB: `${d.dir}/second.db` } });
    expect(second.stderr).toContain(`it named ${d.dir}/first.db before; \`desk config set db ${d.dir}/first.db\` goes back`);
    expect(d.run(['list', '--json'], { env: noDb }).stdout.trim()).toBe('[]');
    expect(d.run(['config', 'set', 'db', `${d.dir}/first.db`], { env: noDb }).code).toBe(0);
    expect(JSON.parse(d.run(['list', '--json'], { env: noDb }).stdout)).toHaveLength(1);
  } finally {
    d.cleanup();
  }
});

test('at-risk TSV keeps one line of ten fields per clock whatever the subject holds (generated hostile subjects)', () => {
  const d = tempDesk({ DESK_NOW: NOW });
  try {
    // Seeded: tabs, newlines, CR, ESC sequences, C1 controls, bidi overrides, NUL, quotes, formula starts.
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const pieces = ['\t', '\n', '\r\n', '\u001b[2J', '\u001b]0;pwned\u0007', '\u009b31m', '\u202e', '\u2066', '\u0000', '"', ',', '=cmd', 'ok', 'Ünïcødé', ' '];
    const subjects = Array.from({ length: 40 }, (_, i) => `s${i} ` + Array.from({ length: 6 }, () => pieces[rnd(pieces.length)]).join(''));
    const lines = subjects.map((subject, i) => JSON.stringify({
      id: i + 1, subject, status: 'open', priority: 'normal', tier: 'L1', queue: null, assignee: null,
      requester: { email: 'a@b.example' }, created_at: '2026-04-01T07:00:00Z', updated_at: '2026-04-01T07:00:00Z', messages: [], events: [],
    }));
    expect(d.run(['import', '-'], { input: lines.join('\n') + '\n' }).code).toBe(0);
    writeFileSync(join(d.dir, 'sla.yaml'), 'policies:\n  - { name: default, match: {}, calendar: 24x7, first_response: 1h }\n');
    writeFileSync(d.config, 'sla: ./sla.yaml\ntimezone: UTC\n');
    const r = d.run(['sla', 'at-risk', '--breached']);
    expect(r.code).toBe(0);
    const rows = r.stdout.replace(/\n$/, '').split('\n');
    expect(rows).toHaveLength(41);
    for (const row of rows) {
      expect(row.split('\t')).toHaveLength(10);
      expect(row).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
    expect(rows.slice(1).map((row) => row.split('\t')[0]).sort((a, b) => +a - +b)).toEqual(subjects.map((_, i) => String(i + 1)));
  } finally {
    d.cleanup();
  }
});

test('init records any database file name faithfully (generated names with YAML-special characters)', () => {
  const d = tempDesk();
  try {
    const specials = [': ', ' #', "'", '"', '&', '*', '!', '%', '@', '`', '{', '}', '[', ']', '|', '>', '?', ',', '\\', 'é', '日本', ' ', '-', '~', '\t'];
    let seed = 11;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const names = Array.from({ length: 5 }, (_, i) => `${i}${Array.from({ length: 8 }, () => specials[rnd(specials.length)]).join('x')}.db`);
    names.push('-leading-dash.db', '~tilde.db', 'null');
    for (const name of names) {
      const r = d.run(['--db', name, 'init'], { env: { DESK_DB: '' } });
      expect({ name, code: r.code, err: r.stderr.includes('desk:') }).toEqual({ name, code: 0, err: false });
      const got = d.run(['config', 'get', 'db'], { env: { DESK_DB: '' } }).stdout.replace(/\n$/, '');
      expect({ name, got }).toEqual({ name, got: join(d.dir, name) });
    }
  } finally {
    d.cleanup();
  }
});
