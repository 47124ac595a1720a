// A real Dovecot IMAP server for the sync tests: its own config, sockets, state and maildirs in a
// temp dir, listening on 127.0.0.1 on a port chosen free at run time. Nothing is mocked: what the
// tests see is what a support mailbox on a Dovecot server does.
//
// Facts it relies on (Debian's dovecot-imapd 2.3):
//  - the login process must not run as root: default_login_user = dovenull,
//    default_internal_user = dovecot (when the tests run as root);
//  - mail is owned by nobody:nogroup (static userdb), so files written directly into a maildir
//    are chowned to them;
//  - a deleted dovecot-uidlist + index makes Dovecot assign a new UIDVALIDITY, always a higher
//    one (it keeps a dovecot-uidvalidity counter in the mail root).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';

const DOVECOT_BIN = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot', '/opt/homebrew/sbin/dovecot'];
export const INSTALL_HINT = 'install dovecot-imapd (apt-get install -y dovecot-imapd)';

export interface MailUser {
  user: string;
  password: string;
}

export interface DeliverOptions {
  mailbox?: string;
  /** Deliver as already read (\Seen), as if someone had opened the mail in a webmail first. */
  seen?: boolean;
}

export interface Dovecot {
  host: string;
  port: number;
  /** The temp dir holding config, sockets, logs and mail. */
  dir: string;
  addUser(user: string, password: string): Promise<MailUser>;
  /** The maildir of a user's mailbox (INBOX or a Maildir++ folder). */
  maildir(user: string, mailbox?: string): string;
  /**
   * Drops raw messages straight into the maildir, in order: the fast way to fill a mailbox with
   * thousands of messages. UIDs are assigned by Dovecot in the order given.
   */
  deliver(user: string, raws: Array<string | Buffer>, options?: DeliverOptions): Promise<void>;
  /** IMAP APPEND, the way a mail client would store a message. Returns the new UIDs. */
  append(login: MailUser, raws: Array<string | Buffer>, options?: DeliverOptions): Promise<number[]>;
  /** Marks every message (or the given UIDs) \Seen over IMAP. */
  markSeen(login: MailUser, uids?: number[], mailbox?: string): Promise<void>;
  /** Makes Dovecot forget the mailbox's UIDs: next SELECT shows a new UIDVALIDITY, UIDs from 1. */
  resetUidValidity(user: string, mailbox?: string): Promise<void>;
  /** A connected client (logger off); the caller logs out. */
  client(login: MailUser): Promise<ImapFlow>;
  /** The server's log so far (useful in a failing test's message). */
  log(): string;
  stop(): Promise<void>;
}

function findDovecot(): string {
  const bin = DOVECOT_BIN.find((p) => existsSync(p));
  if (!bin) throw new Error(`dovecot not found: ${INSTALL_HINT}`);
  return bin;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Owner of the mail files: nobody:nogroup when root (Dovecot drops privileges), else ourselves. */
function mailOwner(): { uid: number; gid: number; uidName: string; gidName: string } {
  if (isRoot()) return { uid: 65534, gid: 65534, uidName: '65534', gidName: '65534' };
  const info = os.userInfo();
  return { uid: info.uid, gid: info.gid, uidName: String(info.uid), gidName: String(info.gid) };
}

function dovecotConf(dir: string, port: number): string {
  const owner = mailOwner();
  const me = os.userInfo().username;
  // Unprivileged runs: every Dovecot process runs as the current user.
  const users = isRoot()
    ? 'default_login_user = dovenull\ndefault_internal_user = dovecot'
    : `default_login_user = ${me}\ndefault_internal_user = ${me}`;
  return `# written by the desk test suite
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = desk-test-${path.basename(dir)}
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests fail logins on purpose: no 2 s delay, and no per-IP penalty (a growing delay) for the
# logins that follow; mode 0 disables the penalty listener.
auth_failure_delay = 0
${users}
mail_location = maildir:${dir}/mail/%u
# The mail of a test run is thrown away after it: no fsync of every mail file and index write
# (each sync test writes hundreds; the server's answers are the same either way).
mail_fsync = never
# Tests hold many connections of one user at once (stalled on purpose, or in IDLE): the default
# cap of 10 per user and IP would refuse a later login while stalled ones linger.
protocol imap {
  mail_max_userip_connections = 1000
}
first_valid_uid = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users/%u
}
userdb {
  driver = static
  args = uid=${owner.uidName} gid=${owner.gidName} home=${dir}/mail/%u
}
service imap-login {
  # One login process serves every connection (Dovecot's "high-performance" mode) instead of a
  # new one started per connection: the tests open many.
  service_count = 0
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service stats {
  inet_listener http {
    port = 0
  }
}
`;
}

/** Resolves once the server answers with an IMAP greeting. */
async function waitForGreeting(port: number, child: ChildProcess, logFile: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = `dovecot exited (${code ?? signal})`));
  for (;;) {
    if (exited) throw new Error(`${exited}: ${readLog(logFile)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.setTimeout(2000);
      sock.once('data', (d) => {
        sock.destroy();
        resolve(d.toString().startsWith('* OK'));
      });
      sock.once('error', () => resolve(false));
      sock.once('timeout', () => {
        sock.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not answer on port ${port}: ${readLog(logFile)}`);
    await new Promise((r) => setTimeout(r, 50)); // polling a child process coming up, not test timing
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '(no log)';
  }
}

function mailboxDir(root: string, user: string, mailbox = 'INBOX'): string {
  const home = path.join(root, 'mail', user);
  if (mailbox.toUpperCase() === 'INBOX') return home;
  return path.join(home, '.' + mailbox.replace(/\//g, '.'));
}

/**
 * Starts Dovecot. Fails (never skips) when it is not installed. Call `stop()` in afterAll; a
 * process exit handler also kills it should the test process die first.
 */
export async function startDovecot(): Promise<Dovecot> {
  const bin = findDovecot();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'desk-dovecot-'));
  // Dovecot's unprivileged processes must traverse the temp dir.
  await chmod(dir, 0o755);
  const owner = mailOwner();
  await mkdir(path.join(dir, 'mail'), { recursive: true });
  await chown(path.join(dir, 'mail'), owner.uid, owner.gid);
  // One passwd-file per user: Dovecot sees a new user at once (a growing shared file may be
  // cached when it changes twice within a second).
  await mkdir(path.join(dir, 'users'), { mode: 0o755 });
  const logFile = path.join(dir, 'dovecot.log');

  let child: ChildProcess | null = null;
  let port = 0;
  // The free port may be taken between choosing it and Dovecot binding it: try a few.
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    await writeFile(path.join(dir, 'dovecot.conf'), dovecotConf(dir, port));
    // stderr to a file, not a pipe: Dovecot's children inherit it and would keep the test process alive.
    const errFile = path.join(dir, `stderr-${attempt}.log`);
    const errFd = openSync(errFile, 'w');
    const proc = spawn(bin, ['-F', '-c', path.join(dir, 'dovecot.conf')], { stdio: ['ignore', 'ignore', errFd] });
    closeSync(errFd);
    try {
      await waitForGreeting(port, proc, logFile);
      child = proc;
    } catch (err) {
      proc.kill('SIGKILL');
      if (attempt === 4) throw new Error(`${(err as Error).message}\n${readLog(errFile)}`);
    }
  }
  const master = child!;
  const killOnExit = () => master.kill('SIGKILL');
  process.once('exit', killOnExit);

  let seq = 0;

  const dovecot: Dovecot = {
    host: '127.0.0.1',
    port,
    dir,
    async addUser(user, password) {
      if (/[/\\:\s]/.test(user) || user.startsWith('.')) throw new Error(`test user names must be plain addresses: ${user}`);
      await writeFile(path.join(dir, 'users', user), `${user}:{PLAIN}${password}\n`, { mode: 0o644 });
      return { user, password };
    },
    maildir: (user, mailbox) => mailboxDir(dir, user, mailbox),
    async deliver(user, raws, options = {}) {
      const md = mailboxDir(dir, user, options.mailbox);
      const home = mailboxDir(dir, user);
      for (const d of [home, md, path.join(md, 'new'), path.join(md, 'cur'), path.join(md, 'tmp')]) {
        if (!existsSync(d)) {
          await mkdir(d, { recursive: true });
          await chown(d, owner.uid, owner.gid);
        }
      }
      if (md !== home && !existsSync(path.join(md, 'maildirfolder'))) {
        await writeFile(path.join(md, 'maildirfolder'), '');
        await chown(path.join(md, 'maildirfolder'), owner.uid, owner.gid);
      }
      // Zero-padded unique names: Dovecot assigns UIDs to new files in name order.
      const stamp = Math.floor(Date.now() / 1000);
      const sub = options.seen ? 'cur' : 'new';
      const files: string[] = [];
      for (const raw of raws) {
        const name = `${stamp}.M${String(++seq).padStart(8, '0')}P${process.pid}.desktest${options.seen ? ':2,S' : ''}`;
        files.push(path.join(md, sub, name));
      }
      // Write in parallel chunks: thousands of small files.
      const chunk = 200;
      for (let i = 0; i < files.length; i += chunk) {
        await Promise.all(
          files.slice(i, i + chunk).map(async (file, j) => {
            await writeFile(file, raws[i + j]!);
            await chown(file, owner.uid, owner.gid);
          }),
        );
      }
    },
    async append(login, raws, options = {}) {
      const c = await dovecot.client(login);
      const uids: number[] = [];
      try {
        const mailbox = options.mailbox ?? 'INBOX';
        if (mailbox !== 'INBOX') await c.mailboxCreate(mailbox).catch(() => undefined);
        for (const raw of raws) {
          const res = await c.append(mailbox, raw, options.seen ? ['\\Seen'] : []);
          if (res && res.uid) uids.push(res.uid);
        }
      } finally {
        await c.logout();
      }
      return uids;
    },
    async markSeen(login, uids, mailbox = 'INBOX') {
      const c = await dovecot.client(login);
      try {
        await c.mailboxOpen(mailbox);
        const range = uids && uids.length ? uids.join(',') : '1:*';
        await c.messageFlagsAdd(range, ['\\Seen'], { uid: true });
      } finally {
        await c.logout();
      }
    },
    async resetUidValidity(user, mailbox) {
      const md = mailboxDir(dir, user, mailbox);
      for (const f of await readdir(md)) {
        if (f === 'dovecot-uidlist' || f.startsWith('dovecot.index')) await rm(path.join(md, f), { force: true });
      }
    },
    async client(login) {
      const c = new ImapFlow({
        host: '127.0.0.1',
        port,
        secure: false,
        auth: { user: login.user, pass: login.password },
        logger: false,
        disableAutoIdle: true,
      });
      await c.connect();
      return c;
    },
    log: () => readLog(logFile),
    async stop() {
      process.removeListener('exit', killOnExit);
      if (master.exitCode === null && master.signalCode === null) {
        const exited = new Promise<void>((resolve) => master.once('exit', () => resolve()));
        master.kill('SIGTERM');
        const timer = setTimeout(() => master.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return dovecot;
}

export interface CuttingProxy {
  port: number;
  /** How many connections were cut so far. */
  cuts(): number;
  /** Stop cutting: from now on connections pass through whole. */
  heal(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of the IMAP server that drops the connection (both sides, abruptly) once
 * `cutAfterBytes` bytes have come from the server on it: a server that dies mid-fetch.
 */
export async function startCuttingProxy(target: { host: string; port: number }, cutAfterBytes: number): Promise<CuttingProxy> {
  let cuts = 0;
  let healed = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    let fromServer = 0;
    let cut = false;
    const cutNow = healed ? Infinity : cutAfterBytes;
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      if (cut) return;
      if (fromServer + d.length > cutNow) {
        // Pass on only the bytes up to the cut, then drop: the client sees a half-sent response.
        const keep = cutNow - fromServer;
        if (keep > 0) client.write(d.subarray(0, keep));
        cut = true;
        cuts++;
        client.end(() => drop());
        setImmediate(drop);
        return;
      }
      fromServer += d.length;
      client.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    cuts: () => cuts,
    heal: () => {
      healed = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface AccountYamlOptions {
  port: number;
  user: string;
  passwordEnv: string;
  address: string;
  queue?: string;
  name?: string;
  mailbox?: string;
}

/** The `accounts:` block of a desk config that syncs one Dovecot mailbox (YAML lines, newline-ended). */
export function accountYaml(o: AccountYamlOptions): string {
  return [
    'accounts:',
    `  - name: ${o.name ?? 'support'}`,
    '    host: 127.0.0.1',
    `    port: ${o.port}`,
    '    secure: false',
    `    user: ${o.user}`,
    `    passwordEnv: ${o.passwordEnv}`,
    `    mailbox: ${o.mailbox ?? 'INBOX'}`,
    `    address: ${o.address}`,
    ...(o.queue !== undefined ? [`    queue: ${o.queue}`] : []),
    '',
  ].join('\n');
}
