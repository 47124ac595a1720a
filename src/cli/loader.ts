// The executable's loader (built into dist/desk.cjs; bin/desk.js requires it). It runs desk's
// bundle (dist/chunks/desk.cjs, CommonJS: scripts/bundle.js) with V8's code cache: compiling the
// bundle's JavaScript was the largest part of starting desk, and Node 20 keeps no code cache for
// ES modules. The libraries bundled apart (dist/chunks/lib-….cjs) load the same way when a
// command needs one. Each file's cache is a file in the user's cache directory
// ($XDG_CACHE_HOME/desk, else ~/.cache/desk), named by the build (a digest of its files), the
// file's size and modification time, Node's version and flags, so a new build or a new Node
// never reads an old cache. It is written after a command ran (so it holds the functions that
// command compiled): the first time, again after a command it has not seen, and when it is
// damaged or V8 refuses it; atomically (a temp file renamed: two desks at once each write a
// whole file). Whatever goes wrong with the cache (no home, a read-only or full disk, a damaged
// file) only means running without it. DESK_NO_COMPILE_CACHE=1 turns it off.
//
// Of desk only paths.ts's reading of a worker's command line is imported here (paths.ts is a leaf
// of Node's modules): this file is its own small bundle, loaded before desk's.
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { workerRole } from '../paths.js';

// Defined by the build: a digest of the bundle's content.
declare const DESK_BUNDLE_ID: string;

/** The first line of a cache file; the second lists the commands it was written after. */
const MAGIC = 'desk-code-cache-1\n';
const DIGEST_BYTES = 20; // sha1 of the V8 data: a damaged file is told from a whole one
/** A cache is rewritten after a command it has not seen (so it holds that command's functions too), up to this many. */
const MAX_COMMANDS = 40;
/** Cache files not written for this long (other builds', mostly) are removed when a cache is written; a removed one in use is written again. */
const STALE_MS = 30 * 24 * 3600 * 1000;
/** Node's CommonJS wrapper, on the bundle's first line so that line numbers stay the file's. */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_TAIL = '\n})';

/** The cache directory, or null when there is none to use. */
export function cacheDir(env: NodeJS.ProcessEnv): string | null {
  if (env.DESK_NO_COMPILE_CACHE && env.DESK_NO_COMPILE_CACHE !== '0') return null;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'desk');
  let home: string;
  try {
    home = homedir();
  } catch {
    return null;
  }
  return home ? join(home, '.cache', 'desk') : null;
}

/** The name of the cache file of this bundle under this Node and its V8 flags. */
export function cacheName(bundleId: string, size: number, mtimeMs: number, env: NodeJS.ProcessEnv): string {
  const key = createHash('sha1')
    .update([bundleId, size, mtimeMs, process.version, process.arch, process.platform, process.execArgv.join(' '), env.NODE_OPTIONS ?? ''].join('\0'))
    .digest('hex')
    .slice(0, 24);
  return `bundle-${key}.cache`;
}

/** The command a command line runs, as far as the cache cares: its first word ('-' for none). */
export function commandWord(argv: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--db') i++;
    else if (!a.startsWith('-')) return /^[a-z][a-z0-9-]{0,39}$/.test(a) ? a : '?';
  }
  return '-';
}

interface Cache {
  data: Buffer;
  commands: string[];
}

/** The V8 data of a cache file and the commands it was written after; undefined when there is none or it is damaged. */
function readCache(file: string): Cache | undefined {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch {
    return undefined;
  }
  if (raw.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const eol = raw.indexOf(10, MAGIC.length);
  if (eol < 0 || raw.length <= eol + 1 + DIGEST_BYTES) return undefined;
  const data = raw.subarray(eol + 1 + DIGEST_BYTES);
  if (!createHash('sha1').update(data).digest().equals(raw.subarray(eol + 1, eol + 1 + DIGEST_BYTES))) return undefined;
  const commands = raw.toString('latin1', MAGIC.length, eol).split(' ').filter(Boolean);
  return { data, commands };
}

/**
 * Writes a cache file whole or not at all: a temp file renamed over it. The V8 data is made only
 * once the temp file could be created, so a cache directory that cannot be written costs nothing
 * more than that attempt. Any failure leaves things as they were.
 */
function writeCache(file: string, commands: readonly string[], makeData: () => Buffer): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  let fd: number | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    fd = openSync(tmp, 'wx', 0o600);
  } catch {
    return;
  }
  try {
    const data = makeData();
    const digest = createHash('sha1').update(data).digest();
    writeFileSync(fd, Buffer.concat([Buffer.from(`${MAGIC}${commands.join(' ')}\n`, 'latin1'), digest, data]));
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch {
    try {
      if (fd !== undefined) closeSync(fd);
      unlinkSync(tmp);
    } catch {
      // nothing more to undo
    }
    return;
  }
  removeStale(dirname(file), file);
}

/** Removes the cache files of other builds that no desk has written for a long time. */
function removeStale(dir: string, keep: string): void {
  try {
    const now = Date.now();
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (path === keep || !name.startsWith('bundle-')) continue;
      try {
        if (now - statSync(path).mtimeMs > STALE_MS) unlinkSync(path);
      } catch {
        // another desk removed it, or it is not ours to remove
      }
    }
  } catch {
    // the directory cannot be listed: nothing to tidy
  }
}

/** Reads the bundle's text and its size and modification time (one open). */
function readBundle(path: string): { source: string; size: number; mtimeMs: number } {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    const text = readFileSync(fd);
    // The build writes plain ASCII, read as one-byte text; anything else is decoded as UTF-8.
    return { source: isAscii(text) ? text.toString('latin1') : text.toString('utf8'), size: st.size, mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** Where and under which name the code cache of a file is kept, and the command being run. */
interface Caching {
  /** null: no cache (turned off, or no directory to keep it in) */
  dir: string | null;
  /** whether this run may write it: not in a worker thread desk started (the process's thread writes) */
  write: boolean;
  env: NodeJS.ProcessEnv;
  word: string;
}

/**
 * Compiles and runs a CommonJS file of desk's with the code cache when there is one to use, and
 * returns its exports. `require` is the one its code gets.
 */
function runCached(path: string, require: (id: string) => unknown, caching: Caching): unknown {
  const { source, size, mtimeMs } = readBundle(path);
  const id = `${typeof DESK_BUNDLE_ID === 'string' ? DESK_BUNDLE_ID : ''}:${basename(path)}`;
  const file = caching.dir === null ? null : join(caching.dir, cacheName(id, size, mtimeMs, caching.env));
  const cache = file === null ? undefined : readCache(file);
  const script = new Script(WRAP_HEAD + source + WRAP_TAIL, { filename: path, cachedData: cache?.data });
  // Written once the command is done (its functions compiled), by the process's main thread
  // only: when there was no cache, V8 would not take it, or it was written after other commands.
  if (file !== null && caching.write) {
    const seen = cache === undefined || script.cachedDataRejected ? [] : cache.commands;
    if (!seen.includes(caching.word) && seen.length < MAX_COMMANDS) {
      process.once('beforeExit', () => writeCache(file, [...seen, caching.word], () => script.createCachedData()));
    }
  }
  const module = { exports: {} as unknown };
  const fn = script.runInThisContext() as (exports: unknown, require: unknown, module: unknown, filename: string, dirname: string) => void;
  fn.call(module.exports, module.exports, require, module, path, dirname(path));
  return module.exports;
}

/**
 * Runs the bundle at `path`. The libraries bundled apart beside it (`./lib-….cjs`, required when
 * a command first needs one) are compiled with the code cache too; everything else it requires
 * (Node's modules, native addons) loads as usual.
 */
export function runBundle(path: string, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const worker = workerRole(argv) !== undefined;
  const caching: Caching = { dir: cacheDir(env), write: !worker, env, word: commandWord(argv) };
  const plain = createRequire(path);
  const libs = new Map<string, unknown>();
  const require = Object.assign(
    (id: string): unknown => {
      if (!id.startsWith('./lib-')) return plain(id);
      if (!libs.has(id)) {
        const lib = join(dirname(path), id);
        libs.set(id, runCached(lib, createRequire(lib), caching));
      }
      return libs.get(id);
    },
    { resolve: plain.resolve, cache: plain.cache, main: plain.main, extensions: plain.extensions },
  );
  runCached(path, require, caching);
}

runBundle(fileURLToPath(new URL('./chunks/desk.cjs', import.meta.url)), process.argv.slice(2));
