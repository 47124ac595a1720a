// The executable's loader (built into dist/desk.js; bin/desk.js imports it). It runs desk's
// bundle (dist/chunks/desk.cjs, CommonJS: scripts/bundle.js) with V8's code cache: compiling the
// bundle's JavaScript was the largest part of starting desk, and Node 20 keeps no code cache for
// ES modules. The cache is one file in the user's cache directory ($XDG_CACHE_HOME/desk, else
// ~/.cache/desk), named by the bundle (its build id, size and modification time) and by Node's
// version, so a new build or a new Node never reads an old cache. It is written after the first
// command ran (so it holds the functions that command compiled), atomically (a temp file renamed:
// two desks at once each write a whole file), again when V8 rejects it, and never otherwise.
// Whatever goes wrong with the cache (no home, a read-only or full disk, a damaged file) only
// means running without it. DESK_NO_COMPILE_CACHE=1 turns it off.
//
// Nothing of desk is imported here: this file is its own small bundle, loaded before desk's.
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { isMainThread } from 'node:worker_threads';

// Defined by the build: a digest of the bundle's content.
declare const DESK_BUNDLE_ID: string;

/** The first bytes of a cache file: this format, then the digest of the V8 data that follows. */
const MAGIC = 'desk-code-cache-1\n';
const DIGEST_BYTES = 20; // sha1: a damaged file is told from a whole one, not an adversary
/** Cache files of other builds not used for this long are removed when a cache is written. */
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

/** The name of the cache file of this bundle under this Node. */
export function cacheName(bundleId: string, size: number, mtimeMs: number): string {
  const key = createHash('sha1')
    .update([bundleId, size, mtimeMs, process.version, process.arch, process.platform, process.execArgv.join(' ')].join('\0'))
    .digest('hex')
    .slice(0, 24);
  return `bundle-${key}.cache`;
}

/** The V8 data of a cache file, or undefined when there is none or it is damaged. */
function readCache(file: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return undefined;
  }
  const head = MAGIC.length + DIGEST_BYTES;
  if (data.length <= head || data.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const body = data.subarray(head);
  const digest = createHash('sha1').update(body).digest();
  return digest.equals(data.subarray(MAGIC.length, head)) ? body : undefined;
}

/** Writes a cache file whole or not at all; any failure leaves things as they were. */
function writeCache(file: string, body: Buffer): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const digest = createHash('sha1').update(body).digest();
    writeFileSync(tmp, Buffer.concat([Buffer.from(MAGIC, 'latin1'), digest, body]), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
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
    const buf = Buffer.allocUnsafe(st.size);
    let at = 0;
    while (at < st.size) {
      const n = readSync(fd, buf, at, st.size - at, at);
      if (n === 0) break;
      at += n;
    }
    const text = buf.subarray(0, at);
    // The build writes plain ASCII, read as one-byte text; anything else is decoded as UTF-8.
    return { source: isAscii(text) ? text.toString('latin1') : text.toString('utf8'), size: st.size, mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** Loads and runs the bundle at `path`, with the code cache when there is one to use. */
export function runBundle(path: string, env: NodeJS.ProcessEnv = process.env): void {
  const { source, size, mtimeMs } = readBundle(path);
  const dir = cacheDir(env);
  const file = dir === null ? null : join(dir, cacheName(typeof DESK_BUNDLE_ID === 'string' ? DESK_BUNDLE_ID : '', size, mtimeMs));
  const cachedData = file === null ? undefined : readCache(file);
  const script = new Script(WRAP_HEAD + source + WRAP_TAIL, { filename: path, cachedData });
  // Written once the command is done (its functions compiled), by the process's main thread
  // only: when there was no cache, or V8 would not take it (another V8 build or flags).
  if (file !== null && isMainThread && (cachedData === undefined || script.cachedDataRejected)) {
    process.once('beforeExit', () => {
      let data: Buffer;
      try {
        data = script.createCachedData();
      } catch {
        return;
      }
      writeCache(file, data);
    });
  }
  const module = { exports: {} as unknown };
  const fn = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  fn.call(module.exports, module.exports, createRequire(path), module, path, dirname(path));
}

runBundle(fileURLToPath(new URL('./chunks/desk.cjs', import.meta.url)));
