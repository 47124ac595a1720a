// Hostile text as a class: generated strings that together hold every character a terminal acts
// on (each C0 control, DEL, each C1 control, each bidi control), the escape sequences attackers
// use (window title, hyperlinks, screen clearing, hidden text, device queries, 8-bit CSI/OSC,
// DCS) and Markdown/HTML that a viewer would render (images that load, links, tags, table
// breaks); and the check that output carries none of them.
import { spawn, spawnSync } from 'node:child_process';
import { createRng } from './mailgen.js';
import { BIN, type TempDesk } from './cli.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Every code point that must not reach a terminal raw (newline and tab are allowed in text). */
export const CONTROL_POINTS = [...range(0x00, 0x1f), 0x7f, ...range(0x80, 0x9f)];
export const BIDI_POINTS = [0x061c, 0x200e, 0x200f, ...range(0x202a, 0x202e), ...range(0x2066, 0x2069)];

export const SEQUENCES = [
  '\u001b]0;PWNED\u0007', // set the window title
  '\u001b]8;;http://evil.example/\u001b\\click me\u001b]8;;\u001b\\', // OSC 8 hyperlink
  '\u001b[2J\u001b[H', // clear the screen
  '\u001b[8mhidden\u001b[28m', // conceal
  '\u001b[6n', // device status report: the terminal answers on stdin
  '\u001b[1;31;5mALERT\u001b[0m',
  '\u009b31m', // 8-bit CSI
  '\u009d0;PWNED\u009c', // 8-bit OSC
  '\u001bP+q544e\u001b\\', // DCS request
  '\u001b]52;c;cHduZWQ=\u0007', // write the clipboard
  'sudo rm\rsafe text', // carriage return overwrite
  'ok\u0008\u0008\u0008bad', // backspaces
  '\u202eexe.txt\u202c', // right-to-left override
];

export const MARKUP = [
  '![pixel](http://tracker.example/p.gif)',
  '[click](http://evil.example/)',
  '<img src="http://tracker.example/p.gif">',
  '<a href="http://evil.example/">x</a>',
  'a | b | c',
  'see http://tracker.example/x and www.evil.example',
];

export interface HostileOptions {
  /** leave out NUL (it cannot be in a command-line argument or a mail header) */
  noNul?: boolean;
  /** leave out line breaks (CR, LF) and tabs */
  oneLine?: boolean;
}

/**
 * `count` hostile strings from `seed`. Each starts with a plain, searchable word `hostile<i>`;
 * together they hold every control and bidi code point (round robin) and every sequence and
 * markup sample, mixed with random picks.
 */
export function hostileStrings(seed: number, count: number, opts: HostileOptions = {}): string[] {
  const rng = createRng(seed);
  const skip = (cp: number) => (opts.noNul && cp === 0) || (opts.oneLine && (cp === 0x0a || cp === 0x0d || cp === 0x09));
  const points = [...CONTROL_POINTS, ...BIDI_POINTS].filter((cp) => !skip(cp));
  const pieces = [...SEQUENCES, ...MARKUP].filter((s) => !opts.oneLine || !/[\r\n\t]/.test(s));
  const out: string[][] = Array.from({ length: count }, (_, i) => [`hostile${i}`]);
  points.forEach((cp, i) => out[i % count]!.push(`x${String.fromCodePoint(cp)}y`));
  pieces.forEach((p, i) => out[(i * 7) % count]!.push(p));
  for (const parts of out) {
    for (let k = 0; k < 2; k++) {
      const pick = rng.chance(0.5) ? String.fromCodePoint(rng.pick(points)) : rng.pick(pieces);
      parts.push(pick);
    }
  }
  return out.map((parts) => parts.join(' '));
}

// Allowed: tab, newline, and CR only as part of a CRLF line end (CSV).
// eslint-disable-next-line no-control-regex
const UNSAFE = /\r(?!\n)|[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** What in `bytes` (UTF-8 output) a terminal would act on; empty when the output is inert. */
export function unsafeIn(bytes: Buffer): string[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return ['output is not valid UTF-8'];
  }
  const found: string[] = [];
  for (const m of text.matchAll(UNSAFE)) {
    const at = m.index ?? 0;
    found.push(`U+${m[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${at}: …${JSON.stringify(text.slice(Math.max(0, at - 20), at + 20))}…`);
    if (found.length >= 5) break;
  }
  return found;
}

export interface ByteRun {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
  /** stdout as text */
  out: string;
  err: string;
}

/** Runs the built desk keeping its output as bytes. */
export function runBytes(desk: TempDesk, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): ByteRun {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...desk.env, ...opts.env }, input: opts.input ?? '', cwd: desk.dir, maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}

/** runBytes without blocking this process (when a server in it must answer desk). */
export function runBytesAsync(desk: TempDesk, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<ByteRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...desk.env, ...opts.env }, cwd: desk.dir });
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('close', (code) => {
      const stdout = Buffer.concat(out), stderr = Buffer.concat(err);
      resolve({ code: code ?? -1, stdout, stderr, out: stdout.toString('utf8'), err: stderr.toString('utf8') });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** The failure message for a run whose stdout or stderr is not inert (undefined when both are). */
export function leakOf(args: string[], r: ByteRun): string | undefined {
  const out = unsafeIn(r.stdout), err = unsafeIn(r.stderr);
  if (!out.length && !err.length) return undefined;
  return `desk ${JSON.stringify(args)} (exit ${r.code}) leaked:${out.map((x) => `\n  stdout ${x}`).join('')}${err.map((x) => `\n  stderr ${x}`).join('')}`;
}

/** Runs desk and fails the test with the offending bytes if stdout or stderr is not inert. */
export function inert(desk: TempDesk, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): ByteRun {
  const r = runBytes(desk, args, opts);
  const leak = leakOf(args, r);
  if (leak) throw new Error(leak);
  return r;
}

/** inert(), and the command must succeed. */
export function inertOk(desk: TempDesk, args: string[]): ByteRun {
  const r = inert(desk, args);
  if (r.code !== 0) throw new Error(`desk ${JSON.stringify(args)} exited ${r.code}: ${r.err}`);
  return r;
}
