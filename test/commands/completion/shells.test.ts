// Shell completion as an agent meets it: the script `desk completion SHELL` prints, loaded into a
// real bash, zsh and fish in a terminal (tmux), with Tab pressed after a partial word. Commands
// and flags come from the command tree; ticket ids, canned replies, agents, queues and tags from
// the desk's own store through `desk __complete`.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDesk, type TempDesk } from '../../helpers/cli.js';

const SOCKET = `desk-complete-${process.pid}`;
let desk: TempDesk;
let binDir: string;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function ok(args: string[], input?: string): string {
  const r = desk.run(args, { input });
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const ticket = (id: number, subject: string, extra: object = {}) => JSON.stringify({
  id, subject, status: 'open', priority: 'normal', tier: 'L1', tags: [], requester: { email: 'c@example.com' },
  created_at: '2026-03-20T09:00:00Z', updated_at: '2026-03-20T09:00:00Z',
  messages: [{ message_id: `<t${id}@example.com>`, direction: 'in', from: 'c@example.com', date: '2026-03-20T09:00:00Z', text: 'Help' }],
  events: [], ...extra,
});

beforeAll(() => {
  // A session that lives as long as the file: killing a test's session then never takes the
  // tmux server down while the next test's new-session connects ("server exited unexpectedly").
  tmux('new-session', '-d', '-s', 'keep-server', '-x', '80', '-y', '24', 'sleep 86400');
  desk = tempDesk({ DESK_NOW: '2026-03-25T10:00:00Z' });
  writeFileSync(desk.config, 'timezone: UTC\n');
  ok(['agent', 'add', 'ana', '--email', 'ana@desk.example', '--display-name', 'Ana Costa']);
  ok(['agent', 'add', 'ben', '--email', 'ben@desk.example']);
  ok(['import', '-'], [
    ticket(7, 'Login loop'), ticket(42, 'Export fails', { queue: 'billing', tags: ['export'] }), ticket(1234, 'Invoice address'),
  ].join('\n') + '\n');
  // `desk` on the PATH of the shells, as `npm link` would put it.
  binDir = join(desk.dir, 'bin');
  mkdirSync(binDir);
  writeFileSync(join(binDir, 'desk'), `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(BIN)} "$@"\n`);
  chmodSync(join(binDir, 'desk'), 0o755);
});
afterAll(async () => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  // The shells may still be writing their history into the temp home while they exit.
  for (let i = 0; ; i++) {
    try {
      desk.cleanup();
      return;
    } catch (err) {
      if (i >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

const SHELLS: Record<string, string> = {
  bash: `bash --norc --noprofile -i`,
  zsh: `zsh -f -i`,
  fish: `fish --no-config -i`,
};
const SETUP: Record<string, string> = {
  bash: `PS1='$ '; source <(desk completion bash)`,
  zsh: `PROMPT='$ '; autoload -U compinit && compinit -u && source <(desk completion zsh)`,
  fish: `function fish_prompt; echo -n '$ '; end; set -g fish_autosuggestion_enabled 0; desk completion fish | source`,
};

function startShell(shell: string): void {
  spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', shell]);
  const env = Object.entries({ ...desk.env, PATH: `${binDir}:${desk.env.PATH}`, TERM: 'xterm-256color' }).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
  tmux('new-session', '-d', '-s', shell, '-x', '160', '-y', '40', `env -i ${env} ${SHELLS[shell]}`);
  tmux('send-keys', '-t', shell, '-l', SETUP[shell]!);
  tmux('send-keys', '-t', shell, 'Enter');
}

/** The last prompt line on the screen, once it satisfies `check` (bounded wait). */
async function promptLine(shell: string, check: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const lines = tmux('capture-pane', '-p', '-t', shell).split('\n').filter((l) => /^\$( |$)/.test(l));
    last = lines.at(-1) ?? '';
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out; the ${shell} prompt shows: ${JSON.stringify(last)}\n${tmux('capture-pane', '-p', '-t', shell)}`);
}

const CASES: [string, string][] = [
  ['desk compl', 'desk completion '],
  ['desk sla re', 'desk sla report '],
  ['desk sla report --for', 'desk sla report --format '],
  ['desk sla report --format ht', 'desk sla report --format html '],
  ['desk show 12', 'desk show 1234 '],
  ['desk reply 42 --canned passw', 'desk reply 42 --canned password-reset '],
  ['desk assign 42 be', 'desk assign 42 ben '],
  ['desk list --queue bil', 'desk list --queue billing '],
  ['desk list --status pend', 'desk list --status pending '],
  ['desk list --tag expo', 'desk list --tag export '],
  ['desk canned show known', 'desk canned show known-outage '],
  ['desk agent set an', 'desk agent set ana '],
];

describe.each(Object.keys(SHELLS))('%s', (shell) => {
  test('Tab completes commands, flags, fixed values and the desk’s tickets, canned replies, agents, queues and tags', async () => {
    startShell(shell);
    await promptLine(shell, (l) => l.trim() === '$', 15_000);
    const wrong: string[] = [];
    for (const [typed, expected] of CASES) {
      tmux('send-keys', '-t', shell, '-l', typed);
      await promptLine(shell, (l) => l.startsWith(`$ ${typed}`));
      tmux('send-keys', '-t', shell, 'Tab');
      try {
        await promptLine(shell, (l) => l.trimEnd() === `$ ${expected.trimEnd()}`, 5_000);
      } catch (err) {
        wrong.push(`${typed} → ${(err as Error).message.split('\n')[0]}`);
      }
      tmux('send-keys', '-t', shell, 'C-c');
      await promptLine(shell, (l) => l.trim() === '$');
    }
    expect(wrong).toEqual([]);
  });
});

test('__complete prints one safe line per value, whatever the subjects and names hold', () => {
  // Every C0 and C1 control, DEL, separators and bidi overrides, in subjects; tags and queues with spaces.
  const controls = [...Array.from({ length: 0x20 }, (_, i) => i), 0x7f, ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i), 0x2028, 0x2029, 0x202e, 0x2066]
    .map((c) => String.fromCodePoint(c));
  ok(['import', '-'], controls.map((c, i) => ticket(5000 + i, `Sub${c}ject ${i}\x1b]52;c;AAAA\x07`, { queue: i % 2 ? `queue ${i}` : `q${i}` })).join('\n') + '\n');
  const out = ok(['__complete', 'tickets']);
  const lines = out.trimEnd().split('\n');
  expect(lines.length).toBe(3 + controls.length);
  for (const l of lines) expect(l).toMatch(/^\d+\t[^\p{C}]*$/u);
  // A queue with a space would split into two words in a shell: it is left out.
  const queues = ok(['__complete', 'queues']).trimEnd().split('\n');
  expect(queues).toContain('billing');
  expect(queues.some((q) => /\s/.test(q))).toBe(false);
  expect(ok(['__complete', 'assignees']).split('\n').slice(0, 3)).toEqual(['me\tyourself', 'none\tunassigned', 'ana\tAna Costa']);
  const bad = desk.run(['__complete', 'secrets']);
  expect(bad.code).toBe(2);
  expect(desk.run(['completion', 'powershell']).code).toBe(2);
});
