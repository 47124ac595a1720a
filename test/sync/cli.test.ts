// `desk sync` as cron and agents run it: the built CLI against a real Dovecot. Exit codes,
// output, the lock, failures (wrong password, unreachable server, a connection dropped mid-fetch,
// kill -9 at many points) and that a rerun after any of them ends in the same database as one
// clean run.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { openStore } from '../../src/store/index.js';
import { acquireSyncLock } from '../../src/mail/lock.js';
import { onPostgres, storeQuery } from '../helpers/backend.js';
import { BIN, tempDesk, type TempDesk } from '../helpers/cli.js';
import { freePort, startCuttingProxy, startDovecot, type Dovecot, type MailUser, accountYaml } from '../helpers/dovecot.js';
import { createRng, generateMailbox, plainMessage, type GeneratedMail } from '../helpers/mailgen.js';
import { canonicalDump } from './dump.js';

const SUPPORT = 'support@desk.test';
const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';

let dovecot: Dovecot;
const desks: TempDesk[] = [];

beforeAll(async () => {
  dovecot = await startDovecot();
});

afterAll(async () => {
  for (const d of desks) d.cleanup();
  await dovecot?.stop();
});

interface DeskOptions {
  port?: number;
  password?: string;
}

/** A fresh desk whose config has one account on the test Dovecot. */
function deskFor(login: MailUser, opts: DeskOptions = {}): TempDesk {
  const desk = tempDesk({ [PASSWORD_ENV]: opts.password ?? login.password });
  desks.push(desk);
  writeFileSync(desk.config, accountYaml({ port: opts.port ?? dovecot.port, user: login.user, passwordEnv: PASSWORD_ENV, address: SUPPORT, queue: 'tech' }));
  return desk;
}

async function dumpOf(desk: TempDesk): Promise<Record<string, unknown[]>> {
  const store = await openStore({ location: desk.db });
  try {
    return await canonicalDump(store.db);
  } finally {
    await store.close();
  }
}

interface Spawned {
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
  /** resolves true when the output so far satisfies `test`, false if the process ends first */
  waitFor(test: RegExp | ((text: string) => boolean), stream?: 'stdout' | 'stderr'): Promise<boolean>;
}

/** Runs desk with output streamed, so a test can act on what it prints (no sleeps). */
function spawnDesk(desk: TempDesk, args: string[]): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { env: desk.env, cwd: desk.dir });
  const out = { stdout: '', stderr: '' };
  const waiters: { test: (text: string) => boolean; stream: 'stdout' | 'stderr'; resolve(v: boolean): void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.test(out[w.stream])) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(true);
      }
    }
  };
  child.stdout.on('data', (d) => {
    out.stdout += d;
    check();
  });
  child.stderr.on('data', (d) => {
    out.stderr += d;
    check();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => {
      for (const w of waiters.splice(0)) w.resolve(false);
      resolve({ code, signal, ...out });
    });
  });
  return {
    done,
    kill: (signal) => child.kill(signal),
    waitFor: (pattern, stream = 'stdout') =>
      new Promise((resolve) => {
        const test = typeof pattern === 'function' ? pattern : (text: string) => pattern.test(text);
        if (test(out[stream])) return resolve(true);
        if (child.exitCode !== null || child.signalCode !== null) return resolve(false);
        waiters.push({ test, stream, resolve });
      }),
  };
}

describe('a plain run', () => {
  let login: MailUser;
  let desk: TempDesk;
  let mails: GeneratedMail[];

  beforeAll(async () => {
    login = await dovecot.addUser('plain@desk.test', 'plain-secret');
    mails = generateMailbox(60, 3, { to: SUPPORT });
    await dovecot.deliver(login.user, mails.map((m) => m.raw));
    desk = deskFor(login);
  });

  it('prints one reconciliation line per mailbox that adds up', () => {
    const r = desk.run(['sync']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const m = /^support\/INBOX: 60 on server, 60 new: (\d+) new tickets?, (\d+) threaded, (\d+) auto-generated, (\d+) duplicates? skipped, (\d+) quarantined$/.exec(lines[0]!);
    expect(m).not.toBeNull();
    expect(m!.slice(1).map(Number).reduce((a, b) => a + b, 0)).toBe(60);
  });

  it('--json prints the same as an object; a run with nothing new adds nothing', () => {
    const r = desk.run(['sync', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ account: 'support', mailbox: 'INBOX', on_server: 60, new: 0, new_tickets: 0, duplicates: 0, error: null });
  });

  it('--quiet prints nothing when all is well', () => {
    const r = desk.run(['sync', '--quiet']);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('desk show --why tells which rule threaded each message', async () => {
    expect(desk.run(['sync', '--quiet']).code).toBe(0); // nothing new if the tests above ran
    const store = await openStore({ location: desk.db });
    const threaded = await store.db.selectFrom('messages').select('ticket_id').where('thread_rule', 'like', 'known-message-id:%').executeTakeFirstOrThrow();
    await store.close();
    const shown = desk.run(['show', String(threaded.ticket_id), '--why']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/known-message-id: In-Reply-To <[^>]+> is a message of ticket \d+/);
    expect(shown.stdout).toMatch(/new: no In-Reply-To or References/);
  });

  it('--verbose logs the IMAP conversation on stderr without the password', async () => {
    await dovecot.deliver(login.user, [plainMessage({ rng: createRng(8), to: SUPPORT }).raw]);
    const r = desk.run(['sync', '--verbose', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/imap support debug C: [0-9A-F]+ UID FETCH/);
    expect(r.stderr).not.toContain(login.password);
    expect(JSON.parse(r.stdout)).toMatchObject({ new: 1 });
  });

  it('an unknown --account is a usage error naming the configured ones', () => {
    const r = desk.run(['sync', '--account', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid value for --account: 'nope' (allowed: support)");
  });
});

describe('on a terminal', () => {
  // `script` (util-linux) runs desk on a pseudo-terminal, as an agent's shell would.
  const onTerminal = (desk: TempDesk, args: string[]) => {
    const quote = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, BIN, ...args].map(quote).join(' ');
    return spawnSync('script', ['-qefc', command, '/dev/null'], { env: desk.env, encoding: 'utf8', cwd: desk.dir });
  };

  it('a big sync shows a progress bar; --quiet and a pipe show none', async () => {
    const login = await dovecot.addUser('terminal@desk.test', 'terminal-secret');
    await dovecot.deliver(login.user, generateMailbox(250, 11, { to: SUPPORT }).map((m) => m.raw));
    const shown = onTerminal(deskFor(login), ['sync']);
    expect(shown.error).toBeUndefined(); // script is part of util-linux, on every Debian
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(/support\/INBOX \[[^\]]*\] \d+% \d+\/250 UIDs/);
    expect(shown.stdout).toMatch(/support\/INBOX: 250 on server, 250 new/);

    const quiet = onTerminal(deskFor(login), ['sync', '--quiet']);
    expect(quiet.status).toBe(0);
    expect(quiet.stdout).not.toMatch(/UIDs/);

    const piped = deskFor(login).run(['sync']);
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toMatch(/UIDs|\x1b/); // quarantine reports only, no bar
  });
});

describe('unreadable mail', () => {
  it('is quarantined and reported without failing the run; --quiet sums it up; --replay retries it', async () => {
    const login = await dovecot.addUser('broken@desk.test', 'broken-secret');
    const rng = createRng(51);
    const orphan = Buffer.from('Subject: no sender at all\r\nMessage-ID: <orphan.1@nowhere.test>\r\n\r\nwho sent this?\r\n');
    await dovecot.deliver(login.user, [plainMessage({ rng, to: SUPPORT }).raw, orphan, plainMessage({ rng, to: SUPPORT }).raw]);
    const desk = deskFor(login);
    const quiet = desk.run(['sync', '--quiet']);
    expect(quiet).toMatchObject({ code: 0, stdout: '' });
    expect(quiet.stderr).toBe('desk: support/INBOX: 1 message quarantined (unreadable; kept for `desk sync --replay`)\n');

    await dovecot.deliver(login.user, [Buffer.from(orphan.toString().replace('orphan.1', 'orphan.2').replace('who', 'who else'))]);
    const loud = desk.run(['sync', '--json']);
    expect(loud.code).toBe(0);
    expect(loud.stderr).toMatch(/^desk: support\/INBOX UID 4 quarantined: no sender address/);
    expect(JSON.parse(loud.stdout)).toMatchObject({ new: 1, quarantined: 1 });

    const replay = desk.run(['sync', '--replay', '--json']);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ retried: 2, stored: 0, still_quarantined: 2 });

    const listed = desk.run(['sync', '--quarantined', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((q: { uid: number; reason: string }) => [q.uid, q.reason.split(':')[0]]))
      .toEqual([[2, 'no sender address'], [4, 'no sender address']]);
    expect(desk.run(['sync', '--quarantined']).stdout).toContain('no sender address');
  });
});

describe('failures', () => {
  it('a second sync on the same database exits 4 at once with "sync already running"', async () => {
    const login = await dovecot.addUser('locked@desk.test', 'locked-secret');
    const desk = deskFor(login);
    expect(desk.run(['sync', '--quiet']).code).toBe(0); // creates the database
    const store = await openStore({ location: desk.db });
    const lock = await acquireSyncLock(store, [{ account: 'support', mailbox: 'INBOX' }]); // the mailbox's lease on PostgreSQL
    try {
      const r = desk.run(['sync']);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('sync already running');
      expect(r.stdout).toBe('');
    } finally {
      await lock.release();
      await store.close();
    }
    expect(desk.run(['sync', '--quiet']).code).toBe(0);
  });

  it('a wrong password exits 5 with the server words', async () => {
    const login = await dovecot.addUser('wrongpw@desk.test', 'right-secret');
    const desk = deskFor(login, { password: 'not-the-password' });
    const r = desk.run(['sync']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/refused login for wrongpw@desk\.test: .*Authentication failed/);
    expect(r.stderr).not.toContain('not-the-password');
  });

  it('an unreachable server exits 5 naming it', async () => {
    const login = await dovecot.addUser('nowhere@desk.test', 'nowhere-secret');
    const port = await freePort();
    const desk = deskFor(login, { port });
    const r = desk.run(['sync']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
  });

  it('a connection dropped mid-fetch exits 5, loses nothing, and a rerun completes it', async () => {
    const login = await dovecot.addUser('dropped@desk.test', 'dropped-secret');
    const mails = generateMailbox(400, 11, { to: SUPPORT });
    await dovecot.deliver(login.user, mails.map((m) => m.raw));
    const clean = deskFor(login);
    expect(clean.run(['sync', '--quiet']).code).toBe(0);

    // Cut after roughly a third of the mailbox has come through.
    const total = mails.reduce((n, m) => n + m.raw.length, 0);
    const proxy = await startCuttingProxy(dovecot, Math.floor(total / 3));
    try {
      const desk = deskFor(login, { port: proxy.port });
      // Asynchronously: the proxy lives in this process and must keep forwarding.
      const cut = await desk.runAsync(['sync', '--batch-size', '50', '--json']);
      expect(proxy.cuts()).toBe(1);
      expect(cut.code).toBe(5);
      expect(cut.stderr).toMatch(/fetching UIDs \d+:\d+ from 127\.0\.0\.1:\d+ failed/);
      const partial = JSON.parse(cut.stdout);
      expect(partial.new).toBeGreaterThan(0);
      expect(partial.new).toBeLessThan(400);
      expect(partial.error).toMatch(/fetching UIDs/);

      proxy.heal();
      const rerun = await desk.runAsync(['sync', '--json']);
      expect(rerun.code).toBe(0);
      expect(JSON.parse(rerun.stdout).new).toBe(400 - partial.new);
      expect(await dumpOf(desk)).toEqual(await dumpOf(clean));
    } finally {
      await proxy.close();
    }
  });

  it('kill -9 at many points, then a rerun: the same database as one clean run', async () => {
    const login = await dovecot.addUser('killed@desk.test', 'killed-secret');
    const mails = generateMailbox(1200, 17, { to: SUPPORT });
    await dovecot.deliver(login.user, mails.map((m) => m.raw));
    const clean = deskFor(login);
    expect(clean.run(['sync', '--quiet', '--batch-size', '100']).code).toBe(0);

    const desk = deskFor(login);
    // On PostgreSQL a killed sync leaves its mailbox lease, which runs out by itself (after
    // DESK_SYNC_LEASE_MS, here its least: a second): the next run starts once it has. A live sync
    // renews it every third of that, and only another sync's taking it could stop one.
    if (onPostgres()) desk.env.DESK_SYNC_LEASE_MS = '1000';
    const leaseLapsed = async () => {
      if (!onPostgres()) return;
      const live = () => storeQuery<{ n: number }>(desk.db, 'select count(*) as n from mail_leases where expires_at > clock_timestamp()')[0]!.n;
      for (const deadline = Date.now() + 30_000; live() > 0;) {
        if (Date.now() > deadline) throw new Error('the killed sync\'s lease did not run out');
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // Kill when the Nth FETCH goes out: while an earlier batch is being parsed or written.
    let killed = 0;
    for (const nth of [1, 3, 2, 4, 6]) {
      await leaseLapsed();
      const run = spawnDesk(desk, ['sync', '--verbose', '--batch-size', '100']);
      const fetches = (text: string) => (text.match(/ C: [0-9A-F]+ UID FETCH /g) ?? []).length >= nth;
      if (await run.waitFor(fetches, 'stderr')) run.kill('SIGKILL');
      const end = await run.done;
      if (end.signal === "SIGKILL") killed++;
    }
    expect(killed).toBeGreaterThanOrEqual(4);
    await leaseLapsed();
    const last = desk.run(['sync', '--json', '--batch-size', '100']);
    expect(last.code).toBe(0);
    expect(await dumpOf(desk)).toEqual(await dumpOf(clean));
  }, 120_000);
});

describe('--watch', () => {
  it('syncs new mail as the server announces it and ends cleanly on Ctrl-C', async () => {
    const login = await dovecot.addUser('watch@desk.test', 'watch-secret');
    const rng = createRng(41);
    await dovecot.deliver(login.user, [plainMessage({ rng, to: SUPPORT }).raw]);
    const desk = deskFor(login);
    const run = spawnDesk(desk, ['sync', '--watch', '--json']);
    expect(await run.waitFor(/"new":1,/)).toBe(true);
    // IDLE is on once the first round is printed; new mail must wake it.
    await dovecot.append(login, [plainMessage({ rng, to: SUPPORT }).raw]);
    expect(await run.waitFor(/"new":1,[^\n]*\n[^\n]*"new":1,/)).toBe(true);
    run.kill('SIGINT');
    const end = await run.done;
    expect(end.code).toBe(0);
    const lines = end.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.new_tickets)).toEqual([1, 1]);
  }, 60_000);
});
