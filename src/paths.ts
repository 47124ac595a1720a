// Where desk's files are on this machine: its own (templates/, package.json), wherever the code
// runs from (the sources under ts-jest, the bundle in dist/, or a global npm install), and the
// user's (the XDG config and data directories). A leaf: every layer that touches files may ask it.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function xdg(envName: string, fallback: string): string {
  const v = process.env[envName];
  return v && isAbsolute(v) ? v : join(homedir(), fallback);
}

/** The SQLite database used when no --db, DESK_DB or config `db` names one. */
export function defaultDbPath(): string {
  return join(xdg('XDG_DATA_HOME', '.local/share'), 'desk', 'desk.db');
}

/** The config file: DESK_CONFIG, else the first of config.yaml/.yml/.json in the XDG config dir. */
export function configPath(): string {
  if (process.env.DESK_CONFIG) return resolve(process.env.DESK_CONFIG);
  const dir = join(xdg('XDG_CONFIG_HOME', '.config'), 'desk');
  for (const name of ['config.yaml', 'config.yml', 'config.json']) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  return join(dir, 'config.yaml');
}

// Defined by the build (scripts/bundle.js) in the bundle desk runs; absent in the sources.
declare const DESK_BUNDLED: boolean;

/**
 * The file a worker thread starts to run desk's code (the executable's loader, dist/desk.cjs, which
 * loads the bundle as the process did), or null when desk runs from its sources (the test runner),
 * where work meant for a worker is done in-process.
 */
export function workerEntry(): string | null {
  if (typeof DESK_BUNDLED === 'undefined' || !DESK_BUNDLED) return null;
  return fileURLToPath(new URL('../desk.cjs', import.meta.url));
}

const WORKER_FLAG = '--desk-worker=';

/** The argument a worker thread desk starts is given: its role (cli/workers.ts). */
export function workerArgv(role: string): string[] {
  return [`${WORKER_FLAG}${role}`];
}

/**
 * The role a command line asks for when it is a worker's (workerArgv: that one argument alone),
 * or undefined. Typed by hand, the argument reaches the program as an unknown option.
 */
export function workerRole(argv: readonly string[]): string | undefined {
  return argv.length === 1 && argv[0]!.startsWith(WORKER_FLAG) ? argv[0]!.slice(WORKER_FLAG.length) : undefined;
}

let root: string | undefined;

/** The directory holding desk's package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the desk package directory');
    dir = up;
  }
}
