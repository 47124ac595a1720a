// desk db backup [FILE]: a consistent copy of the desk while it is in use. SQLite: VACUUM INTO a
// new file (a snapshot of one read transaction; writers are not stopped). PostgreSQL: pg_dump in
// its custom format (restore with pg_restore). Either way the backup is written under a temporary
// name and renamed when complete, so FILE is never a half-written backup.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import type { Ctx } from '../../cli/context.js';
import { LocalFaultError, RemoteError, UsageError } from '../../errors.js';
import type { Store } from '../../store/index.js';
import { shownLocation } from '../../store/location.js';

function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

export async function runBackup(ctx: Ctx, file: string | undefined): Promise<void> {
  const store = await ctx.store();
  const target = resolve(file ?? `desk-backup-${stamp(ctx.now())}.${store.dialect === 'sqlite' ? 'db' : 'dump'}`);
  if (existsSync(target)) throw new UsageError(`${target} already exists`, 'name a file that does not exist; desk never overwrites a backup');
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  try {
    if (store.dialect === 'sqlite') await sqliteBackup(store, partial);
    else await postgresBackup(await ctx.dbLocation(), partial);
    renameSync(partial, target);
  } finally {
    rmSync(partial, { force: true });
  }
  ctx.io.out(`${target}\n`);
  const say = (t: string) => ctx.io.err(`${t}\n`);
  if (store.dialect === 'sqlite') {
    say(`restore: stop desk, then copy ${target} over the database file (and delete its -wal and -shm files)`);
  } else {
    say(`restore: into a new, empty database: createdb NAME && pg_restore --no-owner -d NAME ${target}`);
  }
  if (hasAttachmentFiles(store.dataDir)) say(`attachment files are not in the backup: back up ${store.dataDir} too`);
}

function hasAttachmentFiles(dataDir: string): boolean {
  try {
    return readdirSync(join(dataDir, 'attachments')).length > 0;
  } catch {
    return false;
  }
}

async function sqliteBackup(store: Store, file: string): Promise<void> {
  try {
    await sql`vacuum into ${file}`.execute(store.db);
  } catch (err) {
    throw new LocalFaultError(`could not write the backup ${file.replace(/\.partial-\d+$/, '')}: ${(err as Error).message}`, 'check that the directory exists, is writable and has room; nothing was written');
  }
}

async function postgresBackup(location: string, file: string): Promise<void> {
  const url = new URL(location);
  const env = { ...process.env };
  // The password goes to pg_dump in its environment, never on a command line others can read.
  if (url.password) {
    env.PGPASSWORD = decodeURIComponent(url.password);
    url.password = '';
  }
  const args = ['--format=custom', `--file=${file}`, `--dbname=${url.href}`];
  const result = await new Promise<{ code: number | null; stderr: string; error?: NodeJS.ErrnoException }>((done) => {
    const child = spawn('pg_dump', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (error: NodeJS.ErrnoException) => done({ code: null, stderr, error }));
    child.on('close', (code) => done({ code, stderr }));
  });
  if (result.error?.code === 'ENOENT') {
    throw new LocalFaultError('pg_dump was not found: a backup of a PostgreSQL desk needs it', 'install the PostgreSQL client tools (Debian: apt-get install postgresql-client), of the server\'s version or newer');
  }
  if (result.error) throw new LocalFaultError(`could not run pg_dump: ${result.error.message}`);
  if (result.code !== 0) {
    const why = result.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' ');
    throw new RemoteError(`pg_dump failed (exit ${result.code}): ${shownLocation(why)}`, 'nothing was written; check the message above, then run the backup again');
  }
}
