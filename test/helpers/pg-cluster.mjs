// A real, throwaway PostgreSQL cluster for the store tests: initdb in a temp dir, started with
// pg_ctl on 127.0.0.1 at a port chosen free at run time, its unix socket in the same temp dir,
// stopped and removed when the test file ends (or the process exits). Each test takes a fresh
// database of its own (createDb), owned by a role that is not a superuser, as a team's
// database would be.
//
// The server binaries come from Debian's `postgresql` package (/usr/lib/postgresql/<version>/bin;
// the newest version present is used). As root, the server runs as the `postgres` user that the
// package creates: PostgreSQL refuses to run as root.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const PG_INSTALL_HINT = 'install PostgreSQL (apt-get install -y postgresql postgresql-contrib)';

/** The password of the role `desk_pw`, the one role that must give one. */
export const PASSWORD_ROLE_PASSWORD = 'pw-Secret-9';


function findBin() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) throw new Error(`PostgreSQL server binaries not found under ${root}/*/bin: ${PG_INSTALL_HINT}`);
  return path.join(root, versions[0], 'bin');
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = srv.address().port;
      srv.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;

/** Runs a server binary as the `postgres` user when we are root, else as ourselves. */
function run(bin, args, env = {}) {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', ...env }, cwd: '/' });
  if (r.status !== 0) throw new Error(`${path.basename(bin)} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout;
}

/** @param {{ maxConnections?: number, sharedBuffers?: string }} [options] (sharedBuffers: the tests' clusters keep 32MB; a benchmark gives a server's) */
export async function startPostgres(options = {}) {
  const bin = findBin();
  if (asRoot) {
    const known = spawnSync('id', ['-u', 'postgres']);
    if (known.status !== 0) throw new Error(`no 'postgres' user to run the server as: ${PG_INSTALL_HINT}`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'desk-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  let started = false;
  const stop = () => {
    if (started) {
      started = false;
      try {
        run(path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']);
      } catch {
        /* already gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  try {
    run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    // Every role logs in without a password, except `desk_pw` (password PASSWORD_ROLE_PASSWORD).
    const hba = path.join(data, 'pg_hba.conf');
    writeFileSync(hba, `host all desk_pw 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=${options.sharedBuffers ?? '32MB'} -c max_connections=${options.maxConnections ?? 60}`;
    run(path.join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '60', '-l', path.join(dir, 'server.log'), '-o', opts]);
    started = true;
  } catch (err) {
    const log = existsSync(path.join(dir, 'server.log')) ? readFileSync(path.join(dir, 'server.log'), 'utf8') : '';
    stop();
    throw new Error(`${err.message}\n${log}`);
  }
  const psql = (database, query) =>
    run(path.join(bin, 'psql'), ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', 'postgres', '-d', database, '-c', query]);
  // The desk role: may log in and own its databases, nothing more.
  psql('postgres', 'create role desk login');
  psql('postgres', `create role desk_pw login password '${PASSWORD_ROLE_PASSWORD}'`);
  let n = 0;
  return {
    port,
    dir,
    bin,
    createDb() {
      const name = `desk_${process.pid}_${++n}`;
      psql('postgres', `create database ${name} owner desk`);
      return `postgres://desk@127.0.0.1:${port}/${name}`;
    },
    psql,
    stop,
  };
}
