// `desk show` and `desk sla explain` page their output on a terminal, as git does, and never
// when piped. Run in a real terminal (tmux, 80x24) with the real `less`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDesk, type TempDesk } from '../helpers/cli.js';

const SOCKET = `desk-pager-${process.pid}`;
const NOW = '2026-03-30T09:00:00Z';
let desk: TempDesk;
let longId: number;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'pager');
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function waitFor(seen: (screen: string) => boolean, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = screen();
    if (seen(last)) return last;
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`timed out; the screen shows:\n${last}`);
}

/** Runs desk in a fresh 80x24 pane; the line __EXIT__<code> shows when it is done. */
function start(args: string[], env: Record<string, string> = {}): void {
  spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', 'pager']);
  const vars = Object.entries({ ...desk.env, TERM: 'xterm', ...env }).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
  const script = `env -u PAGER -u LESS ${vars} ${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}; echo "__EXIT__$?"; sleep 600`;
  tmux('new-session', '-d', '-s', 'pager', '-x', '80', '-y', '24', script);
}

beforeAll(() => {
  // A session that lives as long as the file: killing a test's session then never takes the
  // tmux server down while the next test's new-session connects ("server exited unexpectedly").
  tmux('new-session', '-d', '-s', 'keep-server', '-x', '80', '-y', '24', 'sleep 86400');
  desk = tempDesk({ DESK_NOW: NOW });
  const body = Array.from({ length: 60 }, (_, i) => `line ${i + 1} of the customer's long story`).join('\n');
  const r = desk.run(['new', '--from', 'a@b.example', '--subject', 'A long story', '--body', '-', '--json'], { input: body });
  longId = JSON.parse(r.stdout).id;
  desk.run(['new', '--from', 'a@b.example', '--subject', 'Short', '--body', 'hi']);
  writeFileSync(join(desk.dir, 'sla.yaml'), 'policies:\n  - { name: default, match: {}, calendar: 24x7, first_response: 1h }\n');
  writeFileSync(desk.config, 'sla: ./sla.yaml\ntimezone: UTC\n');
  // A pager that records what it was given, to tell paged output from direct output.
  const recorder = join(desk.dir, 'pager.sh');
  writeFileSync(recorder, `#!/bin/sh\ncat > "${join(desk.dir, 'paged.txt')}"\necho "LESS=$LESS" >> "${join(desk.dir, 'paged.txt')}"\n`);
  chmodSync(recorder, 0o755);
});
afterAll(() => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  desk.cleanup();
});

test('show on a terminal opens less at the top; q leaves it and desk exits 0', async () => {
  start(['show', String(longId)]);
  const first = await waitFor((s) => s.includes('line 10 of'));
  expect(first).toContain('#1 A long story');
  expect(first).not.toContain('line 60 of');
  expect(first).not.toContain('__EXIT__');
  tmux('send-keys', '-t', 'pager', 'G'); // to the end, as in any pager
  await waitFor((s) => s.includes('line 60 of'));
  tmux('send-keys', '-t', 'pager', 'q');
  await waitFor((s) => s.includes('__EXIT__0'));
});

test('output that fits the screen is printed and the pager quits by itself (LESS=FRX)', async () => {
  start(['show', '2']);
  const s = await waitFor((x) => x.includes('__EXIT__'));
  expect(s).toContain('#2 Short');
  expect(s).toContain('__EXIT__0');
});

test('sla explain goes through $PAGER on a terminal; DESK_PAGER=cat turns paging off', async () => {
  const paged = join(desk.dir, 'paged.txt');
  start(['sla', 'explain', '2'], { PAGER: join(desk.dir, 'pager.sh') });
  await waitFor((s) => s.includes('__EXIT__0'));
  expect(readFileSync(paged, 'utf8')).toMatch(/^#2 Short\n[\s\S]*first_response[\s\S]*LESS=FRX\n$/);
  spawnSync('rm', ['-f', paged]);
  start(['sla', 'explain', '2'], { PAGER: join(desk.dir, 'pager.sh'), DESK_PAGER: 'cat' });
  const s = await waitFor((x) => x.includes('__EXIT__0'));
  expect(s).toContain('first_response');
  expect(existsSync(paged)).toBe(false);
});

test('piped, nothing is paged: the whole text comes out', () => {
  const r = desk.run(['show', String(longId)], { env: { PAGER: join(desk.dir, 'pager.sh') } });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('line 60 of');
  expect(existsSync(join(desk.dir, 'paged.txt'))).toBe(false);
});
