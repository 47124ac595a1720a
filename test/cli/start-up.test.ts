// Start-up: desk compiles its bundle with V8's code cache, kept in the user's cache directory
// ($XDG_CACHE_HOME/desk). The cache must never change what a command does: written on the
// first run, used after, replaced when damaged or refused, named anew when the bundle changes,
// and a cache directory that cannot be used only means running without it.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, tempDesk, type TempDesk } from '../helpers/cli.js';

const MAGIC = 'desk-code-cache-1\n';

let d: TempDesk;
let cacheHome: string;
const cacheDir = () => join(cacheHome, 'desk');

beforeEach(() => {
  d = tempDesk();
  cacheHome = join(d.dir, 'cache');
  d.env.XDG_CACHE_HOME = cacheHome;
  expect(d.run(['new', '--from', 'ana@example.com', '--subject', 'Printer on fire']).code).toBe(0);
  rmSync(cacheHome, { recursive: true, force: true }); // from here on, the runs this test makes
});
afterEach(() => d.cleanup());

/** The cache files in the cache directory (no temp files: those must never stay behind). */
function cacheFiles(): string[] {
  return existsSync(cacheDir()) ? readdirSync(cacheDir()).sort() : [];
}

/** The only cache file (the bundle's: no command here loads a library bundled apart). */
function theCache(): string {
  const files = cacheFiles();
  expect(files).toEqual([expect.stringMatching(/^bundle-[0-9a-f]+\.cache$/)]);
  return join(cacheDir(), files[0]!);
}

/** The commands a cache file says it was written after. */
const commandsOf = (file: string) => readFileSync(file, 'latin1').split('\n')[1]!.split(' ');

function ok(args: string[], env: Record<string, string> = {}): string {
  const r = d.run(args, { env });
  expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
  return r.stdout;
}

/** A seeded generator, so that a failing case can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('the first command writes the cache, later ones use it as it is, and every command prints the same', () => {
  // DESK_NO_COMPILE_CACHE=1: no cache at all.
  const uncached = ok(['list', '--json'], { DESK_NO_COMPILE_CACHE: '1' });
  expect(ok(['show', '1'], { DESK_NO_COMPILE_CACHE: '1' })).toContain('Printer on fire');
  expect(existsSync(cacheHome)).toBe(false);

  expect(ok(['list', '--json'])).toBe(uncached);
  const file = theCache();
  expect(readFileSync(file, 'latin1').startsWith(MAGIC)).toBe(true);
  expect(commandsOf(file)).toEqual(['list']);
  const written = statSync(file);

  // Used, not written again (a cache V8 refused would be rewritten).
  expect(ok(['list', '--json'])).toBe(uncached);
  expect(statSync(file).mtimeMs).toBe(written.mtimeMs);
  expect(statSync(file).ino).toBe(written.ino);

  // A command it has not seen yet adds its functions once; then it stays as it is.
  const shown = ok(['show', '1']);
  expect(commandsOf(file)).toEqual(['list', 'show']);
  expect(ok(['show', '1'])).toBe(shown);
  expect(ok(['--version'])).toMatch(/^\d+\.\d+\.\d+/);
  expect(commandsOf(file)).toEqual(['list', 'show', '-']);
  const last = statSync(file);
  expect(ok(['list', '--json'])).toBe(uncached);
  expect(ok(['show', '1'])).toBe(shown);
  expect(statSync(file).mtimeMs).toBe(last.mtimeMs);
});

test('a damaged cache file is ignored and replaced, whatever the damage', () => {
  const expected = ok(['list', '--json']);
  const file = theCache();
  const whole = readFileSync(file);
  const headEnd = whole.indexOf(10, MAGIC.length) + 1; // after the commands line
  const data = whole.subarray(headEnd + 20);
  const next = random(20261126);
  const damages: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['magic only', Buffer.from(MAGIC)],
    ['cut short', whole.subarray(0, Math.floor(whole.length * next()))],
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, () => Math.floor(next() * 256)))],
    ['no commands line', Buffer.concat([Buffer.from(MAGIC), Buffer.alloc(64, 0x41)])],
  ];
  for (let i = 0; i < 4; i++) {
    const flipped = Buffer.from(whole);
    const at = headEnd + Math.floor(next() * (whole.length - headEnd));
    flipped[at] = flipped[at]! ^ (1 + Math.floor(next() * 255));
    damages.push([`byte ${at} changed`, flipped]);
  }
  // Whole by its own digest, but not V8's data (or another V8's): V8 refuses it.
  const garbage = Buffer.from(data.map(() => Math.floor(next() * 256)));
  damages.push(['refused by V8', Buffer.concat([Buffer.from(`${MAGIC}list\n`, 'latin1'), createHash('sha1').update(garbage).digest(), garbage])]);

  for (const [what, bytes] of damages) {
    writeFileSync(file, bytes);
    expect([what, ok(['list', '--json'])]).toEqual([what, expected]);
    const rewritten = readFileSync(file);
    expect([what, rewritten.subarray(0, MAGIC.length).toString('latin1'), rewritten.equals(bytes)]).toEqual([what, MAGIC, false]);
    expect([what, cacheFiles().length]).toEqual([what, 1]);
    // and the new one is taken as it is
    const at = statSync(file).mtimeMs;
    ok(['list', '--json']);
    expect([what, statSync(file).mtimeMs]).toEqual([what, at]);
  }
});

test('a cache directory that cannot be used only means running without it', () => {
  const expected = ok(['list', '--json']);
  expect(cacheFiles()).toHaveLength(1);

  // The cache directory is a file; then the cache file is a directory.
  rmSync(cacheDir(), { recursive: true });
  writeFileSync(cacheDir(), 'not a directory');
  expect(ok(['list', '--json'])).toBe(expected);
  expect(ok(['show', '1'])).toContain('Printer on fire');
  expect(readFileSync(cacheDir(), 'utf8')).toBe('not a directory');

  rmSync(cacheDir());
  ok(['list', '--json']);
  const file = theCache();
  rmSync(file);
  mkdirSync(file);
  expect(ok(['list', '--json'])).toBe(expected);
  expect(statSync(file).isDirectory()).toBe(true);
  expect(cacheFiles()).toEqual([file.split('/').pop()]);

  // A home with nowhere to write, as in some containers and services.
  const nowhere = join(d.dir, 'no-such-dir', 'file');
  writeFileSync(join(d.dir, 'no-such-dir'), '');
  expect(ok(['list', '--json'], { XDG_CACHE_HOME: nowhere })).toBe(expected);
});

test('two desks starting at once on a cold cache both run, and leave one whole cache file', async () => {
  const runs = await Promise.all([1, 2, 3].map(() => d.runAsync(['list', '--json'])));
  for (const r of runs) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(new Set(runs.map((r) => r.stdout)).size).toBe(1);
  const file = theCache(); // no temp file left behind
  const at = statSync(file).mtimeMs;
  expect(ok(['list', '--json'])).toBe(runs[0]!.stdout);
  expect(statSync(file).mtimeMs).toBe(at);
});

describe('a changed bundle', () => {
  let copy: string;
  beforeEach(() => {
    // desk as installed elsewhere: its own copy of the built files, the same libraries.
    copy = mkdtempSync(join(tmpdir(), 'desk-copy-'));
    for (const part of ['bin', 'dist', 'package.json']) cpSync(join(ROOT, part), join(copy, part), { recursive: true });
    symlinkSync(join(ROOT, 'templates'), join(copy, 'templates'));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  });
  afterEach(() => rmSync(copy, { recursive: true, force: true }));

  const runCopy = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(copy, 'bin', 'desk.js'), ...args], { env: d.env, cwd: d.dir, encoding: 'utf8' });
    expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return r.stdout;
  };

  test('gets a cache of its own: an old cache is never used for new code', () => {
    const expected = runCopy(['list', '--json']);
    const first = theCache();
    // The same code with a line more (as after an upgrade to a bundle of the same size, a new
    // modification time would do).
    appendFileSync(join(copy, 'dist', 'chunks', 'desk.cjs'), '\n// changed\n');
    expect(runCopy(['list', '--json'])).toBe(expected);
    const files = cacheFiles();
    expect(files).toHaveLength(2);
    expect(files).toContain(first.split('/').pop());
  });
});

test('a worker thread desk starts runs the bundle through the same loader', async () => {
  // The sync prepares mail in worker threads started on desk's executable; one asked directly
  // answers an empty batch.
  const script = `
    const { Worker } = require('node:worker_threads');
    const w = new Worker(${JSON.stringify(join(ROOT, 'dist', 'desk.cjs'))}, { argv: ['--desk-worker=sync-prepare'] });
    w.on('error', (e) => { console.error(String(e)); process.exit(1); });
    w.on('message', (m) => { console.log(JSON.stringify(m)); w.terminate(); });
    w.postMessage({ id: 7, messages: [], ctx: { dataDir: '.', ourAddresses: [], now: new Date(0).toISOString() } });`;
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { env: d.env, cwd: d.dir });
    let text = '';
    child.stdout.on('data', (b) => (text += b));
    child.stderr.on('data', (b) => (text += b));
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(text))));
  });
  expect(JSON.parse(out)).toEqual({ id: 7, items: [] });
  // Typed by hand, the worker's argument is an unknown option like any other.
  const typed = d.run(['--desk-worker=sync-prepare']);
  expect(typed.code).toBe(2);
  expect(typed.stderr).toContain("unknown option '--desk-worker=sync-prepare'");
});
