// Team mode: `desk sync` and the outbox on one PostgreSQL database from several hosts. Each
// "host" is a desk with its own data dir (so its own SQLite-style lock dir, which must not matter
// here) and the same postgres:// DESK_DB; the built CLI runs as separate processes against a real
// Dovecot, a real PostgreSQL and the test SMTP server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { openStore } from '../../src/store/index.js';
import { BIN, tempDesk, type TempDesk, type RunResult } from '../helpers/cli.js';
import { accountYaml, startDovecot, type Dovecot, type MailUser } from '../helpers/dovecot.js';
import { generateMailbox, type GeneratedMail } from '../helpers/mailgen.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { canonicalDump } from '../sync/dump.js';

const SUPPORT = 'support@desk.test';
const SALES = 'sales@desk.test';
const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';
const SALES_PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD_SALES';

let dovecot: Dovecot;
let pg: Postgres;
const desks: TempDesk[] = [];
const closers: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  [dovecot, pg] = await Promise.all([startDovecot(), startPostgres()]);
});
afterAll(async () => {
  for (const c of closers) await c();
  for (const d of desks) d.cleanup();
  await dovecot?.stop();
  pg?.stop();
});

const dbName = (url: string) => new URL(url).pathname.slice(1);

interface Account {
  name: string;
  login: MailUser;
  address: string;
  port?: number;
}

function accountsYaml(accounts: Account[]): string {
  return accounts
    .map((a, i) => {
      const yaml = accountYaml({ name: a.name, port: a.port ?? dovecot.port, user: a.login.user, passwordEnv: i ? SALES_PASSWORD_ENV : PASSWORD_ENV, address: a.address, queue: 'tech' });
      return i ? yaml.replace(/^accounts:\n/, '') : yaml;
    })
    .join('');
}

/** One "host": its own data dir and config, the shared database at `url`. */
function hostDesk(url: string, accounts: Account[], env: Record<string, string> = {}): TempDesk {
  const desk = tempDesk({ DESK_DB: url, [PASSWORD_ENV]: accounts[0]?.login.password ?? '', [SALES_PASSWORD_ENV]: accounts[1]?.login.password ?? '', ...env }, { init: false });
  desks.push(desk);
  writeFileSync(desk.config, accountsYaml(accounts));
  return desk;
}

function sqliteDesk(accounts: Account[]): TempDesk {
  const desk = tempDesk({ [PASSWORD_ENV]: accounts[0]!.login.password, [SALES_PASSWORD_ENV]: accounts[1]?.login.password ?? '' });
  desks.push(desk);
  writeFileSync(desk.config, accountsYaml(accounts));
  return desk;
}

function newDatabase(): string {
  const url = pg.createDb();
  const init = tempDesk({ DESK_DB: url }, { init: false });
  desks.push(init);
  const r = init.run(['init']);
  if (r.code !== 0) throw new Error(`desk init failed: ${r.stderr}`);
  return url;
}

async function dumpOf(location: string): Promise<Record<string, unknown[]>> {
  const store = await openStore({ location });
  try {
    return JSON.parse(JSON.stringify(await canonicalDump(store.db, { withSearch: false })));
  } finally {
    await store.close();
  }
}

async function mailbox(user: string, count: number, seed: number, to: string): Promise<{ login: MailUser; mails: GeneratedMail[] }> {
  const login = await dovecot.addUser(user, `${user}-secret`);
  const mails = generateMailbox(count, seed, { to });
  await dovecot.deliver(login.user, mails.map((m) => m.raw));
  return { login, mails };
}

/**
 * A TCP relay to Dovecot that holds back the server's words until opened: a sync through it has
 * taken its lease and then waits on the server, for as long as the test needs.
 */
async function gatedImap(): Promise<{ port: number; open(): void }> {
  let opened = false;
  const waiting: Array<() => void> = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(dovecot.port, '127.0.0.1');
    client.pipe(upstream);
    const start = () => upstream.pipe(client);
    if (opened) start();
    else waiting.push(start);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    port: (server.address() as net.AddressInfo).port,
    open() {
      opened = true;
      for (const w of waiting.splice(0)) w();
    },
  };
}

interface Spawned {
  pid: number;
  done: Promise<RunResult & { signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  waitFor(test: (text: string) => boolean): Promise<boolean>;
}

function spawnDesk(desk: TempDesk, args: string[]): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { env: desk.env, cwd: desk.dir });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ test: (t: string) => boolean; resolve(v: boolean): void }> = [];
  const check = () => {
    for (const w of [...waiters]) if (w.test(stderr)) waiters.splice(waiters.indexOf(w), 1), w.resolve(true);
  };
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    check();
  });
  const done = new Promise<RunResult & { signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      for (const w of waiters.splice(0)) w.resolve(false);
      resolve({ code: code ?? -1, signal, stdout, stderr });
    }),
  );
  return {
    pid: child.pid!,
    done,
    kill: (s) => child.kill(s),
    waitFor: (test) =>
      new Promise((resolve) => {
        if (test(stderr)) return resolve(true);
        if (child.exitCode !== null || child.signalCode !== null) return resolve(false);
        waiters.push({ test, resolve });
      }),
  };
}

/** Polls `check` until it holds, at most `bound` tries (each one a process or a query). */
async function until(check: () => boolean | Promise<boolean>, bound = 200): Promise<void> {
  for (let i = 0; i < bound; i++) {
    if (await check()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}

describe('two hosts syncing one PostgreSQL desk', () => {
  it('a second host syncing the same mailbox exits 4 at once; a host syncing another mailbox proceeds', async () => {
    const support = await mailbox('pg-two-support@desk.test', 30, 5, SUPPORT);
    const sales = await mailbox('pg-two-sales@desk.test', 20, 6, SALES);
    const url = newDatabase();
    const gate = await gatedImap();
    // Host A syncs support through the gate: it takes its lease, then waits on the server.
    const hostA = hostDesk(url, [{ name: 'support', login: support.login, address: SUPPORT, port: gate.port }]);
    const a = spawnDesk(hostA, ['sync', '--json']);
    try {
      await until(() => pg.psql(dbName(url), "select count(*) from mail_leases where account = 'support' and expires_at > now()").trim() === '1', 500);

      const hostB = hostDesk(url, [{ name: 'support', login: support.login, address: SUPPORT }]);
      const started = Date.now();
      const same = await hostB.runAsync(['sync']);
      expect(same.code).toBe(4);
      expect(same.stderr).toContain(`sync already running for support/INBOX (pid ${a.pid} on `);
      expect(same.stdout).toBe('');
      expect(Date.now() - started).toBeLessThan(15_000);

      const hostC = hostDesk(url, [{ name: 'sales', login: sales.login, address: SALES }]);
      const other = await hostC.runAsync(['sync', '--json']);
      expect(other.stderr).toBe('');
      expect(other.code).toBe(0);
      expect(JSON.parse(other.stdout)).toMatchObject({ account: 'sales', new: 20, error: null });
    } finally {
      gate.open();
    }
    const first = await a.done;
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ account: 'support', new: 30, error: null });
    // Its lease is given back: the next run of either host proceeds at once.
    expect(pg.psql(dbName(url), 'select count(*) from mail_leases').trim()).toBe('0');

    // The same as one host syncing both mailboxes in one clean run.
    const cleanUrl = newDatabase();
    const clean = hostDesk(cleanUrl, [
      { name: 'support', login: support.login, address: SUPPORT },
      { name: 'sales', login: sales.login, address: SALES },
    ]);
    expect((await clean.runAsync(['sync', '--quiet', '--account', 'sales'])).code).toBe(0);
    expect((await clean.runAsync(['sync', '--quiet', '--account', 'support'])).code).toBe(0);
    expect(await dumpOf(url)).toEqual(await dumpOf(cleanUrl));
  }, 120_000);

  it('a sync whose lease was taken over (it stalled past its expiry) stores nothing more and exits 4', async () => {
    const support = await mailbox('pg-stolen@desk.test', 10, 9, SUPPORT);
    const url = newDatabase();
    const gate = await gatedImap();
    const hostA = hostDesk(url, [{ name: 'support', login: support.login, address: SUPPORT, port: gate.port }]);
    const a = spawnDesk(hostA, ['sync', '--json']);
    try {
      await until(() => pg.psql(dbName(url), 'select count(*) from mail_leases').trim() === '1', 500);
      // As another host would after A's lease ran out: the lease is now someone else's.
      pg.psql(dbName(url), "update mail_leases set holder = 'host-b:77:feed', expires_at = now() + interval '1 hour'");
    } finally {
      gate.open();
    }
    const end = await a.done;
    expect(end.code).toBe(4);
    expect(end.stderr).toContain('the sync lease of support/INBOX ran out and another sync took it');
    expect(pg.psql(dbName(url), 'select count(*) from messages').trim()).toBe('0');
    expect(pg.psql(dbName(url), 'select holder from mail_leases').trim()).toBe('host-b:77:feed'); // not dropped by A
  }, 60_000);

  it('two hosts started at once on the same two mailboxes never store a mail twice', async () => {
    const support = await mailbox('pg-race-support@desk.test', 150, 21, SUPPORT);
    const sales = await mailbox('pg-race-sales@desk.test', 150, 22, SALES);
    const accounts = [
      { name: 'support', login: support.login, address: SUPPORT },
      { name: 'sales', login: sales.login, address: SALES },
    ];
    const url = newDatabase();
    const hosts = [hostDesk(url, accounts), hostDesk(url, accounts)];
    const runs = await Promise.all(hosts.map((h) => h.runAsync(['sync', '--quiet', '--batch-size', '25'])));
    for (const r of runs) {
      expect([0, 4]).toContain(r.code);
      if (r.code === 4) expect(r.stderr).toMatch(/sync already running for (support|sales)\/INBOX/);
    }
    // Whatever the interleaving, a last run completes what a refused run left.
    expect((await hosts[0]!.runAsync(['sync', '--quiet'])).code).toBe(0);
    const cleanUrl = newDatabase();
    expect((await hostDesk(cleanUrl, accounts).runAsync(['sync', '--quiet'])).code).toBe(0);
    const count = (u: string, table: string) => pg.psql(dbName(u), `select count(*) from ${table}`).trim();
    for (const table of ['messages', 'tickets', 'mail_raw', 'mail_quarantine', 'attachments']) expect([table, count(url, table)]).toEqual([table, count(cleanUrl, table)]);
    const stored = (u: string) => pg.psql(dbName(u), "select string_agg(coalesce(message_id, '-'), ',' order by message_id) from messages");
    expect(stored(url)).toBe(stored(cleanUrl));
  }, 120_000);
});

describe('sync on PostgreSQL, failures', () => {
  let login: MailUser;
  let cleanUrl: string;
  const accountsOf = () => [{ name: 'support', login, address: SUPPORT }];

  beforeAll(async () => {
    ({ login } = await mailbox('pg-fail@desk.test', 600, 31, SUPPORT));
    cleanUrl = newDatabase();
    const clean = hostDesk(cleanUrl, accountsOf());
    const r = await clean.runAsync(['sync', '--quiet', '--batch-size', '100']);
    if (r.code !== 0) throw new Error(`clean sync failed: ${r.stderr}`);
  });

  it('kill -9 mid-sync leaves a lease that lapses by itself; the rerun gives one clean run\'s database', async () => {
    const url = newDatabase();
    // A short lease, so that the test does not wait a minute for the killed run's to run out.
    const desk = hostDesk(url, accountsOf(), { DESK_SYNC_LEASE_MS: '1500' });
    const run = spawnDesk(desk, ['sync', '--verbose', '--batch-size', '100']);
    const fetches = (text: string) => (text.match(/ C: [0-9A-F]+ UID FETCH /g) ?? []).length >= 3;
    expect(await run.waitFor(fetches)).toBe(true);
    run.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    // The dead run's lease is still there (no connection holds it), until it lapses.
    expect(pg.psql(dbName(url), 'select holder from mail_leases')).toContain(`:${run.pid}:`);

    let last: RunResult | undefined;
    await until(async () => {
      last = await desk.runAsync(['sync', '--quiet', '--batch-size', '100']);
      if (last.code === 4) expect(last.stderr).toContain(`sync already running for support/INBOX (pid ${run.pid} on `);
      return last.code !== 4;
    }, 60);
    expect(last?.code).toBe(0);
    expect(await dumpOf(url)).toEqual(await dumpOf(cleanUrl));
  }, 120_000);

  it('the database connection dropped mid-sync: the rerun gives one clean run\'s database', async () => {
    const url = newDatabase();
    const desk = hostDesk(url, accountsOf());
    const run = spawnDesk(desk, ['sync', '--verbose', '--batch-size', '100']);
    const fetches = (text: string) => (text.match(/ C: [0-9A-F]+ UID FETCH /g) ?? []).length >= 3;
    expect(await run.waitFor(fetches)).toBe(true);
    pg.psql(dbName(url), `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${dbName(url)}' and pid <> pg_backend_pid()`);
    const cut = await run.done;
    expect([0, 5]).toContain(cut.code); // a write in flight fails (5); an idle connection is replaced
    if (cut.code === 5) expect(cut.stderr).toMatch(/PostgreSQL/);
    const rerun = await desk.runAsync(['sync', '--quiet', '--batch-size', '100']);
    expect(rerun.code).toBe(0);
    expect(await dumpOf(url)).toEqual(await dumpOf(cleanUrl));
  }, 120_000);

  it('a sync with threading and attachments exports the same on PostgreSQL as on SQLite', async () => {
    const lite = sqliteDesk(accountsOf());
    expect((await lite.runAsync(['sync', '--quiet', '--batch-size', '100'])).code).toBe(0);
    const pgHost = hostDesk(cleanUrl, accountsOf());
    const fromPg = await pgHost.runAsync(['export']);
    const fromLite = await lite.runAsync(['export']);
    expect(fromPg.code).toBe(0);
    expect(fromLite.code).toBe(0);
    expect(fromPg.stdout.length).toBeGreaterThan(1000);
    expect(fromPg.stdout).toContain('"attachments":[{');
    expect(fromPg.stdout).toBe(fromLite.stdout);
  }, 120_000);
});

describe('the outbox on PostgreSQL', () => {
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startTestSmtp();
    closers.push(() => smtp.close());
  });

  it('two hosts flushing at once send each queued mail exactly once', async () => {
    const url = newDatabase();
    const T0 = { env: { DESK_NOW: '2026-03-30T09:00:00Z' } };
    const T1 = { env: { DESK_NOW: '2026-03-30T09:05:00Z' } };
    const smtpYaml = `smtp: { host: ${smtp.host}, port: ${smtp.port}, secure: false, from: support@desk.example }\n`;
    const hosts = [hostDesk(url, []), hostDesk(url, [])];
    for (const h of hosts) writeFileSync(h.config, smtpYaml);
    const [a, b] = hosts as [TempDesk, TempDesk];
    await smtp.stop();
    const customers: string[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const to = `customer${i}@example.com`;
        customers.push(to);
        const made = await a.runAsync(['new', '--from', to, '--subject', `Question ${i}`, '--body', 'x', '--json']);
        expect(made.code).toBe(0);
        const reply = await a.runAsync(['reply', String(JSON.parse(made.stdout).id), '--message', `Answer ${i}`], T0);
        expect(reply.code).toBe(5); // queued: the server is down
      }
    } finally {
      await smtp.start();
    }
    smtp.reset();
    const flushes = await Promise.all([a.runAsync(['outbox', 'flush', '--json'], T1), b.runAsync(['outbox', 'flush', '--json'], T1)]);
    for (const f of flushes) expect({ code: f.code, stderr: f.stderr }).toEqual({ code: 0, stderr: '' });
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual([...customers].sort());
    expect(smtp.attempts).toBe(8);
    const outbox = JSON.parse((await a.runAsync(['outbox', '--all', '--json'])).stdout) as Array<{ state: string; attempts: number }>;
    expect(outbox.map((e) => [e.state, e.attempts])).toEqual(customers.map(() => ['sent', 2]));
  }, 120_000);
});
