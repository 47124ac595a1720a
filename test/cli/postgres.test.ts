// desk on a PostgreSQL database (team mode), as a user runs it: the built CLI in its own
// processes with DESK_DB=postgres://…, against a real, throwaway PostgreSQL server.
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { readFileSync } from 'node:fs';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { PASSWORD_ROLE_PASSWORD, startPostgres, type Postgres } from '../helpers/postgres.js';

let pg: Postgres;
const desks: TempDesk[] = [];
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(() => {
  for (const d of desks) d.cleanup();
  pg?.stop();
});

function pgDesk(url = pg.createDb()): TempDesk {
  const d = tempDesk({ DESK_DB: url }, { init: false });
  desks.push(d);
  return d;
}
const dbName = (url: string) => new URL(url).pathname.slice(1);

describe('desk on PostgreSQL', () => {
  it('init, new, list, search and show work on a postgres:// database', () => {
    const desk = pgDesk();
    const init = desk.run(['init']);
    expect(init.stderr).toMatch(/postgres:\/\//);
    expect(init.code).toBe(0);
    const a = desk.run(['new', '--from', 'joao@example.com', '--name', 'João Silva', '--subject', 'Export échoue', '--body', 'Erreur 500 depuis ce matin, le Café est fermé', '--priority', 'high', '--tag', 'export']);
    expect(a).toMatchObject({ code: 0 });
    const b = desk.run(['new', '--from', 'ana@acme.test', '--subject', 'Invoice VAT wrong', '--body', 'Our VAT number is wrong']);
    expect(b.code).toBe(0);

    const list = desk.run(['list', '--json']);
    expect(list.code).toBe(0);
    const tickets = JSON.parse(list.stdout) as Array<{ id: number; subject: string; priority: string; tags: string[] }>;
    expect(tickets.map((t) => t.subject).sort()).toEqual(['Export échoue', 'Invoice VAT wrong']);
    const exportTicket = tickets.find((t) => t.subject === 'Export échoue')!;
    expect(exportTicket).toMatchObject({ priority: 'high', tags: ['export'] });

    const search = desk.run(['search', 'EXPORT', 'echoue', 'cafe', '--json']);
    expect(search.code).toBe(0);
    expect(JSON.parse(search.stdout).map((t: { id: number; snippet: string }) => [t.id, t.snippet])).toEqual([
      [exportTicket.id, 'Erreur 500 depuis ce matin, le [Café] est fermé'],
    ]);
    const byAddress = desk.run(['search', 'ACME.t', '--json']);
    expect(JSON.parse(byAddress.stdout)).toEqual([]); // no '@': words, and no ticket has "acme"…
    const byAddressPiece = desk.run(['search', 'na@acme', '--json']);
    expect(JSON.parse(byAddressPiece.stdout).map((t: { subject: string }) => t.subject)).toEqual(['Invoice VAT wrong']);

    const show = desk.run(['show', String(exportTicket.id)]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/Export échoue/);
    expect(show.stdout).toMatch(/Erreur 500 depuis ce matin/);
    expect(show.stdout).toMatch(/joao@example.com/);
  });

  it('several processes opening one new database at once all succeed and migrate it once', async () => {
    const url = pg.createDb();
    const desk = pgDesk(url);
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => desk.runAsync(['init'], { env: { DESK_CONFIG: `${desk.dir}/config-${i}.yaml` } })),
    );
    for (const r of runs) expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    expect(pg.psql(dbName(url), 'select string_agg(version::text, \',\' order by version) from desk_migrations').trim()).toBe(MIGRATIONS.map((m) => m.version).join(','));
    expect(desk.run(['new', '--from', 'a@b.test', '--subject', 'after a crowded start']).code).toBe(0);
  });

  it('a command other than init does not create desk tables in a database that has none', () => {
    const url = pg.createDb();
    const desk = pgDesk(url);
    const r = desk.run(['list']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no desk database at postgres:\/\/desk@127\.0\.0\.1:\d+\/\w+ \(from DESK_DB\): desk was never initialised in it/);
    expect(r.stderr).toMatch(/desk init/);
    expect(pg.psql(dbName(url), "select count(*) from pg_tables where schemaname = 'public'").trim()).toBe('0');
  });

  it('a missing database, an unreachable server and a bad URL are told apart, and no password is shown', () => {
    const missing = pgDesk(`postgres://desk@127.0.0.1:${pg.port}/no_such_db`).run(['list']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no PostgreSQL database 'no_such_db' on 127\.0\.0\.1:\d+ \(from DESK_DB\)/);
    expect(missing.stderr).toMatch(/createdb no_such_db/);

    const unreachable = pgDesk(`postgres://desk:s3cr3t-pw@127.0.0.1:1/x`).run(['list']);
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1:1/);
    expect(unreachable.stderr).not.toMatch(/s3cr3t-pw/);

    const bad = pgDesk('postgres://desk:s3cr3t-pw@127.0.0.1:notaport/x').run(['list']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toMatch(/s3cr3t-pw/);

    const noDb = pgDesk(`postgres://desk:s3cr3t-pw@127.0.0.1:${pg.port}`).run(['list']);
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toContain(`the database URL names no database: postgres://desk:***@127.0.0.1:${pg.port}`);
  });

  it('a password in the URL is used, never printed and never written into the config; a wrong one is exit 5', () => {
    const url = pg.createDb();
    const name = dbName(url);
    pg.psql('postgres', `grant all on database ${name} to desk_pw`);
    pg.psql(name, 'grant all on schema public to desk_pw');
    const withPw = `postgres://desk_pw:${PASSWORD_ROLE_PASSWORD}@127.0.0.1:${pg.port}/${name}`;
    const desk = pgDesk(withPw);
    const init = desk.run(['init', '--db', withPw], { env: { DESK_DB: '' } });
    expect(init.code).toBe(0);
    expect(init.stderr).not.toContain(PASSWORD_ROLE_PASSWORD);
    expect(init.stderr).toContain(`created the database: postgres://desk_pw:***@127.0.0.1:${pg.port}/${name}`);
    expect(init.stderr).toMatch(/password in the URL was not written into the config: give it in PGPASSWORD/);
    const config = readFileSync(desk.config, 'utf8');
    expect(config).not.toContain(PASSWORD_ROLE_PASSWORD);
    expect(config).toContain(`postgres://desk_pw@127.0.0.1:${pg.port}/${name}`);
    // the config's URL with the password from the environment, as libpq would take it
    const list = desk.run(['list'], { env: { DESK_DB: '', PGPASSWORD: PASSWORD_ROLE_PASSWORD } });
    expect(list).toMatchObject({ code: 0 });

    const wrong = desk.run(['list'], { env: { DESK_DB: withPw.replace(PASSWORD_ROLE_PASSWORD, 'not-it-42') } });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+ refused the login/);
    expect(wrong.stderr).not.toContain('not-it-42');
  });

  it('writers take turns across processes: one held too long makes the next exit 4, and nothing is half-written', async () => {
    const url = pg.createDb();
    const desk = pgDesk(url);
    expect(desk.run(['init']).code).toBe(0);
    const { default: pgDriver } = await import('pg');
    const holder = new pgDriver.Client({ connectionString: url });
    await holder.connect();
    try {
      // the writers' lock, as a desk process mid-write holds it
      await holder.query('select pg_advisory_lock(1684370283)');
      const r = await desk.runAsync(['new', '--from', 'a@b.test', '--subject', 'waits its turn'], { env: { DESK_BUSY_TIMEOUT_MS: '300' } });
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/locked by another desk process/);
      await holder.query('select pg_advisory_unlock(1684370283)');
      expect(JSON.parse(desk.run(['list', '--json']).stdout)).toEqual([]);
      expect(desk.run(['new', '--from', 'a@b.test', '--subject', 'waits its turn']).code).toBe(0);
    } finally {
      await holder.end();
    }
  });

  it('a connection the server ends mid-write is exit 5, and the write is rolled back whole', async () => {
    const url = pg.createDb();
    const name = dbName(url);
    const desk = pgDesk(url);
    expect(desk.run(['init']).code).toBe(0);
    const { default: pgDriver } = await import('pg');
    const holder = new pgDriver.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('select pg_advisory_lock(1684370283)');
      const pending = desk.runAsync(['new', '--from', 'a@b.test', '--subject', 'cut off'], { env: { DESK_BUSY_TIMEOUT_MS: '60000' } });
      // wait (bounded) until desk's writer is in its transaction, waiting for the lock
      const waiting = `select pid from pg_stat_activity where datname = '${name}' and wait_event_type = 'Lock' and wait_event = 'advisory'`;
      let pid = '';
      for (let i = 0; i < 300 && !pid; i++) {
        pid = pg.psql(name, waiting).trim();
        if (!pid) await new Promise((r) => setImmediate(r));
      }
      expect(pid).toMatch(/^\d+$/);
      pg.psql(name, `select pg_terminate_backend(${pid})`);
      const r = await pending;
      expect({ code: r.code, stderr: r.code === 5 ? '' : r.stderr }).toEqual({ code: 5, stderr: '' });
      expect(r.stderr).toMatch(/lost the connection to PostgreSQL at 127\.0\.0\.1:\d+/);
    } finally {
      await holder.end();
    }
    expect(JSON.parse(desk.run(['list', '--json']).stdout)).toEqual([]);
    expect(pg.psql(name, 'select count(*) from requesters').trim()).toBe('0');
  });
});
