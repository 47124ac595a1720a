// Drives `desk triage` in a real terminal: a tmux server of the test file's own, a pane of a
// given size running the built CLI, keys sent as an agent types them, the screen read back.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, type TempDesk } from './cli.js';

export interface TriagePane {
  /** The pane as it shows now. */
  screen(): string;
  /** Polls the pane until `pattern` shows (bounded), returning the screen. */
  waitFor(pattern: RegExp | string | ((screen: string) => boolean), timeoutMs?: number): Promise<string>;
  keys(...k: string[]): void;
  typeText(text: string): void;
  /** Starts `desk ARGS` (e.g. triage) in a fresh pane; the pane records the terminal settings around it. */
  start(desk: TempDesk, args: string[], opts?: { env?: Record<string, string>; columns?: number; rows?: number }): void;
  /** The terminal settings after desk ended are those before it started. */
  sttyRestored(): boolean;
  /** Ends the tmux server (afterAll). */
  close(): void;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function triagePane(name: string): TriagePane {
  const socket = `desk-${name}-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  // A session that lives as long as the pane helper: killing a test's session then never takes
  // the tmux server down while the next test's new-session connects.
  tmux('new-session', '-d', '-s', 'keep-server', '-x', '80', '-y', '24', 'sleep 86400');
  let stty = '';
  const pane: TriagePane = {
    screen: () => tmux('capture-pane', '-p', '-t', 'triage'),
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const seen = typeof pattern === 'function' ? pattern : (s: string) => (typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s));
      let last = '';
      while (Date.now() < deadline) {
        last = pane.screen();
        if (seen(last)) return last;
        await new Promise((r) => setTimeout(r, 40));
      }
      throw new Error(`timed out waiting for ${String(pattern)}; the screen shows:\n${last}`);
    },
    keys: (...k) => void tmux('send-keys', '-t', 'triage', ...k),
    typeText: (text) => void tmux('send-keys', '-t', 'triage', '-l', text),
    start(desk, args, opts = {}) {
      spawnSync('tmux', ['-L', socket, 'kill-session', '-t', 'triage']);
      const env = Object.entries({ ...desk.env, ...opts.env }).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
      stty = join(desk.dir, `stty-${Date.now()}`);
      const script = `stty -g > ${stty}.before; env ${env} ${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}; code=$?; stty -g > ${stty}.after; echo "__EXIT__$code"; sleep 600`;
      tmux('new-session', '-d', '-s', 'triage', '-x', String(opts.columns ?? 80), '-y', String(opts.rows ?? 24), script);
    },
    sttyRestored: () => readFileSync(`${stty}.after`, 'utf8') === readFileSync(`${stty}.before`, 'utf8'),
    close: () => void spawnSync('tmux', ['-L', socket, 'kill-server']),
  };
  return pane;
}
