// desk db migrate-to / desk db backup as a user runs them: the built CLI in its own processes,
// a SQLite desk filled by a real sync from Dovecot (attachments), an import of generated tickets
// and replies through a real SMTP server, copied into a real, throwaway PostgreSQL server.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BIN, tempDesk, type TempDesk } from '../helpers/cli.js';
import { PASSWORD_ROLE_PASSWORD, startPostgres, type Postgres } from '../helpers/postgres.js';
import { startDovecot, accountYaml, type Dovecot } from '../helpers/dovecot.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { attachmentMessage, createRng, plainMessage } from '../helpers/mailgen.js';
import { hostileStrings } from '../helpers/hostile.js';

const SUPPORT = 'support@desk.test';
const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';
const TICKETS = 3000;

let pg: Postgres;
let dovecot: Dovecot;
let smtp: TestSmtp;
let source: TempDesk;
const desks: TempDesk[] = [];

const dbName = (url: string) => new URL(url).pathname.slice(1);

function ok(desk: TempDesk, args: string[], env: Record<string, string> = {}) {
  const r = desk.run(args, { env });
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

/** Generated tickets as an import file: accents, several messages and events each. */
function ticketsJsonl(n: number): string {
  const rng = createRng(1207);
  const words = ['export', 'échoue', 'Café', 'invoice', 'naïve', 'Straße', 'login', 'VAT', '日本語', 'emoji 🎉'];
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    const at = `2026-02-${day}T${String(i % 24).padStart(2, '0')}:00:00Z`;
    const subject = `Ticket ${i} ${words[rng.int(0, words.length - 1)]}`;
    const email = `customer${i % 400}@example.com`;
    lines.push(JSON.stringify({
      subject, status: ['open', 'pending', 'solved'][i % 3], priority: ['low', 'normal', 'high', 'urgent'][i % 4],
      tags: i % 5 ? ['billing'] : ['billing', 'vip'], requester: { email, name: i % 7 ? `Customer ${i % 400}` : null },
      created_at: at, updated_at: at,
      messages: [
        { message_id: `<t${i}-1@example.com>`, direction: 'in', from: email, to: [SUPPORT], date: at, subject, text: `Hello, ${words[rng.int(0, words.length - 1)]} number ${i}` },
        { message_id: `<t${i}-2@desk.test>`, in_reply_to: `<t${i}-1@example.com>`, references: [`<t${i}-1@example.com>`], direction: 'out', from: SUPPORT, to: [email], date: at, text: `Hi, we look into ${i}.`, author: 'ana' },
      ],
      events: [
        { at, actor: 'ana', type: 'note', text: `note ${i}` },
        { at, actor: 'rules', type: 'priority', from: 'normal', to: ['low', 'normal', 'high', 'urgent'][i % 4] },
      ],
    }));
  }
  // Hostile text as a class: every control and bidi character, escape sequences, markup, and
  // what would break SQL text or quoting, in every free-text field (NUL aside: PostgreSQL text
  // cannot hold it, see the README).
  const sqlish = [`'; drop table tickets; --`, '$$ $tag$ \\ " \' `', 'x\u0001\u007f\u009b', '🎉 \u{1F600} e\u0301 ﬁ'];
  const hostile = [...hostileStrings(31, 40, { noNul: true }), ...sqlish];
  hostile.forEach((text, i) => {
    const at = '2026-03-01T10:00:00Z';
    lines.push(JSON.stringify({
      subject: text, requester: { email: `hostile${i}@example.com`, name: text }, created_at: at, updated_at: at,
      messages: [{ message_id: `<hostile${i}@example.com>`, direction: 'in', from: `hostile${i}@example.com`, from_name: text, to: [SUPPORT], date: at, subject: text, text, html: `<p>${text}</p>` }],
      events: [{ at, actor: 'ana', type: 'note', text }],
    }));
  });
  return lines.join('\n') + '\n';
}

/**
 * `desk export` of the source desk (thousands of tickets), made once: no test changes that desk
 * after beforeAll (every write to it in a test is one that must be refused, and the first test
 * checks that copying it left its counts as they were).
 */
let exported: string | null = null;
const sourceExport = (): string => (exported ??= ok(source, ['export']).stdout);

function sqliteCounts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'search_fts_%'").all() as Array<{ name: string }>).map((r) => r.name);
    return Object.fromEntries(tables.map((t) => [t, (db.prepare(`select count(*) as n from "${t}"`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

function pgCounts(url: string, tables: string[]): Record<string, number> {
  return Object.fromEntries(tables.map((t) => [t, Number(pg.psql(dbName(url), `select count(*) from "${t}"`).trim())]));
}

const publicTables = (url: string) => Number(pg.psql(dbName(url), "select count(*) from pg_tables where schemaname = 'public'").trim());

function onPostgres(url: string, env: Record<string, string> = {}): TempDesk {
  const d = tempDesk({ DESK_DB: url, ...env }, { init: false });
  desks.push(d);
  return d;
}

beforeAll(async () => {
  [pg, dovecot, smtp] = await Promise.all([startPostgres(), startDovecot(), startTestSmtp()]);
  source = tempDesk({ [PASSWORD_ENV]: 'imap-secret' });
  desks.push(source);
  writeFileSync(source.config, [
    'agent: ana',
    'smtp:',
    '  host: 127.0.0.1',
    `  port: ${smtp.port}`,
    '  secure: false',
    `  from: "Example Support <${SUPPORT}>"`,
    accountYaml({ port: dovecot.port, user: 'support@desk.test', passwordEnv: PASSWORD_ENV, address: SUPPORT }),
  ].join('\n'));
  const login = await dovecot.addUser('support@desk.test', 'imap-secret');
  const rng = createRng(42);
  await dovecot.deliver(login.user, [
    ...Array.from({ length: 4 }, () => attachmentMessage({ rng, to: SUPPORT }).raw),
    ...Array.from({ length: 3 }, () => plainMessage({ rng, to: SUPPORT }).raw),
  ]);
  ok(source, ['sync']);
  writeFileSync(join(source.dir, 'tickets.jsonl'), ticketsJsonl(TICKETS));
  ok(source, ['import', join(source.dir, 'tickets.jsonl')]);
  ok(source, ['agent', 'add', 'sam', '--email', 'sam@example.com']);
  ok(source, ['note', '1', 'customer', 'is', 'on', 'the', 'legacy', 'plan']);
  ok(source, ['set', '2', '--tag', '+legacy']);
  // the test SMTP server runs in this process: desk must run beside it, not block it
  for (const [id, text] of [['1', 'Hi, it is fixed now.'], ['3', 'Hi, we are on it.']]) {
    const r = await source.runAsync(['reply', id!, '--message', text!]);
    if (r.code !== 0) throw new Error(`desk reply exited ${r.code}: ${r.stderr}`);
  }
  expect(smtp.received.length).toBeGreaterThanOrEqual(2);
}, 180_000);

afterAll(async () => {
  for (const d of desks) d.cleanup();
  pg?.stop();
  await Promise.all([dovecot?.stop(), smtp?.close()]);
});

describe('desk db migrate-to', () => {
  it('copies the desk losslessly: same export, same counts, ids kept, and desk works on the copy', () => {
    const url = pg.createDb();
    const counts = sqliteCounts(source.db);
    for (const t of ['tickets', 'messages', 'attachments', 'mail_raw', 'mail_cursors', 'outbox', 'agents', 'events', 'desk_migrations']) expect(counts[t]).toBeGreaterThan(0);

    const r = source.run(['db', 'migrate-to', url]);
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    // the counts it verified, printed per table, and how to switch
    const printed = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)).map(([t, n]) => [t, Number(n)]));
    expect(printed).toEqual({ ...counts, search_fts: expect.any(Number) });
    expect(r.stderr).toContain(`desk config set db ${url}`);
    expect(r.stderr).not.toMatch(/copying|\x1b/); // no progress bar into a pipe
    expect(pgCounts(url, Object.keys(counts))).toEqual(counts);

    // the same user on the same machine (attachment files live in the user's data dir)
    const target = onPostgres(url, { XDG_DATA_HOME: join(source.dir, 'data') });
    const before = sourceExport();
    expect(before.split('\n').length).toBeGreaterThan(TICKETS);
    expect(ok(target, ['export']).stdout).toBe(before);

    // the attachment files came along, next to the target's data
    const dataRoot = join(source.dir, 'data', 'desk');
    const pgData = readdirSync(dataRoot).find((d) => d.startsWith('pg-'))!;
    const files = (root: string) => readdirSync(join(root, 'attachments'), { recursive: true }).filter((f) => statSync(join(root, 'attachments', String(f))).isFile()).map(String).sort();
    const sourceData = join(source.dir, 'desk-data');
    expect(files(join(dataRoot, pgData))).toEqual(files(sourceData));
    expect(files(sourceData).length).toBeGreaterThan(0);

    // desk works on the copy: list, show, search; new ids continue after the highest
    const list = JSON.parse(ok(target, ['list', '--json', '--all']).stdout) as unknown[];
    expect(list.length).toBeGreaterThan(0);
    expect(ok(target, ['show', '1']).stdout).toBe(ok(source, ['show', '1']).stdout);
    expect(ok(target, ['search', 'legacy', '--json']).stdout).toBe(ok(source, ['search', 'legacy', '--json']).stdout);
    // (ranking and snippets differ between the engines: compare the tickets found)
    const found = (desk: TempDesk, q: string[]) => (JSON.parse(ok(desk, ['search', ...q, '--json']).stdout) as Array<{ id: number }>).map((t) => t.id).sort();
    for (const q of [['number', '2987'], ['ticket', '1234'], ['customer187@example']]) {
      expect(found(source, q).length).toBeGreaterThan(0);
      expect(found(target, q)).toEqual(found(source, q));
    }
    const created = JSON.parse(ok(target, ['new', '--from', 'new@example.com', '--subject', 'after the move', '--json']).stdout);
    expect(created.id).toBe(counts.tickets! + 1);
    // the SQLite desk was only read
    expect(sqliteCounts(source.db)).toEqual(counts);
  }, 120_000);

  it('on a terminal shows a progress bar; a password in the URL is used but never printed, nor put in the switch line', () => {
    const url = pg.createDb();
    const name = dbName(url);
    pg.psql('postgres', `grant all on database ${name} to desk_pw`);
    pg.psql(name, 'grant all on schema public to desk_pw');
    const withPw = `postgres://desk_pw:${PASSWORD_ROLE_PASSWORD}@127.0.0.1:${pg.port}/${name}`;
    // `script` (util-linux) runs desk on a pseudo-terminal, as an agent's shell would
    const quote = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, BIN, 'db', 'migrate-to', withPw].map(quote).join(' ');
    const shown = spawnSync('script', ['-qefc', command, '/dev/null'], { env: source.env, encoding: 'utf8', cwd: source.dir });
    expect({ status: shown.status, error: shown.error }).toEqual({ status: 0, error: undefined });
    expect(shown.stdout).toMatch(/copying \w+ \[[^\]]*\] \d+% \d+\/\d+ rows/);
    expect(shown.stdout).toContain(`desk config set db postgres://desk_pw@127.0.0.1:${pg.port}/${name}`);
    expect(shown.stdout).toMatch(/password is not written into the config: give it in PGPASSWORD/);
    expect(shown.stdout).not.toContain(PASSWORD_ROLE_PASSWORD);
    const desk = onPostgres(withPw);
    expect(ok(desk, ['export']).stdout).toBe(sourceExport());

    // pg_dump gets the password too (in its environment), and it shows nowhere
    const backup = desk.run(['db', 'backup', join(desk.dir, 'pw.dump')]);
    expect({ code: backup.code, stderr: backup.code === 0 ? '' : backup.stderr }).toEqual({ code: 0, stderr: '' });
    expect(backup.stdout + backup.stderr).not.toContain(PASSWORD_ROLE_PASSWORD);
    const wrong = desk.run(['db', 'backup', join(desk.dir, 'wrong.dump')], { env: { DESK_DB: withPw.replace(PASSWORD_ROLE_PASSWORD, 'not-it-42') } });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr + wrong.stdout).not.toContain('not-it-42');
    expect(existsSync(join(desk.dir, 'wrong.dump'))).toBe(false);
  }, 120_000);

  it('attachment paths in the database that leave the data directory are reported, never followed', () => {
    const d = tempDesk();
    desks.push(d);
    writeFileSync(join(d.dir, 'one.jsonl'), ticketsJsonl(1).split('\n')[0] + '\n');
    ok(d, ['import', join(d.dir, 'one.jsonl')]);
    writeFileSync(join(d.dir, 'secret.txt'), 'not for the copy');
    const good = 'attachments/ab/abcd/report.txt';
    mkdirSync(join(d.dir, 'desk-data', 'attachments', 'ab', 'abcd'), { recursive: true });
    writeFileSync(join(d.dir, 'desk-data', good), 'the report');
    // the class: every way out of the data dir, under every prefix, plus paths that name no file
    const escapes = ['..', '../secret.txt', '../../secret.txt', `${'../'.repeat(12)}etc/passwd`, join(d.dir, 'secret.txt'), 'x/../../secret.txt'];
    const hostile = [...['', './', 'attachments/', 'attachments/ab/'].flatMap((p) => escapes.map((e) => p + e)), '', '.', 'attachments', 'attachments/ab', 'a\0b', 'missing.txt'];
    const db = new Database(d.db);
    const message = (db.prepare('select id from messages order by id limit 1').get() as { id: number }).id;
    const insert = db.prepare('insert into attachments (message_id, filename, content_type, size, sha256, path) values (?, ?, ?, ?, ?, ?)');
    for (const p of [good, ...hostile]) insert.run(message, 'f.txt', 'text/plain', 10, 'ab'.repeat(32), p);
    db.close();

    const home = join(d.dir, 'data');
    const r = d.run(['db', 'migrate-to', pg.createDb()]);
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stderr).toContain('copied 1 attachment file(s)');
    expect(r.stderr).toContain(`warning: ${new Set(hostile).size} attachment file(s) named by the desk were not in`);
    const copied = readdirSync(home, { recursive: true }).map(String).filter((f) => statSync(join(home, f)).isFile());
    expect(copied).toEqual([expect.stringMatching(/^desk\/pg-[^/]+-data\/attachments\/ab\/abcd\/report\.txt$/)]);
  }, 60_000);

  it('says which text held NUL, which PostgreSQL cannot store, and keeps the rest of the value', () => {
    const d = tempDesk();
    desks.push(d);
    const at = '2026-03-01T10:00:00Z';
    writeFileSync(join(d.dir, 'nul.jsonl'), JSON.stringify({
      subject: 'before\u0000after', requester: { email: 'nul@example.com', name: 'N\u0000' }, created_at: at, updated_at: at,
      messages: [{ message_id: '<nul@example.com>', direction: 'in', from: 'nul@example.com', to: [SUPPORT], date: at, subject: 'before\u0000after', text: 'x\u0000y' }],
    }) + '\n');
    ok(d, ['import', join(d.dir, 'nul.jsonl')]);
    const url = pg.createDb();
    const r = d.run(['db', 'migrate-to', url, '--json']);
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    // the requester's name is its customer's name too (migration 15)
    expect(JSON.parse(r.stdout).nul_replaced).toEqual({ requesters: 1, customers: 1, tickets: 1, messages: 2 });
    expect(r.stderr).toContain('warning: 5 text value(s) (1 in requesters, 1 in customers, 1 in tickets, 2 in messages) held the NUL character');
    const shown = ok(onPostgres(url), ['show', '1', '--json']).stdout;
    expect(shown).toContain('before\ufffdafter');
    expect(shown).toContain('x\ufffdy');
  }, 60_000);

  it('holds the SQLite desk still while it copies (a writer meanwhile waits, then exits 4), and waits its turn on the target', async () => {
    const url = pg.createDb();
    const name = dbName(url);
    const { default: pgDriver } = await import('pg');
    const holder = new pgDriver.Client({ connectionString: url });
    await holder.connect();
    try {
      // a desk writer on the target holds the writers' lock: migrate-to waits its turn, up to the busy timeout
      await holder.query('select pg_advisory_lock(1684370283)');
      const short = await source.runAsync(['db', 'migrate-to', url], { env: { DESK_BUSY_TIMEOUT_MS: '300' } });
      expect(short.code).toBe(4);
      expect(short.stderr).toMatch(/another desk process is writing to postgres:\/\/desk@127\.0\.0\.1:\d+\/\w+/);
      expect(publicTables(url)).toBe(0);

      const pending = source.runAsync(['db', 'migrate-to', url], { env: { DESK_BUSY_TIMEOUT_MS: '60000' } });
      const waiting = `select count(*) from pg_stat_activity where datname = '${name}' and application_name = 'desk migrate-to' and wait_event = 'advisory'`;
      let seen = false;
      for (let i = 0; i < 600 && !seen; i++) {
        seen = pg.psql(name, waiting).trim() === '1';
        if (!seen) await new Promise((r) => setImmediate(r));
      }
      expect(seen).toBe(true);
      // migrate-to has the SQLite desk's write lock by now: a writer there gives up after its wait
      const writer = await source.runAsync(['new', '--from', 'late@example.com', '--subject', 'during the move'], { env: { DESK_BUSY_TIMEOUT_MS: '200' } });
      expect(writer.code).toBe(4);
      expect(writer.stderr).toMatch(/locked by another desk process/);
      await holder.query('select pg_advisory_unlock(1684370283)');
      const r = await pending;
      expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    } finally {
      await holder.end();
    }
    expect(ok(onPostgres(url), ['export']).stdout).toBe(sourceExport());
  }, 120_000);

  it('refuses a target that is not empty (exit 2) and leaves it untouched, tells a bad URL (2) from an unreachable server (5); an initialised empty desk is fine', () => {
    const withDesk = pg.createDb();
    const other = onPostgres(withDesk);
    ok(other, ['init']);
    ok(other, ['new', '--from', 'a@b.test', '--subject', 'already here']);
    const r = source.run(['db', 'migrate-to', withDesk]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already holds a desk with data/);
    expect(r.stderr).toMatch(/empty database/);
    expect(JSON.parse(ok(other, ['list', '--json']).stdout).map((t: { subject: string }) => t.subject)).toEqual(['already here']);

    const foreign = pg.createDb();
    pg.psql(dbName(foreign), 'create table invoices (id int); alter table invoices owner to desk');
    const f = source.run(['db', 'migrate-to', foreign]);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/not empty: it holds 1 table\(s\) that are not desk's \(invoices\)/);
    expect(publicTables(foreign)).toBe(1);

    const notPg = source.run(['db', 'migrate-to', join(source.dir, 'other.db')]);
    expect(notPg.code).toBe(2);
    expect(notPg.stderr).toMatch(/migrate-to copies into PostgreSQL/);

    const unreachable = source.run(['db', 'migrate-to', 'postgres://desk:s3cr3t-pw@127.0.0.1:1/desk']);
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1:1/);
    expect(unreachable.stderr).not.toContain('s3cr3t-pw');
    const badUrl = source.run(['db', 'migrate-to', 'postgres://desk:s3cr3t-pw@127.0.0.1:notaport/desk']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).not.toContain('s3cr3t-pw');

    const fromPg = other.run(['db', 'migrate-to', pg.createDb()]);
    expect(fromPg.code).toBe(2);
    expect(fromPg.stderr).toMatch(/the desk in use is already on PostgreSQL/);

    const initialised = pg.createDb();
    ok(onPostgres(initialised), ['init']);
    const intoInitialised = source.run(['db', 'migrate-to', initialised]);
    expect({ code: intoInitialised.code, stderr: intoInitialised.code === 0 ? '' : intoInitialised.stderr }).toEqual({ code: 0, stderr: '' });
    expect(ok(onPostgres(initialised), ['export']).stdout).toBe(sourceExport());
  }, 120_000);

  it('a connection lost mid-copy is exit 5 with the target left empty, and a rerun completes', async () => {
    const url = pg.createDb();
    const pending = source.runAsync(['db', 'migrate-to', url]);
    const { default: pgDriver } = await import('pg');
    const watcher = new pgDriver.Client({ host: '127.0.0.1', port: pg.port, user: 'postgres', database: 'postgres' });
    await watcher.connect();
    let killed = false;
    try {
      // wait (bounded) until the copy is writing rows (events: by COPY), then end its connection from the server
      const deadline = Date.now() + 60_000;
      while (!killed && Date.now() < deadline) {
        const r = await watcher.query(
          "select pg_terminate_backend(pid) as t from pg_stat_activity where datname = $1 and application_name = 'desk migrate-to' and (query ilike 'insert into \"events\"%' or query ilike '%copy events %')",
          [dbName(url)],
        );
        killed = r.rows.some((row: { t: boolean }) => row.t);
      }
    } finally {
      await watcher.end();
    }
    expect(killed).toBe(true);
    const r = await pending;
    expect({ code: r.code, stderr: r.code === 5 ? '' : r.stderr }).toEqual({ code: 5, stderr: '' });
    expect(r.stderr).toMatch(/lost the connection to PostgreSQL at 127\.0\.0\.1:\d+/);
    expect(r.stderr).toMatch(/rolled back; run the command again/);
    expect(publicTables(url)).toBe(0);

    const again = source.run(['db', 'migrate-to', url]);
    expect({ code: again.code, stderr: again.code === 0 ? '' : again.stderr }).toEqual({ code: 0, stderr: '' });
    expect(ok(onPostgres(url), ['export']).stdout).toBe(sourceExport());
  }, 120_000);
});

describe('desk db backup', () => {
  it('on SQLite writes a consistent copy that restores to the same desk, and never overwrites a file', () => {
    const file = join(source.dir, 'backup.db');
    const r = source.run(['db', 'backup', file]);
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout.trim()).toBe(file);
    expect(r.stderr).toMatch(/restore:/);
    expect(r.stderr).toMatch(/attachment files are not in the backup: back up .*desk-data too/);

    const restored = tempDesk({}, { init: false });
    desks.push(restored);
    copyFileSync(file, restored.db);
    expect(ok(restored, ['export']).stdout).toBe(sourceExport());

    const again = source.run(['db', 'backup', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(readdirSync(source.dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  }, 60_000);

  it('on PostgreSQL runs pg_dump; the archive restores with pg_restore to the same desk; no pg_dump is a clear error', () => {
    const url = pg.createDb();
    expect(source.run(['db', 'migrate-to', url]).code).toBe(0);
    const desk = onPostgres(url);
    const file = join(desk.dir, 'desk.dump');
    const r = desk.run(['db', 'backup', file]);
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stderr).toMatch(/pg_restore/);
    expect(statSync(file).size).toBeGreaterThan(0);

    const restoredUrl = pg.createDb();
    const restore = spawnSync('pg_restore', ['--no-owner', '-h', '127.0.0.1', '-p', String(pg.port), '-U', 'desk', '-d', dbName(restoredUrl), file], { encoding: 'utf8' });
    expect({ status: restore.status, stderr: restore.stderr }).toEqual({ status: 0, stderr: '' });
    expect(ok(onPostgres(restoredUrl), ['export']).stdout).toBe(sourceExport());

    const missing = desk.run(['db', 'backup', join(desk.dir, 'other.dump')], { env: { PATH: join(desk.dir, 'no-such-dir') } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/pg_dump was not found/);
    expect(existsSync(join(desk.dir, 'other.dump'))).toBe(false);
  }, 120_000);
});
