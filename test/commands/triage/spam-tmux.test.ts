// Spam from the triage screen, as an agent does it in a real terminal (tmux): `!` on the selected
// ticket asks whether to block the sender; the ticket leaves the queue and the sender is blocked.
import { execFileSync, spawnSync } from 'node:child_process';
import { BIN, tempDesk, type TempDesk } from '../../helpers/cli.js';

const NOW = '2026-03-30T09:00:00Z';
const SOCKET = `desk-spam-test-${process.pid}`;
let desk: TempDesk;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'triage');
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const keys = (...k: string[]) => tmux('send-keys', '-t', 'triage', ...k);

async function waitFor(text: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = screen();
    if (last.includes(text)) return last;
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`timed out waiting for ${text}; the screen shows:\n${last}`);
}

function ok(args: string[]): string {
  const r = desk.run(args);
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  tmux('new-session', '-d', '-s', 'keep-server', '-x', '80', '-y', '24', 'sleep 86400');
  desk = tempDesk({ DESK_NOW: NOW, DESK_AGENT: 'ana' });
});
afterAll(() => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  desk.cleanup();
});

test("'!' moves the selected ticket to spam and blocks its sender when the agent says so", async () => {
  const created = (from: string, subject: string, priority: string) =>
    JSON.parse(ok(['new', '--from', from, '--subject', subject, '--body', 'Hello.', '--priority', priority, '--json'])).id as number;
  const spam = created('winner@prize.example', 'You have won', 'urgent');
  const real = created('joao@example.com', 'Export fails', 'low');

  const env = Object.entries(desk.env).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
  tmux('new-session', '-d', '-s', 'triage', '-x', '80', '-y', '24',
    `env ${env} ${quote(process.execPath)} ${quote(BIN)} triage; echo "__EXIT__$?"; sleep 600`);
  await waitFor(`> #${spam} `);
  keys('!');
  await waitFor(`Move #${spam} to spam?`);
  keys('Enter'); // the first choice: yes, and block the sender
  await waitFor(`#${spam} moved to spam`);
  keys('q');
  await waitFor('__EXIT__0');

  expect((JSON.parse(ok(['list', '--all', '--json'])) as { id: number }[]).map((t) => t.id)).toEqual([real]);
  const listed = JSON.parse(ok(['spam', 'list', '--json']));
  expect(listed).toEqual([expect.objectContaining({ ticket: spam, sender: 'winner@prize.example', blocked: 'winner@prize.example' })]);
  expect(JSON.parse(ok(['spam', 'senders', '--json']))).toEqual([expect.objectContaining({ pattern: 'winner@prize.example', verdict: 'block', added_by: 'ana' })]);
});
