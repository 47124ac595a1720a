// The two stores a benchmark runs on, each with its own restore baseline: a SQLite file (restored
// by the sqlite3 shell from a `.dump`) and a PostgreSQL database on a throwaway cluster (the test
// suite's own, test/helpers/pg-cluster.mjs; restored by psql from a `pg_dump`).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { initDesk, timeCpu } from './lib.js';

/** Clock ticks per second of /proc's CPU times. */
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** [utime + stime, cutime + cstime] of a process, in ms (undefined once it is gone). */
function procCpu(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
    return { ppid: Number(f[1]), own: (Number(f[11]) + Number(f[12])) * 1000 / TICKS, children: (Number(f[13]) + Number(f[14])) * 1000 / TICKS };
  } catch {
    return undefined;
  }
}

/**
 * CPU time (ms) a PostgreSQL server has used so far: the postmaster's own and its reaped
 * backends' (a backend that ended is counted into its parent), plus its running children's.
 */
function serverCpu(dataDir) {
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const main = procCpu(pid);
  if (!main) return NaN;
  let total = main.own + main.children;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const p = procCpu(entry);
    if (p && p.ppid === pid) total += p.own;
  }
  return total;
}

/** BENCH_BACKENDS=sqlite,postgres (the default: both). */
export function backendNames() {
  const names = (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (n !== 'sqlite' && n !== 'postgres') throw new Error(`BENCH_BACKENDS: unknown backend ${n} (sqlite, postgres)`);
  return names;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** A SQLite database file and its companions, gone. */
const removeDatabase = (file) => {
  for (const s of ['', '-wal', '-shm', '-journal']) rmSync(file + s, { force: true });
};

const quote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * A store for desk in `dir`. `desk(config)` gives the environment of a new, initialised desk (own
 * database, `config` its config file); `dump(env)` dumps that desk's database with the backend's
 * own tool (untimed), and `restoreDump(file)` times restoring it into a new database ({ wall, cpu }).
 */
export async function openBackend(name, dir) {
  const base = { ...process.env, DESK_AGENT: 'bench', NO_COLOR: '1', TZ: 'UTC', HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg-config'), XDG_DATA_HOME: join(dir, 'xdg-data') };
  if (name === 'sqlite') {
    if (spawnSync('sqlite3', ['-version']).status !== 0) throw new Error('the SQLite baseline needs the sqlite3 shell: apt-get install sqlite3');
    let n = 0;
    return {
      name,
      desk(configFile) {
        const db = join(dir, `desk-${++n}.db`);
        const env = { ...base, DESK_DB: db, DESK_CONFIG: configFile };
        initDesk(env);
        return env;
      },
      /** Folds the WAL into the file, so that every reader reads one file. */
      settle(env) {
        run('sqlite3', [env.DESK_DB, 'PRAGMA wal_checkpoint(TRUNCATE);']);
      },
      /** The desk's database as the sqlite3 shell dumps it (untimed): the file's path. */
      dump(env) {
        const dump = join(dir, 'dump.sql');
        run('bash', ['-c', `sqlite3 ${quote(env.DESK_DB)} .dump > ${quote(dump)}`]);
        return dump;
      },
      /** Times restoring a dump into a new file ({ wall, cpu }), which is then removed. */
      restoreDump(dump) {
        const target = join(dir, 'restored.db');
        removeDatabase(target);
        const t = timeCpu('bash', ['-c', `sqlite3 ${quote(target)} < ${quote(dump)}`]);
        removeDatabase(target);
        return t;
      },
      /** Removes a desk's database (an earlier import's). */
      drop(env) {
        removeDatabase(env.DESK_DB);
      },
      baselineLabel: 'sqlite3 new.db < dump.sql (of .dump)',
      serverCpu: () => 0,
      close() {},
    };
  }
  const { startPostgres } = await import('../test/helpers/pg-cluster.mjs');
  // Shared buffers as a server desk runs on would have them (PostgreSQL's documentation advises a
  // quarter of a dedicated server's memory; 512 MB is modest): the tests' clusters keep 32 MB,
  // where a query at a million tickets reads its pages from the OS at every run.
  const pg = await startPostgres({ maxConnections: 60, sharedBuffers: '512MB' });
  // The client tools of the server's own version, as the desk role over TCP (no password: the
  // cluster trusts it), as a team's restore would run.
  const tool = (t) => join(pg.bin, t);
  const dbName = (url) => new URL(url).pathname.slice(1);
  const cpu = () => serverCpu(join(pg.dir, 'data'));
  const conn = (url) => ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'desk', '-d', dbName(url)];
  return {
    name,
    cluster: pg,
    desk(configFile) {
      const env = { ...base, DESK_DB: pg.createDb(), DESK_CONFIG: configFile };
      initDesk(env);
      return env;
    },
    /** Statistics for the planner, as autovacuum would gather them soon after a big import. */
    // After a load: statistics and visibility maps as autovacuum would leave them, and the dirty
    // pages written out (a restore's dropped database leaves gigabytes of WAL whose checkpoint
    // would otherwise run during the short commands measured next).
    settle(env) {
      pg.psql(dbName(env.DESK_DB), 'vacuum analyze');
      pg.psql('postgres', 'checkpoint');
    },
    /** The desk's database as pg_dump dumps it (untimed): the file's path. */
    dump(env) {
      const dump = join(dir, 'dump.sql');
      run(tool('pg_dump'), [...conn(env.DESK_DB), '-f', dump]);
      return dump;
    },
    /** Times restoring a dump into a new database ({ wall, cpu }), which is then dropped. */
    restoreDump(dump) {
      const target = pg.createDb();
      const t = timeCpu('bash', ['-c', `${quote(tool('psql'))} -X -q -v ON_ERROR_STOP=1 ${conn(target).map(quote).join(' ')} < ${quote(dump)}`], { extraCpu: cpu });
      pg.psql('postgres', `drop database ${dbName(target)}`);
      return t;
    },
    /** Drops a desk's database (an earlier import's). */
    drop(env) {
      pg.psql('postgres', `drop database ${dbName(env.DESK_DB)}`);
    },
    baselineLabel: 'psql new < dump.sql (of pg_dump)',
    serverCpu: cpu,
    close() {
      pg.stop();
    },
  };
}

/** The run of median wall time among { wall, cpu } runs. */
export function medianRun(runs) {
  return [...runs].sort((a, b) => a.wall - b.wall)[Math.floor(runs.length / 2)];
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
