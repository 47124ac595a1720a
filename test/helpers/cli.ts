// Runs the built CLI as a user would: a separate process with its own database and config.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { copyOfStore, copyStore, onPostgres, sharedPgDatabase } from './backend.js';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const BIN = join(ROOT, 'bin', 'desk.js');

/** How long one desk command may run in a test before it is killed (far beyond any command's need). */
const RUN_LIMIT_MS = 150_000;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TempDesk {
  dir: string;
  db: string;
  config: string;
  /** the directory of files that belong to the database (attachments, the sync lock) */
  dataDir: string;
  env: Record<string, string>;
  run(args: string[], opts?: { input?: string; env?: Record<string, string> }): RunResult;
  runAsync(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<RunResult>;
  cleanup(): void;
}

export interface TempDeskOptions {
  /**
   * Create the database with `desk init` first (default: true), as a user must before any other
   * command. The config file init writes is not kept: the desk starts without one. Unless the
   * test names its own DESK_DB, the database is a copy of the one `desk init` made once for the
   * run (test/helpers/global-setup.mjs): the same tables and rows, made in a fraction of the time.
   */
  init?: boolean;
}

/** The database `desk init` made once for the run on this backend (global-setup.mjs), if it did. */
function initialisedTemplate(): string | undefined {
  return onPostgres() ? process.env.DESK_TEST_PG_TEMPLATE : process.env.DESK_TEST_SQLITE_TEMPLATE;
}

/**
 * Where desk keeps the files of the database at `location` (as src/store does): beside a SQLite
 * file, or for a PostgreSQL database under the XDG data dir of the desk's environment.
 */
export function dataDirOf(location: string, env: Record<string, string>): string {
  if (/^postgres(ql)?:\/\//i.test(location)) {
    const url = new URL(location);
    const safe = `${url.hostname || 'localhost'}-${url.port || '5432'}-${decodeURIComponent(url.pathname.slice(1))}`.replace(/[^A-Za-z0-9._-]+/g, '_');
    return join(env.XDG_DATA_HOME!, 'desk', `pg-${safe}-data`);
  }
  return join(dirname(location), `${basename(location).replace(/\.(db|sqlite3?)$/i, '')}-data`);
}

/** A fresh desk in a temp dir: its own database, config and XDG dirs, no colour, fixed agent. */
export function tempDesk(extraEnv: Record<string, string> = {}, options: TempDeskOptions = {}): TempDesk {
  const dir = mkdtempSync(join(tmpdir(), 'desk-test-'));
  const template = (options.init ?? true) && !extraEnv.DESK_DB ? initialisedTemplate() : undefined;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
    // the run's one code cache (global-setup.mjs), else the desk's own under HOME
    ...(process.env.DESK_TEST_CODE_CACHE ? { XDG_CACHE_HOME: process.env.DESK_TEST_CODE_CACHE } : {}),
    // In the "postgres" project each desk has a database of its own on the run's shared cluster.
    DESK_DB: onPostgres() && !extraEnv.DESK_DB ? sharedPgDatabase(template) : join(dir, 'desk.db'),
    DESK_CONFIG: join(dir, 'config.yaml'),
    DESK_AGENT: 'tester',
    NO_COLOR: '1',
    TZ: 'UTC',
    ...extraEnv,
  };
  const desk: TempDesk = {
    dir,
    db: env.DESK_DB!,
    config: env.DESK_CONFIG!,
    get dataDir() {
      return dataDirOf(env.DESK_DB!, env); // on first use: a test may give a URL that is no URL
    },
    env,
    run(args, opts = {}) {
      // A synchronous spawn cannot be interrupted by jest's test timeout: a desk that never ends
      // would hold the whole run. It is killed after RUN_LIMIT_MS and the test fails saying so.
      const r = spawnSync(process.execPath, [BIN, ...args], {
        env: { ...env, ...opts.env }, input: opts.input ?? '', encoding: 'utf8', cwd: dir, maxBuffer: 256 * 1024 * 1024,
        timeout: RUN_LIMIT_MS, killSignal: 'SIGKILL',
      });
      if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
        return { code: -1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}\n[test] desk ${args.join(' ')} did not end within ${RUN_LIMIT_MS / 1000} s and was killed` };
      }
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    runAsync(args, opts = {}) {
      return new Promise((res) => {
        const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...opts.env }, cwd: dir });
        let stdout = '', stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
        // A desk that ends before reading its input (most commands never read it) closes the pipe
        // under the write: that is no failure of the test, whose verdict is the exit and output.
        child.stdin.on('error', () => undefined);
        child.stdin.end(opts.input ?? '');
      });
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  if (template) {
    if (!onPostgres()) copyFileSync(template, desk.db);
  } else if (options.init ?? true) {
    const scratchConfig = join(dir, 'init-config.yaml');
    const r = desk.run(['init'], { env: { DESK_CONFIG: scratchConfig } });
    if (r.code !== 0) throw new Error(`desk init failed (${r.code}): ${r.stderr}`);
    rmSync(scratchConfig, { force: true });
  }
  return desk;
}

/**
 * A fresh desk like tempDesk(), whose store starts as a copy of `template`'s (a desk no command
 * is using): many desks that start where one left off (a file copied on SQLite, a database made
 * from the other on PostgreSQL).
 */
export function tempDeskFrom(template: TempDesk, extraEnv: Record<string, string> = {}): TempDesk {
  if (onPostgres()) return tempDesk({ DESK_DB: copyOfStore(template.db, template.dir, 'copy'), ...extraEnv }, { init: false });
  const desk = tempDesk(extraEnv, { init: false });
  copyStore(template.db, desk.db);
  return desk;
}
