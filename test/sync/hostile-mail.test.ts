// Mail written to stall a parser: a megabyte of each shape that makes backtracking patterns slow
// (blank lines, whitespace runs, unclosed brackets and comments, quotes, repeated header labels),
// and hostile triage rules against a megabyte subject. `desk sync` reads all of it from a real
// Dovecot well inside a generous bound, and agents' commands meanwhile never wait on it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { startDovecot, type Dovecot, type MailUser, accountYaml } from '../helpers/dovecot.js';
import { runBounded } from '../helpers/misbehaving-servers.js';

const SUPPORT = 'support@desk.test';
const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';
const MB = 1_000_000;

let dovecot: Dovecot;
let desk: TempDesk;
let login: MailUser;

beforeAll(async () => {
  dovecot = await startDovecot();
  login = await dovecot.addUser('hostile', 'secret');
  desk = tempDesk({ [PASSWORD_ENV]: login.password, DESK_NOW: '2026-04-01T10:00:00Z' });
  const rules = join(desk.dir, 'rules.yaml');
  writeFileSync(rules, hostileRules(0));
  writeFileSync(desk.config, `rules: ${rules}\n` + accountYaml({ port: dovecot.port, user: login.user, passwordEnv: PASSWORD_ENV, address: SUPPORT }));
  expect(desk.run(['new', '--from', 'agent@b.example', '--subject', 'a ticket to take notes']).code).toBe(0);
}, 60_000);

afterAll(async () => {
  desk?.cleanup();
  await dovecot?.stop();
});

/**
 * Catastrophic patterns for a backtracking engine, a rule that matches long subjects, and `slow`
 * rules whose patterns read all of a megabyte subject without matching: seconds of work even on
 * a linear engine, which must never happen while sync holds the write lock.
 */
function hostileRules(slow: number): string {
  return [
    'triage:',
    '  - name: nested',
    '    match: { subject_regex: "(a+)+$", keywords: [a a a a b] }',
    '    set: { tags: [never] }',
    '  - name: long subjects',
    '    match: { subject_regex: "^a{1000}", body_regex: "/(x+x+)+y|^hello/" }',
    '    set: { priority: urgent }',
    ...Array.from({ length: slow }, (_, i) => [`  - name: slow ${i}`, `    match: { subject_regex: "a{1000}x${i}" }`, `    set: { tags: [never-${i}] }`]).flat(),
    '',
  ].join('\n');
}

let n = 0;
function mail(headers: string[], body: string, from = 'Stranger <stranger@example.org>'): string {
  n++;
  return [
    `From: ${from}`,
    `To: ${SUPPORT}`,
    `Message-ID: <hostile-${n}@example.org>`,
    'Date: Wed, 1 Apr 2026 09:00:00 +0000',
    'MIME-Version: 1.0',
    ...headers,
    '',
    body,
  ].join('\r\n');
}

/** A header value of about `size` characters folded into 78-character lines. */
const folded = (unit: string, size: number) => (unit.repeat(Math.ceil(size / unit.length)).match(/.{1,70}/gs) ?? []).join('\r\n ');
const text = ['Content-Type: text/plain; charset=utf-8'];

/** Each hostile shape, about a megabyte. */
const HOSTILE = [
  // the auto-reply of the issue: blank and whitespace lines
  mail(['Subject: Out of office', 'Auto-Submitted: auto-replied', ...text], ' \r\n'.repeat(MB / 3)),
  mail(['Subject: blank lines', ...text], '\r\n'.repeat(MB / 2) + 'x'),
  mail(['Subject: quoted blanks', 'Auto-Submitted: auto-generated', ...text], '> \r\n \r\n'.repeat(MB / 7) + 'Message-ID:'),
  mail(['Subject: labels', 'Auto-Submitted: auto-replied', ...text], ' Message-ID: \r\n>'.repeat(MB / 16)),
  mail(['Subject: spaces', ...text], ' '.repeat(MB) + 'x'),
  mail(['Subject: tabs and nbsp', 'Content-Type: text/html; charset=utf-8'], '<p>' + ' \t\u00a0'.repeat(MB / 3) + 'x</p>'),
  mail(['Subject: unclosed tags', 'Content-Type: text/html; charset=utf-8'], '<'.repeat(MB)),
  mail(['Subject: unclosed scripts', 'Content-Type: text/html; charset=utf-8'], '<script>'.repeat(MB / 8)),
  mail([`Subject: ${folded(' ', MB / 4)}x`, ...text], 'hello'),
  mail([`Auto-Submitted: ${folded('(', MB / 4)}`, 'Subject: comments', ...text], 'hello'),
  mail([`Date: ${folded(' : ', MB / 4)}`, 'Subject: colons', ...text], 'hello'),
  mail([`In-Reply-To: ${folded(' . @ ', MB / 4)}`, 'Subject: dots', ...text], 'hello'),
  mail(['Subject: quotes', ...text], 'hello', `"${"'".repeat(MB / 4)}x" <quotes@example.org>`),
  mail(['Subject: [#1' + '['.repeat(MB / 4), ...text], 'hello'),
  // a megabyte subject against the hostile rules
  mail([`Subject: ${'a'.repeat(MB)}!`, ...text], 'hello'),
];

const runWithin = (args: string[], limitMs: number, env: Record<string, string> = {}) => runBounded(desk, args, { env, limitMs });

test('desk sync reads a megabyte of every hostile shape in bounded time, hostile rules included', async () => {
  await dovecot.deliver(login.user, HOSTILE);
  // Generous: the whole run takes seconds; a backtracking pattern took minutes for 20 KB.
  const r = await runWithin(['sync', '--json'], 120_000);
  expect({ code: r.code, killed: r.killed, stderr: r.stderr }).toEqual({ code: 0, killed: false, stderr: '' });
  const [report] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(report).toMatchObject({ new: HOSTILE.length, quarantined: 0 });

  const tickets: { subject: string; priority: string; tags: string[] }[] = JSON.parse(desk.run(['list', '--all', '--json', '--limit', '100']).stdout);
  const long = tickets.find((t) => t.subject.startsWith('aaaa'));
  expect(long && { priority: long.priority, tags: long.tags }).toEqual({ priority: 'urgent', tags: [] });
  // Automatic mail opens no ticket (an Auto-Submitted of unclosed comments is not "no"); the
  // other shapes did, with their subjects read.
  expect(tickets.map((t) => t.subject)).toEqual(expect.arrayContaining(['blank lines', 'spaces', 'quotes', 'unclosed tags', 'colons', 'dots']));
  expect(tickets.map((t) => t.subject)).not.toContain('Out of office');
}, 200_000);

test('while sync spends seconds on 60 rules against a 1 MB subject, notes never wait on it (no exit 4)', async () => {
  writeFileSync(join(desk.dir, 'rules.yaml'), hostileRules(60));
  await dovecot.deliver(login.user, [mail([`Subject: ${'a'.repeat(MB)}!`, ...text], 'hello')]);
  const sync = runWithin(['sync', '--json'], 120_000);
  let done = false;
  void sync.finally(() => (done = true));
  const failed: string[] = [];
  for (let i = 0; !done && i < 200; i++) {
    const r = await runWithin(['note', '1', `note ${i} during sync`], 60_000, { DESK_BUSY_TIMEOUT_MS: '2000' });
    if (r.code !== 0) failed.push(`exit ${r.code}: ${r.stderr}`);
  }
  const r = await sync;
  expect({ code: r.code, killed: r.killed, stderr: r.stderr }).toEqual({ code: 0, killed: false, stderr: '' });
  expect(failed).toEqual([]);
  const tickets: { subject: string; priority: string; tags: string[] }[] = JSON.parse(desk.run(['list', '--all', '--json', '--limit', '100']).stdout);
  const longOnes = tickets.filter((t) => t.subject.startsWith('aaaa'));
  expect(longOnes.map((t) => ({ priority: t.priority, tags: t.tags }))).toEqual([{ priority: 'urgent', tags: [] }, { priority: 'urgent', tags: [] }]);
}, 200_000);

test('a header folded 400,000 times (just under the 2 MB header limit) is read in seconds', async () => {
  // The parser merged folded lines in time quadratic in their number: this header took minutes.
  await dovecot.deliver(login.user, [mail([`X-Folded: ${'a\r\n '.repeat(400_000)}a`, 'Subject: folded', ...text], 'hello')]);
  const r = await runWithin(['sync', '--json'], 30_000);
  expect({ code: r.code, killed: r.killed, stderr: r.stderr }).toEqual({ code: 0, killed: false, stderr: '' });
  expect(JSON.parse(r.stdout.trim().split('\n')[0]!)).toMatchObject({ new: 1, quarantined: 0 });
  expect(JSON.parse(desk.run(['list', '--all', '--json', '--limit', '100']).stdout).map((t: { subject: string }) => t.subject)).toContain('folded');
}, 60_000);
