// Bulk changes in a real terminal (tmux): in triage, space marks tickets and an action key acts
// on all of them, asked once; on the command line, a query over bulk.confirmAbove asks first.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { BIN, tempDesk, type TempDesk } from '../../helpers/cli.js';

const NOW = '2026-03-30T09:00:00Z';
const SOCKET = `desk-bulk-test-${process.pid}`;
let desk: TempDesk;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const screen = (s: string) => tmux('capture-pane', '-p', '-t', s);
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const keys = (s: string, ...k: string[]) => tmux('send-keys', '-t', s, ...k);

async function waitFor(s: string, text: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = screen(s);
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

const inTmux = (session: string, args: string) => {
  const env = Object.entries(desk.env).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
  tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '24', `env ${env} ${quote(process.execPath)} ${quote(BIN)} ${args}; echo "__EXIT__$?"; sleep 600`);
};

beforeAll(() => {
  tmux('new-session', '-d', '-s', 'keep-server', '-x', '80', '-y', '24', 'sleep 86400');
  desk = tempDesk({ DESK_NOW: NOW, DESK_AGENT: 'ana' });
});
afterAll(() => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  desk.cleanup();
});

test('triage: space marks, x closes every marked ticket after one question; the CLI asks above the limit', async () => {
  const created = (subject: string, priority: string) =>
    JSON.parse(ok(['new', '--from', 'joao@example.com', '--subject', subject, '--body', 'Hello.', '--priority', priority, '--json'])).id as number;
  const a = created('Flood one', 'urgent');
  const b = created('Flood two', 'high');
  const c = created('Real question', 'normal');

  inTmux('triage', 'triage');
  await waitFor('triage', `> #${a} `);
  keys('triage', 'Space');
  keys('triage', 'Space');
  await waitFor('triage', '2 marked');
  expect(screen('triage')).toContain(`*#${a} `);
  keys('triage', 'x');
  await waitFor('triage', 'Change 2 marked ticket(s): status → closed?');
  keys('triage', 'Enter');
  await waitFor('triage', '2 ticket(s) changed: status → closed');
  keys('triage', 'q');
  await waitFor('triage', '__EXIT__0');
  expect((JSON.parse(ok(['list', '--json'])) as { id: number }[]).map((t) => t.id)).toEqual([c]);
  for (const id of [a, b]) {
    const events = JSON.parse(ok(['show', String(id), '--json'])).events as { type: string; to: string }[];
    expect(events.filter((e) => e.type === 'status')).toEqual([expect.objectContaining({ to: 'closed', actor: 'ana' })]);
  }

  // On a terminal, more tickets than bulk.confirmAbove: asked first; "n" changes nothing, "y" all.
  writeFileSync(desk.config, 'bulk:\n  confirmAbove: 1\n');
  inTmux('no', 'set status:closed --status open');
  await waitFor('no', 'Change 2 tickets? [y/N]');
  keys('no', 'n', 'Enter');
  await waitFor('no', '__EXIT__0');
  expect(screen('no')).toContain('nothing changed');
  inTmux('yes', 'set status:closed --tag +flood');
  await waitFor('yes', 'Change 2 tickets? [y/N]');
  keys('yes', 'y', 'Enter');
  await waitFor('yes', '__EXIT__0');
  expect(screen('yes')).toContain('updated 2 ticket(s)');
  expect((JSON.parse(ok(['list', 'tag:flood', '--all', '--json'])) as { id: number }[]).map((t) => t.id).sort()).toEqual([a, b]);
});
