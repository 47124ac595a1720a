// A lead's pattern and a stranger's mail must not stall desk: patterns run on a linear-time
// engine (or are refused when the rules file is read), and the rules read the mail before the
// write transaction, so other agents' commands never wait on them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { runBounded } from '../helpers/misbehaving-servers.js';

let desk: TempDesk;
beforeAll(() => {
  desk = tempDesk({ DESK_NOW: '2026-04-01T10:00:00Z' });
  expect(desk.run(['new', '--from', 'a@b.example', '--subject', 'a ticket to take notes']).code).toBe(0);
});
afterAll(() => desk.cleanup());

/** Writes a rules file and a config naming it; returns the env that selects that config. */
function useRules(name: string, yaml: string): Record<string, string> {
  const rules = join(desk.dir, `${name}.yaml`);
  writeFileSync(rules, yaml);
  const config = join(desk.dir, `${name}-config.yaml`);
  writeFileSync(config, `rules: ${rules}\n`);
  return { DESK_CONFIG: config };
}

/** Runs desk, killing it if it is not done within `limitMs` (a stalled desk fails, not hangs). */
const runWithin = (args: string[], limitMs: number, opts: { input?: string; env?: Record<string, string> } = {}) =>
  runBounded(desk, args, { ...opts, limitMs });

/** How long a note waits for the write lock before it gives up with exit 4. */
const NOTE_WAIT_MS = 1500;

/** Runs `desk note` on ticket 1 again and again until `busy` settles; the exit codes seen. */
async function notesWhile<T>(busy: Promise<T>): Promise<{ result: T; codes: number[]; stderr: string[] }> {
  let done = false;
  const finished = busy.finally(() => (done = true));
  const codes: number[] = [];
  const stderr: string[] = [];
  for (let i = 0; !done && i < 200; i++) {
    const r = await runWithin(['note', '1', `note ${i} while rules run`], 60_000, { env: { DESK_BUSY_TIMEOUT_MS: String(NOTE_WAIT_MS) } });
    codes.push(r.code ?? -1);
    if (r.code !== 0) stderr.push(r.stderr);
  }
  return { result: await finished, codes, stderr };
}

describe('patterns the linear-time engine cannot run are refused when the rules are read', () => {
  test.each([
    ['a backreference', 'subject_regex', '"(a+)\\\\1$"'],
    ['a lookahead', 'body_regex', '"/(?=a)b/"'],
    ['a lookbehind', 'subject_regex', '"(?<!x)y"'],
    ['an unknown flag', 'body_regex', '"/x/v"'],
  ])('%s: exit 2 naming the rule, the field and the reason; nothing is created', (_what, field, pattern) => {
    const env = useRules('refused', `triage:\n  - name: clever\n    match: { ${field}: ${pattern} }\n    set: { priority: urgent }\n`);
    const before = JSON.parse(desk.run(['list', '--all', '--json']).stdout).length;
    const r = desk.run(['new', '--from', 'c@d.example', '--subject', 'hello'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`triage rule #1 'clever', field 'match.${field}': bad regular expression`);
    expect(r.stderr).toMatch(/linear-time engine|flag 'v' is not supported/);
    expect(JSON.parse(desk.run(['list', '--all', '--json']).stdout).length).toBe(before);
  });
});

test('desk new: catastrophic patterns against a 100 KB subject and a 1 MB body finish at once, and rules still match', async () => {
  const env = useRules('hostile-new', [
    'triage:',
    '  - name: nested',
    '    match: { subject_regex: "(a+)+$" }',
    '    set: { tags: [never] }',
    '  - name: alternation',
    '    match: { body_regex: "/(a|aa)+b$/" }',
    '    set: { tags: [never-either] }',
    '  - name: still works',
    '    match: { subject_regex: "^a+!$", body_regex: "/^(a+)+/" }',
    '    set: { priority: urgent }',
    '',
  ].join('\n'));
  const subject = 'a'.repeat(100_000) + '!';
  const body = 'a'.repeat(1_000_000) + '!';
  const r = await runWithin(['new', '--from', 'e@f.example', '--subject', subject, '--body', '-', '--json'], 30_000, { input: body, env });
  expect({ code: r.code, killed: r.killed, stderr: r.stderr }).toEqual({ code: 0, killed: false, stderr: '' });
  const t = JSON.parse(r.stdout);
  expect({ priority: t.priority, tags: t.tags }).toEqual({ priority: 'urgent', tags: [] });
}, 60_000);

test('desk import: 400 catastrophic patterns against a 1 MB subject run outside the write lock; notes meanwhile never get exit 4', async () => {
  // Each pattern reads the whole megabyte (they never match), so the rules take a while even on
  // a linear engine: several times a note's wait for the lock (NOTE_WAIT_MS), so a note would
  // time out if they held it; the write of the ticket itself (its megabyte indexed) stays well
  // within that wait even on a loaded machine.
  const rules = ['triage:'];
  for (let i = 0; i < 400; i++) rules.push(`  - name: hostile ${i}`, `    match: { subject_regex: "(a+)+${i}$" }`, `    set: { tags: [never-${i}] }`);
  rules.push('  - name: long subjects', '    match: { subject_regex: "^a{1000}" }', '    set: { queue: long }', '');
  const env = useRules('hostile-import', rules.join('\n'));
  const line = JSON.stringify({
    subject: 'a'.repeat(1_000_000) + '!', requester: { email: 'g@h.example' },
    messages: [{ message_id: '<hostile-1@h.example>', from: 'g@h.example', text: 'see subject' }],
  });
  const { result, codes, stderr } = await notesWhile(runWithin(['import', '-'], 120_000, { input: line + '\n', env }));
  expect({ code: result.code, killed: result.killed, stderr: result.stderr.trim() }).toEqual({ code: 0, killed: false, stderr: 'imported 1 ticket(s) with 1 message(s)' });
  expect({ codes: codes.filter((c) => c !== 0), stderr }).toEqual({ codes: [], stderr: [] });
  const [t] = JSON.parse(desk.run(['list', '--requester', 'g@h.example', '--json']).stdout);
  expect({ queue: t.queue, tags: t.tags }).toEqual({ queue: 'long', tags: [] });
}, 180_000);
