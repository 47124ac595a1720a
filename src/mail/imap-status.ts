// The cheap question cron asks every minute: "anything new?". Answered with a few lines of IMAP
// (LOGIN, STATUS, LOGOUT) on a plain socket, without loading imapflow and its dependencies,
// which would cost more than the whole answer. Whenever the conversation is not the simple one
// expected (no STATUS data, a literal, a password that needs one, a mailbox name outside ASCII…)
// it returns null and the caller takes the full imapflow path; a refused login or an unreachable
// server is a RemoteError with the server's words, as on the full path.
import net from 'node:net';
import tls from 'node:tls';
import { RemoteError } from '../errors.js';
import { safeLine } from '../domain/safe-text.js';
import { toRemoteError, type ImapEndpoint, type MailboxState } from './imap.js';
import { maskSecrets, secretForms, type LogSink } from './imap-log.js';
import { DEFAULT_TIMEOUTS, StepTimeout, withDeadline } from './timeouts.js';

export interface QuickStatusOptions {
  /** protocol log (--verbose), passwords masked */
  log?: LogSink;
}

/** Characters a quoted IMAP string may hold (RFC 3501: any 7-bit char but CR, LF, NUL). */
const QUOTABLE = /^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/;

export function quoted(s: string): string | null {
  if (!QUOTABLE.test(s)) return null;
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

/** `(MESSAGES 3 UIDNEXT 4 …)` of an untagged STATUS line → the numbers, by upper-case name. */
export function parseStatusItems(line: string): Map<string, string> | null {
  const m = /\(([^()]*)\)\s*$/.exec(line);
  if (!m) return null;
  const parts = m[1]!.trim().split(/\s+/);
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length; i += 2) out.set(parts[i]!.toUpperCase(), parts[i + 1]!);
  return out;
}

/** Capabilities announced in a line (`* CAPABILITY …` or a `[CAPABILITY …]` response code). */
function capabilitiesIn(line: string): string[] | null {
  const code = /\[CAPABILITY ([^\]]*)\]/i.exec(line);
  if (code) return code[1]!.toUpperCase().split(/\s+/);
  const untagged = /^\* CAPABILITY (.*)$/i.exec(line);
  return untagged ? untagged[1]!.toUpperCase().split(/\s+/) : null;
}

class Unexpected extends Error {}

/** A line reader over a socket that can be swapped for its TLS upgrade. */
class Conversation {
  private buffer = '';
  private waiting: ((line: string) => void) | null = null;
  private failed: Error | null = null;
  private failWaiter: ((err: Error) => void) | null = null;
  private tag = 0;
  caps = new Set<string>();

  constructor(
    public socket: net.Socket,
    private readonly log: ((dir: 'C' | 'S', text: string) => void) | null,
  ) {
    this.attach(socket);
  }

  attach(socket: net.Socket): void {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.pump();
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed by server')));
  }

  detach(): void {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('error');
    this.socket.removeAllListeners('close');
  }

  private fail(err: Error): void {
    this.failed ??= err;
    const w = this.failWaiter;
    this.waiting = null;
    this.failWaiter = null;
    w?.(err);
  }

  private pump(): void {
    if (!this.waiting) return;
    const nl = this.buffer.indexOf('\r\n');
    if (nl < 0) return;
    const line = this.buffer.slice(0, nl);
    this.buffer = this.buffer.slice(nl + 2);
    const w = this.waiting;
    this.waiting = null;
    this.failWaiter = null;
    this.log?.('S', line);
    const caps = capabilitiesIn(line);
    if (caps) this.caps = new Set(caps);
    w(line);
  }

  readLine(): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.failed) return reject(this.failed);
      this.waiting = (line) => {
        if (/\{\d+\+?\}$/.test(line)) reject(new Unexpected('literal in response'));
        else resolve(line);
      };
      this.failWaiter = reject;
      this.pump();
    });
  }

  /** Sends a command; returns the untagged lines and the tagged completion. */
  async command(text: string, logText = text): Promise<{ untagged: string[]; status: string; rest: string }> {
    const tag = `q${++this.tag}`;
    this.log?.('C', `${tag} ${logText}`);
    this.socket.write(`${tag} ${text}\r\n`, 'latin1');
    const untagged: string[] = [];
    for (;;) {
      const line = await this.readLine();
      if (line.startsWith(`${tag} `)) {
        const m = /^\S+ (OK|NO|BAD)\s?(.*)$/i.exec(line);
        if (!m) throw new Unexpected(`odd completion: ${line}`);
        return { untagged, status: m[1]!.toUpperCase(), rest: m[2]! };
      }
      if (line.startsWith('* ')) untagged.push(line);
      else throw new Unexpected(`unexpected line: ${line}`); // a continuation request we did not ask for
    }
  }
}

function connect(endpoint: ImapEndpoint, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = endpoint.secure
      ? tls.connect({ host: endpoint.host, port: endpoint.port, servername: net.isIP(endpoint.host) ? undefined : endpoint.host })
      : net.connect({ host: endpoint.host, port: endpoint.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new StepTimeout('IMAP', 'connect', timeoutMs));
    }, timeoutMs);
    socket.once(endpoint.secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function upgrade(socket: net.Socket, host: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ socket, servername: net.isIP(host) ? undefined : host });
    secure.once('secureConnect', () => resolve(secure));
    secure.once('error', reject);
  });
}

function unreachable(endpoint: ImapEndpoint, err: unknown): RemoteError {
  if (err instanceof StepTimeout) return toRemoteError(endpoint, err, 'connecting to');
  const e = err as { code?: string; message?: string };
  return new RemoteError(`account ${endpoint.name}: connecting to ${endpoint.host}:${endpoint.port} failed: ${[e.code, e.message].filter(Boolean).join(' ')}`);
}

/**
 * LOGIN + STATUS + LOGOUT. The mailbox state (without a fresh EXISTS count from SELECT, STATUS
 * MESSAGES stands in), or null when the simple conversation did not work out.
 */
export async function quickStatus(endpoint: ImapEndpoint, options: QuickStatusOptions = {}): Promise<MailboxState | null> {
  const user = quoted(endpoint.user);
  const pass = quoted(endpoint.password);
  const mailbox = quoted(endpoint.mailbox);
  if (!user || !pass || !mailbox) return null;

  const secrets = secretForms(endpoint.user, endpoint.password);
  const log = options.log
    ? (dir: 'C' | 'S', text: string) => options.log!(`imap ${endpoint.name} debug ${dir}: ${safeLine(maskSecrets(text, secrets)).slice(0, 400)}\n`)
    : null;
  const limits = endpoint.timeouts ?? DEFAULT_TIMEOUTS;

  let socket: net.Socket;
  try {
    socket = await connect(endpoint, limits.connectMs);
  } catch (err) {
    throw unreachable(endpoint, err);
  }
  const talk = new Conversation(socket, log);
  // Each step on its own clock; one that runs out destroys the socket. A server that is silent
  // this long will not do better for the full client: that is an answer, not a reason to retry.
  const step = <T>(name: string, ms: number, work: Promise<T>): Promise<T> =>
    withDeadline('IMAP', name, ms, () => talk.socket.destroy(), work);
  const command = (name: string, text: string, logText?: string) => step(name, limits.commandMs, talk.command(text, logText));
  try {
    const greeting = await step('greeting', limits.greetingMs, talk.readLine());
    if (!/^\* OK\b/i.test(greeting)) return null; // PREAUTH, BYE: leave it to the full client
    if (!talk.caps.size || !talk.caps.has('IMAP4REV1')) {
      const caps = await command('CAPABILITY', 'CAPABILITY');
      if (caps.status !== 'OK') return null;
    }
    if (!endpoint.secure && talk.caps.has('STARTTLS')) {
      // As imapflow does: use TLS whenever the server offers it.
      const st = await command('STARTTLS', 'STARTTLS');
      if (st.status !== 'OK') return null;
      talk.detach();
      talk.attach(await step('TLS handshake', limits.connectMs, upgrade(socket, endpoint.host)));
      talk.caps.clear();
      const caps = await command('CAPABILITY', 'CAPABILITY');
      if (caps.status !== 'OK') return null;
    }
    if (talk.caps.has('LOGINDISABLED')) return null;
    const login = await command('LOGIN', `LOGIN ${user} ${pass}`, `LOGIN ${user} "(* value hidden *)"`);
    if (login.status === 'NO') {
      throw new RemoteError(
        `account ${endpoint.name}: ${endpoint.host}:${endpoint.port} refused login for ${endpoint.user}: ${safeLine(login.rest.replace(/^\[[^\]]*\]\s*/, '')) || 'authentication failed'}`,
        'check the user and the passwordCommand/passwordEnv of this account',
      );
    }
    if (login.status !== 'OK') return null;
    const condstore = talk.caps.has('CONDSTORE');
    const items = `MESSAGES UIDNEXT UIDVALIDITY${condstore ? ' HIGHESTMODSEQ' : ''}`;
    const status = await command('STATUS', `STATUS ${mailbox} (${items})`);
    if (status.status !== 'OK') return null;
    const line = status.untagged.find((l) => /^\* STATUS /i.test(l));
    const values = line ? parseStatusItems(line) : null;
    const uidNext = Number(values?.get('UIDNEXT'));
    const uidValidity = values?.get('UIDVALIDITY');
    const exists = Number(values?.get('MESSAGES'));
    if (!values || !Number.isInteger(uidNext) || !uidValidity || !/^\d+$/.test(uidValidity) || !Number.isInteger(exists)) return null;
    const modseq = values.get('HIGHESTMODSEQ');
    await command('LOGOUT', 'LOGOUT').catch(() => undefined);
    return { uidValidity, uidNext, exists, highestModseq: modseq && /^\d+$/.test(modseq) ? modseq : null };
  } catch (err) {
    if (err instanceof RemoteError) throw err;
    if (err instanceof StepTimeout) throw toRemoteError(endpoint, err, 'asking for the mailbox status on');
    return null; // anything unexpected: the full client will have a proper go at it
  } finally {
    talk.socket.destroy();
  }
}
