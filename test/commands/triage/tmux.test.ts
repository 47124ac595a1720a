// End to end, as an agent uses it: `desk triage` in a real terminal (tmux, 80x24), driven by
// keystrokes, read back from the screen. Open, move, take, escalate, reply with a canned reply,
// quit — then the database must hold exactly those events, and the terminal be as it was.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDesk, type TempDesk } from '../../helpers/cli.js';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp.js';

const NOW = '2026-03-30T09:00:00Z';
const SOCKET = `desk-test-${process.pid}`;
let desk: TempDesk;
let smtp: TestSmtp;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'triage');
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Polls the pane until `pattern` shows (bounded: a few seconds), returning the screen. */
async function waitFor(pattern: RegExp | string | ((screen: string) => boolean), timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  const seen = typeof pattern === 'function' ? pattern : (s: string) => (typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s));
  while (Date.now() < deadline) {
    last = screen();
    if (seen(last)) return last;
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`timed out waiting for ${pattern}; the screen shows:\n${last}`);
}

const keys = (...k: string[]) => tmux('send-keys', '-t', 'triage', ...k);
const typeText = (text: string) => tmux('send-keys', '-t', 'triage', '-l', text);

function ok(args: string[]): string {
  const r = desk.run(args);
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  // A session that lives as long as the file: killing a test's session then never takes the
  // tmux server down while the next test's new-session connects ("server exited unexpectedly").
  tmux('new-session', '-d', '-s', 'keep-server', '-x', '80', '-y', '24', 'sleep 86400');
  smtp = await startTestSmtp();
  desk = tempDesk({ DESK_NOW: NOW, DESK_AGENT: 'ana' });
  mkdirSync(join(desk.dir, 'templates'));
  writeFileSync(join(desk.dir, 'templates', 'thanks-waiting.md'), [
    '---', 'name: thanks-waiting', 'title: Thanks for waiting', 'tags: [general]', '---',
    'Hi {{ customer.first_name | default: "there" }}, thanks for waiting: we are on it.', '', '{{ agent.name }}', '',
  ].join('\n'));
  writeFileSync(desk.config, `templates: ./templates\nsmtp: { host: ${smtp.host}, port: ${smtp.port}, secure: false, from: support@desk.example }\n`);
  ok(['agent', 'add', 'ana', '--email', 'ana@desk.example']);
  ok(['agent', 'add', 'ben', '--email', 'ben@desk.example']);
});
afterAll(async () => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  desk.cleanup();
  await smtp.close();
});

/** Starts `desk triage ARGS` in a fresh 80x24 pane; the pane records the terminal settings around it. */
function startTriage(args: string[] = [], extraEnv: Record<string, string> = {}): { stty: string } {
  spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', 'triage']);
  const env = Object.entries({ ...desk.env, ...extraEnv }).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
  const stty = join(desk.dir, `stty-${Date.now()}`);
  const script = `stty -g > ${stty}.before; env ${env} ${quote(process.execPath)} ${quote(BIN)} triage ${args.map(quote).join(' ')}; code=$?; stty -g > ${stty}.after; echo "__EXIT__$code"; sleep 600`;
  tmux('new-session', '-d', '-s', 'triage', '-x', '80', '-y', '24', script);
  return { stty };
}

const sttyRestored = (stty: string) => expect(readFileSync(`${stty}.after`, 'utf8')).toBe(readFileSync(`${stty}.before`, 'utf8'));

test('open, move, take, escalate, reply with a canned reply, quit', async () => {
  const created = (subject: string, extra: string[] = []) =>
    JSON.parse(ok(['new', '--from', 'joao@example.com', '--name', 'João Silva', '--subject', subject, '--body', 'It broke.', '--json', ...extra])).id as number;
  const first = created('Site is down', ['--priority', 'urgent']);
  const second = created('Export fails with error 500');
  const third = created('Question about invoices', ['--priority', 'low']);

  const { stty } = startTriage();

  // Open: most urgent first.
  let s = await waitFor('desk triage · 3 need someone');
  expect(s.split('\n')[1]).toMatch(new RegExp(`^> #${first} +urgent`));
  expect(s).toMatch(new RegExp(`#${third} +low`));

  // Move to the second ticket.
  keys('j');
  s = await waitFor(new RegExp(`^> #${second} `, 'm'));
  expect(s).toContain(`#${second} Export fails with error 500`);

  // Take it.
  keys('t');
  s = await waitFor(`#${second} is yours now`);
  expect(s).toMatch(new RegExp(`^> #${second} +normal L1 +ana`, 'm'));

  // Escalate it to L2 with a reason.
  keys('e');
  await waitFor('Move from L1 to');
  keys('Enter');
  await waitFor('Reason:');
  typeText('needs DB access');
  keys('Enter');
  s = await waitFor(`#${second} moved L1 → L2`);
  // The new tier gets it: ana is no L2 agent, and no tier_assignment is configured.
  expect(s).toMatch(new RegExp(`^> #${second} +normal L2 +–`, 'm'));

  // Reply with a canned reply picked from a filtered list, after a preview.
  keys('c');
  await waitFor('Canned reply (type to filter)');
  typeText('thanks wait');
  await waitFor('thanks-waiting — Thanks for waiting');
  keys('Enter');
  s = await waitFor('Send it?');
  expect(s).toContain('Hi João, thanks for waiting: we are on it.'); // the preview, rendered for this ticket
  keys('Enter');
  // Back on the queue screen, the status line (row 23) says what became of the reply.
  const statusLine = (scr: string) => scr.split('\n')[22] ?? '';
  s = await waitFor((scr) => scr.includes('q quit') && statusLine(scr).trim() !== '');
  expect(statusLine(s)).toContain(`#${second}`);
  expect(statusLine(s)).not.toContain('not sent');

  // Quit: the terminal is handed back as it was found.
  keys('q');
  await waitFor('__EXIT__0');
  sttyRestored(stty);

  // The database holds exactly what the agent did, as the agent.
  const t = JSON.parse(ok(['show', String(second), '--json']));
  expect(t.events).toEqual([
    { at: NOW, actor: 'ana', type: 'assign', from: null, to: 'ana' },
    { at: NOW, actor: 'ana', type: 'escalate', from: 'L1', to: 'L2', reason: 'needs DB access' },
    { at: NOW, actor: 'ana', type: 'assign', from: 'ana', to: null, reason: 'moved to L2' },
    expect.objectContaining({ at: NOW, actor: 'ana', type: 'reply' }),
  ]);
  expect(t.messages.at(-1)).toMatchObject({ direction: 'out', author: 'ana', text: expect.stringContaining('Hi João, thanks for waiting: we are on it.') });
  expect(smtp.received.map((m) => m.to)).toEqual([['joao@example.com']]);
  for (const other of [first, third]) expect(JSON.parse(ok(['show', String(other), '--json'])).events).toEqual([]);
});

test('taking a ticket another agent just took says so and overwrites nothing; Ctrl-C quits cleanly', async () => {
  ok(['agent', 'add', 'carl', '--email', 'carl@desk.example']);
  const id = JSON.parse(ok(['new', '--from', 'x@example.com', '--subject', 'Contested', '--priority', 'urgent', '--queue', 'contested', '--json'])).id as number;
  ok(['assign', String(id), 'carl']);
  const { stty } = startTriage(['--queue', 'contested']);
  await waitFor(new RegExp(`^> #${id} +urgent L1 +carl `, 'm'));

  // Ana asks to take carl's ticket; while she is asked whether she is sure, Ben takes it from his
  // own shell. (The screen follows others' changes live, but not over an open question.)
  keys('t');
  await waitFor(`#${id} is carl's. Take it anyway?`);
  const r = desk.run(['assign', String(id), 'ben'], { env: { DESK_AGENT: 'ben' } });
  expect(r.code).toBe(0);
  keys('y', 'Enter');
  const s = await waitFor(`#${id} was just taken by ben`);
  expect(s).toMatch(new RegExp(`^> #${id} +urgent L1 +ben `, 'm')); // the screen now shows it as it is

  keys('C-c');
  await waitFor('__EXIT__0');
  sttyRestored(stty);
  const t = JSON.parse(ok(['show', String(id), '--json']));
  expect(t.assignee).toBe('ben');
  expect(t.events).toEqual([
    { at: NOW, actor: 'ana', type: 'assign', from: null, to: 'carl' },
    { at: NOW, actor: 'ben', type: 'assign', from: 'carl', to: 'ben' },
  ]);
});

test('a signal ends triage with the terminal handed back', async () => {
  const { stty } = startTriage();
  await waitFor('desk triage ·');
  const pid = tmux('list-panes', '-t', 'triage', '-F', '#{pane_pid}').trim();
  const node = execFileSync('pgrep', ['-P', pid, '-f', 'triage'], { encoding: 'utf8' }).trim().split('\n')[0]!;
  process.kill(Number(node), 'SIGTERM');
  await waitFor(/__EXIT__\d+/);
  sttyRestored(stty);
  expect(screen()).not.toContain('desk triage ·'); // back on the main screen
});

test('a reply written in the editor is previewed and sent; the screen comes back', async () => {
  const id = JSON.parse(ok(['new', '--from', 'eve@example.com', '--subject', 'Editor reply', '--body', 'Any news?', '--queue', 'editor', '--json'])).id as number;
  // The "editor" writes the reply above the marker line, as an agent would, and exits.
  const { stty } = startTriage(['--queue', 'editor'], { VISUAL: "sed -i '1s/^/Fixed in the next release./'" });
  await waitFor(new RegExp(`^> #${id} `, 'm'));
  keys('r');
  const s = await waitFor('Send this reply?');
  expect(s).toContain('Fixed in the next release.');
  keys('Enter');
  await waitFor((scr) => scr.includes('q quit') && (scr.split('\n')[22] ?? '').includes(`#${id}`));
  keys('q');
  await waitFor('__EXIT__0');
  sttyRestored(stty);
  const t = JSON.parse(ok(['show', String(id), '--json']));
  expect(t.messages.at(-1)).toMatchObject({ direction: 'out', author: 'ana', text: 'Fixed in the next release.\n\nBest regards,\nana\n' });
  expect(t.events.map((e: { type: string; actor: string }) => [e.actor, e.type])).toEqual([['ana', 'reply']]);
});

test('keys that arrive together are all handled: jjj moves three rows; canned choices preview the rendered reply', async () => {
  const ids = ['One', 'Two', 'Three', 'Four', 'Five'].map((s) =>
    JSON.parse(ok(['new', '--from', 'maria@example.com', '--name', 'Maria Souza', '--subject', `Paste ${s}`, '--queue', 'paste', '--json'])).id as number);
  const { stty } = startTriage(['--queue', 'paste']);
  const s0 = await waitFor('desk triage · 5 need someone');
  // The rows as the screen orders them; the first is selected.
  const rows = [...s0.matchAll(/^[> ] #(\d+) /gm)].map((m) => Number(m[1]));
  expect([...rows].sort((a, b) => a - b)).toEqual(ids);
  expect(s0).toMatch(new RegExp(`^> #${rows[0]} `, 'm'));

  // Three keys in one write, as a paste, key repeat or a slow link delivers them.
  typeText('jjj');
  await waitFor(new RegExp(`^> #${rows[3]} `, 'm'), 5_000);
  typeText('kk');
  await waitFor(new RegExp(`^> #${rows[1]} `, 'm'), 5_000);

  // The canned reply list previews each reply filled in for this customer, not its Liquid source.
  keys('c');
  await waitFor('Canned reply (type to filter)');
  typeText('thanks wait');
  const s = await waitFor('thanks-waiting — Thanks for waiting');
  expect(s).toContain('Hi Maria, thanks for waiting: we are on it.');
  expect(s).not.toContain('{{');
  keys('Escape');
  await waitFor('q quit');
  keys('q');
  await waitFor('__EXIT__0');
  sttyRestored(stty);
  for (const id of ids) expect(JSON.parse(ok(['show', String(id), '--json'])).events).toEqual([]);
});
