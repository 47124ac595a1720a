// The triage screen under hostile mail, in a real terminal (tmux, 80x24, colour on): generated
// control characters, escape sequences and bidi controls in subjects, requester names, bodies,
// notes and (as an older desk could have stored) a queue. Every byte desk writes to the terminal
// is recorded (tmux pipe-pane) while the agent moves through the queue, opens the question
// prompts and reads a thread: none of the hostile sequences may reach the terminal raw, and the
// window title must stay as it was.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDesk, type TempDesk } from '../../helpers/cli.js';
import { hostileStrings } from '../../helpers/hostile.js';
import { openStore } from '../../../src/store/index.js';

const NOW = '2026-03-30T09:00:00Z';
const SOCKET = `desk-hostile-${process.pid}`;
const N = 6;
const H = hostileStrings(4242, N);
const h = (i: number) => H[i % N]!;
let desk: TempDesk;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'triage');
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const keys = (...k: string[]) => tmux('send-keys', '-t', 'triage', ...k);

/** Polls the pane until `pattern` shows (bounded), returning the screen. */
async function waitFor(pattern: RegExp | string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  const seen = (s: string) => (typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s));
  while (Date.now() < deadline) {
    last = screen();
    if (seen(last)) return last;
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`timed out waiting for ${pattern}; the screen shows:\n${last}`);
}

beforeAll(async () => {
  desk = tempDesk({ DESK_NOW: NOW, DESK_AGENT: 'ana', NO_COLOR: '', PAGER: 'cat' });
  const lines = H.map((_, i) => JSON.stringify({
    subject: h(i), priority: 'high', requester: { email: `c${i}@customer.example`, name: h(i + 1) },
    created_at: '2026-03-30T08:00:00Z',
    messages: [{ message_id: `<m${i}@customer.example>`, from: `c${i}@customer.example`, from_name: h(i + 2), date: '2026-03-30T08:00:00Z', text: h(i + 3) }],
    events: [{ at: '2026-03-30T08:10:00Z', actor: 'ana', type: 'note', text: h(i + 4) }],
  }));
  writeFileSync(join(desk.dir, 'hostile.jsonl'), lines.join('\n') + '\n');
  const r = desk.run(['import', join(desk.dir, 'hostile.jsonl')]);
  if (r.code !== 0) throw new Error(r.stderr);
  // A queue and tags from before names were checked: the store is written directly.
  const store = await openStore({ location: desk.db });
  try {
    await store.db.updateTable('tickets').set({ queue: h(5), tags: JSON.stringify([h(0)]) }).execute();
  } finally {
    await store.close();
  }
});

afterAll(() => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  desk.cleanup();
});

test('every byte triage writes is inert, through the queue, the prompts and the thread view', async () => {
  const raw = join(desk.dir, 'terminal.bytes');
  const env = Object.entries(desk.env).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
  // Triage starts only once every byte of the pane is being recorded.
  const script = `tmux -L ${SOCKET} wait-for recording; env ${env} ${quote(process.execPath)} ${quote(BIN)} triage; echo "__EXIT__$?"; sleep 600`;
  tmux('new-session', '-d', '-s', 'triage', '-x', '80', '-y', '24', script);
  const titleBefore = tmux('display-message', '-p', '-t', 'triage', '#{pane_title}');
  tmux('pipe-pane', '-t', 'triage', '-o', `cat >> ${quote(raw)}`);
  tmux('wait-for', '-S', 'recording');

  let s = await waitFor(`desk triage · ${N} need someone`);
  expect(s).toContain('hostile');
  for (let i = 0; i < 3; i++) {
    keys('j');
    keys('u'); // the queue prompt, whose default would be the stored queue
    s = await waitFor('Move to queue');
    expect(s).not.toMatch(/\^\[\[(1|22)m/); // desk's own bold title is still bold, not shown as text
    keys('Escape');
    await waitFor('q quit');
    keys('g'); // the tags prompt shows the current tags
    await waitFor('Add +tag');
    keys('Escape');
    await waitFor('q quit');
  }
  keys('v'); // the thread, through the pager
  await waitFor('q quit');
  keys('q');
  s = await waitFor('__EXIT__0');

  const bytes = readFileSync(raw);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  expect(text.length).toBeGreaterThan(1000);
  expect(text).toMatch(/\u001b\[(1|2|3[0-7]|9[0-7])m/); // colour was on: desk's own styles pass the boundary
  // No C1 control, no bidi control, no C0 control but the terminal's own line handling.
  const c1 = text.match(/[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g) ?? [];
  expect(c1.map((c) => c.codePointAt(0)!.toString(16))).toEqual([]);
  const c0 = text.match(/[\u0000-\u0006\u000e-\u001a\u001c-\u001f\u007f]/g) ?? [];
  expect(c0.map((c) => c.codePointAt(0)!.toString(16))).toEqual([]);
  // ESC only as the start of an ordinary control sequence (CSI); no OSC (titles, links,
  // clipboard), DCS or other escapes.
  const escapes = [...text.matchAll(/\u001b(?!\[[0-?]*[ -/]*[@-~])[\s\S]{0,12}/g)].map((m) => JSON.stringify(m[0]));
  expect(escapes).toEqual([]);
  // None of the hostile control sequences themselves.
  for (const seq of ['\u001b[8m', '\u001b[6n', '\u001b[1;31;5m', '\u001b[28m']) expect(text).not.toContain(seq);
  expect(tmux('display-message', '-p', '-t', 'triage', '#{pane_title}')).toBe(titleBefore);
});
