// Only `desk init` creates a database: every other command on a missing file exits 3 saying
// where it looked and how to create one, and creates nothing. A database written by a newer desk
// (a higher schema version) is refused with exit 2 naming both versions, and left as it was.
// On PostgreSQL the missing database is one desk was never initialised in: no table is created.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_VERSION } from '../../src/store/index.js';
import { onPostgres, sharedPgDatabase, storeExec, storeQuery } from '../helpers/backend.js';
import { ROOT, tempDesk, type TempDesk } from '../helpers/cli.js';

const desks: TempDesk[] = [];
afterAll(() => desks.forEach((d) => d.cleanup()));
function fresh(init: boolean): TempDesk {
  const d = tempDesk({ DESK_NOW: '2026-04-01T10:00:00Z' }, { init });
  desks.push(d);
  return d;
}

const POLICY = join(ROOT, 'templates', 'sla.example.yaml');

/**
 * Where no desk is: a file in a directory that does not exist either, or on PostgreSQL an empty
 * database; and whether desk has created anything there (the file, or any table).
 */
function nowhere(d: TempDesk): { location: string; created: () => boolean } {
  if (onPostgres()) {
    const location = sharedPgDatabase();
    const tables = `select count(*) as n from information_schema.tables where table_schema = current_schema()`;
    return { location, created: () => storeQuery<{ n: number }>(location, tables)[0]!.n > 0 };
  }
  const location = join(d.dir, 'typo', 'dsek.db');
  return { location, created: () => existsSync(location) || existsSync(join(d.dir, 'typo')) };
}

/** Every command that reads or writes the database, reading and writing ones alike. */
const COMMANDS: string[][] = [
  ['list'], ['list', '--all', '--json'], ['show', '1'], ['search', 'export'],
  ['new', '--from', 'a@b.example', '--subject', 'hello'], ['set', '1', '--priority', 'high'], ['assign', '1', '--none'],
  ['note', '1', 'x'], ['close', '1'], ['reopen', '1'], ['escalate', '1', '--to', 'L2', '--reason', 'r'],
  ['agent', 'list'], ['agent', 'add', 'ana', '--email', 'ana@b.example'],
  ['export'], ['import', '-'], ['sla', 'report', '--format', 'json', '--policy', POLICY], ['sla', 'at-risk', '--policy', POLICY],
  ['sla', 'explain', '1', '--policy', POLICY],
  ['outbox'], ['outbox', 'flush'], ['sync', '--quarantined'], ['sync', '--replay'],
  ['db', 'backup', 'backup.db'], ['db', 'migrate-to', 'postgres://desk@127.0.0.1:1/desk'],
];

describe('a database that does not exist', () => {
  // Every command through one way of naming the file; a reading and a writing one through the others.
  const FEW = [['list'], ['new', '--from', 'a@b.example', '--subject', 'hello'], ['import', '-']];
  it.each([
    ['DESK_DB', COMMANDS, (_d: TempDesk, path: string) => ({ args: [], env: { DESK_DB: path } })],
    ['--db', FEW, (_d: TempDesk, path: string) => ({ args: ['--db', path], env: {} })],
    ['the config', FEW, (d: TempDesk, path: string) => {
      writeFileSync(d.config, `db: ${path}\n`);
      return { args: [], env: { DESK_DB: '' } };
    }],
  ])('named by %s: every command exits 3 saying where it looked and how to create one, creating nothing', (origin, commands, how) => {
    const d = fresh(false);
    const { location: path, created } = nowhere(d);
    const { args, env } = how(d, path);
    for (const cmd of commands) {
      const r = d.run([...args, ...cmd], { env, input: '{"subject":"x","requester":{"email":"a@b.example"}}\n' });
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 3 });
      expect(r.stderr).toContain(`no desk database at ${path}`);
      expect(r.stderr).toContain(origin === 'the config' ? `db in ${d.config}` : origin);
      expect(r.stderr).toContain('desk init');
      expect(r.stdout).not.toMatch(/no tickets/);
    }
    expect(created()).toBe(false);

    // desk init creates it; then the same commands find it.
    expect(d.run([...args, 'init'], { env }).code).toBe(0);
    expect(created()).toBe(true);
    expect(d.run([...args, 'new', '--from', 'a@b.example', '--subject', 'hello'], { env }).code).toBe(0);
    expect(JSON.parse(d.run([...args, 'list', '--json'], { env }).stdout)).toHaveLength(1);
  });

  it('an existing directory without the file is no exception', () => {
    const d = fresh(false);
    mkdirSync(join(d.dir, 'data'));
    const path = join(d.dir, 'data', 'desk.db');
    const r = d.run(['--db', path, 'list']);
    expect(r.code).toBe(3);
    expect(existsSync(path)).toBe(false);
  });
});

describe('a database written by a newer desk', () => {
  it('is refused by every command with exit 2 naming both versions, and left untouched', () => {
    const d = fresh(true);
    expect(d.run(['new', '--from', 'a@b.example', '--subject', 'before']).code).toBe(0);
    const newer = SCHEMA_VERSION + 3;
    storeExec(d.db, `insert into desk_migrations (version, name, applied_at) values (${newer}, 'from_the_future', '2027-01-01T00:00:00Z')`);
    const snapshot = () => ({
      tickets: storeQuery(d.db, 'select * from tickets order by id'),
      events: storeQuery(d.db, 'select count(*) as n from events'),
      agents: storeQuery(d.db, 'select count(*) as n from agents'),
      migrations: storeQuery(d.db, 'select version, name from desk_migrations order by version'),
      tables: storeQuery(d.db, onPostgres()
        ? `select table_name as name from information_schema.tables where table_schema = current_schema() order by 1`
        : `select name from sqlite_master where type = 'table' order by 1`),
    });
    const before = snapshot();
    for (const cmd of [...COMMANDS, ['init']]) {
      const r = d.run(cmd, { input: '{"subject":"x","requester":{"email":"a@b.example"}}\n' });
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 2 });
      expect(r.stderr).toContain(`schema version ${newer}`);
      expect(r.stderr).toContain(`up to ${SCHEMA_VERSION}`);
      expect(r.stderr).toContain(d.db);
    }
    expect(snapshot()).toEqual(before);
  });
});
