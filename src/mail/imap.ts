// The IMAP side of `desk sync`: one connection to one mailbox, opened read-only (EXAMINE) and
// fetched with BODY.PEEK, so syncing never marks a customer's mail as read and never depends on
// \Seen. Failures to reach or log in to the server become RemoteError (exit 5) carrying the
// server's own words.
//
// Every step runs on a clock (mail/timeouts.ts): connect, greeting, and each command from the
// moment it is sent until its tagged answer (for a FETCH: until the next message). A step that
// runs out closes the connection (the socket is destroyed) and the error names the step. imapflow
// reports each command it sends and each answer it gets to its logger: that is where the clocks
// are started and stopped.
import type { ImapFlow, ImapFlowOptions, FetchMessageObject, Logger } from 'imapflow';
import { RemoteError } from '../errors.js';
import { safeLine } from '../domain/safe-text.js';
import { imapLogger, type LogSink } from './imap-log.js';
import { DEFAULT_TIMEOUTS, StepClock, StepTimeout, type NetTimeouts } from './timeouts.js';

export interface ImapEndpoint {
  /** Account name from config, used in messages. */
  name: string;
  host: string;
  port: number;
  /** TLS from the first byte; false: plain (STARTTLS is still used when the server offers it). */
  secure: boolean;
  user: string;
  password: string;
  mailbox: string;
  /** per-step limits (default: mail/timeouts.ts DEFAULT_TIMEOUTS) */
  timeouts?: NetTimeouts;
}

export interface ImapOptions {
  /** Protocol log sink (--verbose). Omitted: no logging at all (imapflow would log to stdout). */
  log?: LogSink;
}

/** What SELECT/EXAMINE told us about the mailbox. UIDVALIDITY and MODSEQ are 63-bit: kept as text. */
export interface MailboxState {
  uidValidity: string;
  uidNext: number;
  /** Messages in the mailbox now ("on server"). */
  exists: number;
  /** CONDSTORE's HIGHESTMODSEQ, null when the server has no CONDSTORE. */
  highestModseq: string | null;
}

export interface FetchedMessage {
  uid: number;
  raw: Buffer;
  /** When the server received it (INTERNALDATE), when the server says. */
  internalDate: Date | null;
}

export interface FetchedBatch {
  messages: FetchedMessage[];
  /** the range fetched ended here: every UID up to it has been seen */
  lastUid: number;
}

/** Fetch batch size: large enough to amortise round trips, small enough to bound memory. */
export const DEFAULT_FETCH_BATCH = 500;

/** Turns an imapflow/socket error into a RemoteError with the server's words when there are any. */
export function toRemoteError(endpoint: Pick<ImapEndpoint, 'name' | 'host' | 'port' | 'user'>, err: unknown, doing: string): RemoteError {
  if (err instanceof RemoteError) return err;
  if (err instanceof StepTimeout) {
    return new RemoteError(`account ${endpoint.name}: ${err.message} (${doing} ${endpoint.host}:${endpoint.port}; the connection was closed)`);
  }
  const e = (err ?? {}) as {
    message?: string;
    code?: string;
    responseText?: string;
    response?: unknown;
    authenticationFailed?: boolean;
    serverResponseCode?: string;
  };
  const where = `${endpoint.host}:${endpoint.port}`;
  const rawWords = typeof e.responseText === 'string' && e.responseText
    ? e.responseText
    : typeof e.response === 'string' && e.response
      ? e.response
      : null;
  const serverWords = rawWords ? safeLine(rawWords) : null;
  if (e.authenticationFailed) {
    const words = serverWords ?? e.message ?? 'authentication failed';
    return new RemoteError(
      `account ${endpoint.name}: ${where} refused login for ${endpoint.user}: ${words}`,
      'check the user and the passwordCommand/passwordEnv of this account',
    );
  }
  const detail = serverWords ?? [e.code, e.message].filter(Boolean).join(' ') ?? String(err);
  return new RemoteError(`account ${endpoint.name}: ${doing} ${where} failed: ${detail || String(err)}`);
}

/** `3 UID FETCH 1:5 (…)` → `UID FETCH`; `DONE` (the end of an IDLE) is a step of its own. */
function commandOf(line: string): string | null {
  if (/^DONE\b/i.test(line)) return 'DONE';
  const words = line.split(' ');
  if (words.length < 2 || !/^[A-Za-z0-9.]+$/.test(words[0]!) || !/^[A-Za-z]+$/.test(words[1]!)) return null;
  const verb = words[1]!.toUpperCase();
  return verb === 'UID' && words[2] ? `UID ${words[2].toUpperCase()}` : verb;
}

/**
 * The clocks of one IMAP connection, driven by imapflow's log of what it sends and receives.
 * `closeConnection` must destroy the connection (imapflow's close()).
 */
class StepWatch {
  readonly clock: StepClock;
  /** "IDLE keep-alive" while the connection is being checked after a quiet IDLE. */
  prefix = '';
  private close: () => void = () => undefined;

  constructor(
    readonly limits: NetTimeouts,
    private readonly sink: Logger | null,
  ) {
    this.clock = new StepClock('IMAP', () => this.close());
  }

  attach(close: () => void): void {
    this.close = close;
  }

  private named(step: string): string {
    return this.prefix ? `${this.prefix} (${step})` : step;
  }

  private seen(entry: unknown, level: 'trace' | 'debug' | 'info'): void {
    const e = (entry ?? {}) as { src?: string; msg?: unknown };
    const msg = typeof e.msg === 'string' ? e.msg : '';
    if (e.src === 'connection' && level === 'info') {
      this.clock.start('greeting', this.limits.greetingMs);
    } else if (e.src === 'c' && level === 'debug') {
      const verb = commandOf(msg);
      if (verb) this.clock.start(this.named(verb), this.limits.commandMs);
    } else if (e.src === 's') {
      if (/^\+/.test(msg) && this.clock.step?.endsWith('IDLE')) this.clock.stop(); // idling: quiet is expected
      else if (/^[A-Za-z0-9.]+ (OK|NO|BAD)\b/i.test(msg)) this.clock.stop(); // the tagged answer
      else if (/^\* \d+ FETCH\b/i.test(msg) && this.clock.step) this.clock.start(this.clock.step, this.limits.commandMs); // progress
    }
  }

  logger(): Logger {
    const sink = this.sink;
    return {
      trace: (entry: unknown) => this.seen(entry, 'trace'),
      debug: (entry: unknown) => {
        this.seen(entry, 'debug');
        sink?.debug(entry as never);
      },
      info: (entry: unknown) => {
        this.seen(entry, 'info');
        sink?.info(entry as never);
      },
      warn: (entry: unknown) => sink?.warn(entry as never),
      error: (entry: unknown) => sink?.error(entry as never),
      fatal: (entry: unknown) => sink?.fatal?.(entry as never),
    } as Logger;
  }

  /** imapflow's own timers, set a little beyond ours so that ours (which name the step) fire first. */
  flowOptions(): Pick<ImapFlowOptions, 'connectionTimeout' | 'greetingTimeout' | 'socketTimeout'> {
    const margin = 1000;
    return {
      connectionTimeout: this.limits.connectMs + margin,
      greetingTimeout: this.limits.greetingMs + margin,
      // A quiet IDLE is checked by waitForMail; imapflow must not break it off on its own first.
      socketTimeout: Math.max(this.limits.commandMs, this.limits.idleMs) + this.limits.commandMs + margin,
    };
  }

  /** The error to report: the named timeout when a clock ran out, else what the connection said. */
  cause(err: unknown): unknown {
    if (this.clock.expired) return this.clock.expired;
    const code = (err as { code?: string } | null)?.code;
    if (code === 'CONNECT_TIMEOUT') return new StepTimeout('IMAP', 'connect', this.limits.connectMs);
    if (code === 'GREETING_TIMEOUT') return new StepTimeout('IMAP', 'greeting', this.limits.greetingMs);
    if (code === 'ETIMEOUT' && this.clock.step) return new StepTimeout('IMAP', this.clock.step, this.limits.commandMs);
    return err;
  }
}

/**
 * An open, read-only IMAP mailbox. Create with `openMailbox`; always `close()` it.
 */
export class ImapMailbox {
  /** The last error the connection reported, if it broke. */
  private broken: unknown = null;

  private constructor(
    readonly endpoint: ImapEndpoint,
    private readonly client: ImapFlow,
    public state: MailboxState,
    private readonly watch: StepWatch,
  ) {
    client.on('error', (err: unknown) => {
      this.broken = err;
    });
    client.on('close', () => {
      this.broken ??= new Error('connection closed by server');
    });
  }

  /** Connects, logs in and EXAMINEs the mailbox. */
  static async open(endpoint: ImapEndpoint, options: ImapOptions = {}): Promise<ImapMailbox> {
    const { ImapFlow } = await import('imapflow');
    const watch = new StepWatch(endpoint.timeouts ?? { ...DEFAULT_TIMEOUTS }, options.log ? imapLogger(options.log, endpoint) : null);
    const flowOptions: ImapFlowOptions = {
      host: endpoint.host,
      port: endpoint.port,
      secure: endpoint.secure,
      auth: { user: endpoint.user, pass: endpoint.password },
      // imapflow logs at trace level to stdout by default: ours writes only with --verbose, to stderr.
      logger: watch.logger(),
      // We drive the connection ourselves; an automatic IDLE between commands only costs round trips.
      disableAutoIdle: true,
      ...watch.flowOptions(),
      clientInfo: { name: 'desk' },
    };
    const client = new ImapFlow(flowOptions);
    watch.attach(() => client.close());
    // Without a listener an 'error' event would crash the process instead of failing the sync.
    let connectError: unknown = null;
    client.on('error', (err: unknown) => {
      connectError = err;
    });
    watch.clock.start('connect', watch.limits.connectMs);
    try {
      await client.connect();
    } catch (err) {
      watch.clock.dispose();
      client.close();
      throw toRemoteError(endpoint, watch.cause(err ?? connectError), 'connecting to');
    }
    try {
      const state = await examine(client, endpoint.mailbox);
      return new ImapMailbox(endpoint, client, state, watch);
    } catch (err) {
      watch.clock.dispose();
      client.close();
      throw toRemoteError(endpoint, watch.cause(err), `opening mailbox ${endpoint.mailbox} on`);
    }
  }

  /** Whether the server supports CONDSTORE (HIGHESTMODSEQ is meaningful). */
  get condstore(): boolean {
    return this.state.highestModseq !== null;
  }

  /**
   * Fetches every message with UID > afterUid and < the UIDNEXT seen at open, oldest first, in
   * UID-range batches. Each batch says the last UID its range covered, so the caller can record
   * progress even for ranges with no messages left in them. The next batch is requested while
   * the caller handles the current one. Throws RemoteError if the connection breaks, so a partial
   * batch is never mistaken for the end.
   */
  async *fetchAfter(afterUid: number, batchSize = DEFAULT_FETCH_BATCH): AsyncGenerator<FetchedBatch> {
    const end = this.state.uidNext - 1; // mail arriving during the run waits for the next one
    let from = afterUid + 1;
    if (from > end) return;
    const next = (start: number) => {
      const stop = Math.min(start + batchSize - 1, end);
      const p = this.fetchRange(start, stop);
      p.catch(() => undefined); // handled when awaited; avoid an unhandled rejection meanwhile
      return { stop, p };
    };
    let pending = next(from);
    for (;;) {
      const messages = await pending.p;
      const lastUid = pending.stop;
      from = lastUid + 1;
      if (from <= end) pending = next(from);
      yield { messages, lastUid };
      if (from > end) return;
    }
  }

  /** Fetches the messages of one UID range (`from:to`, both included), sorted by UID. */
  async fetchRange(from: number, to: number): Promise<FetchedMessage[]> {
    const out: FetchedMessage[] = [];
    try {
      const query = { uid: true, source: true, internalDate: true } as const;
      for await (const msg of this.client.fetch(`${from}:${to}`, query, { uid: true }) as AsyncIterable<FetchMessageObject>) {
        // `n:m` may answer with a UID outside the range when the range holds none (RFC 3501 `*`).
        if (msg.uid < from || msg.uid > to || !msg.source) continue;
        const internalDate = msg.internalDate instanceof Date ? msg.internalDate : msg.internalDate ? new Date(msg.internalDate) : null;
        out.push({ uid: msg.uid, raw: msg.source, internalDate: internalDate && !isNaN(internalDate.getTime()) ? internalDate : null });
      }
    } catch (err) {
      throw toRemoteError(this.endpoint, this.watch.cause(this.broken ?? err), `fetching UIDs ${from}:${to} from`);
    }
    // A dropped connection can end the response stream early without an error from the fetch.
    if (this.broken || !this.client.usable) {
      throw toRemoteError(this.endpoint, this.watch.cause(this.broken ?? new Error('connection lost')), `fetching UIDs ${from}:${to} from`);
    }
    out.sort((a, b) => a.uid - b.uid);
    return out;
  }

  /** Re-reads UIDNEXT/EXISTS/HIGHESTMODSEQ (after IDLE told us something changed). */
  async refresh(): Promise<MailboxState> {
    try {
      // Re-EXAMINE: a cheap way to get fresh UIDNEXT and HIGHESTMODSEQ on every server.
      this.state = await examine(this.client, this.endpoint.mailbox);
      return this.state;
    } catch (err) {
      throw toRemoteError(this.endpoint, this.watch.cause(this.broken ?? err), `refreshing mailbox ${this.endpoint.mailbox} on`);
    }
  }

  /**
   * Whether a message with this Message-ID is in the open mailbox (UID SEARCH HEADER). Throws
   * RemoteError when the server cannot be asked.
   */
  async hasMessageId(messageId: string): Promise<boolean> {
    try {
      const uids = await this.client.search({ header: { 'message-id': messageId } }, { uid: true });
      if (this.watch.clock.expired) throw this.watch.clock.expired;
      return Array.isArray(uids) && uids.length > 0;
    } catch (err) {
      throw toRemoteError(this.endpoint, this.watch.cause(this.broken ?? err), `searching mailbox ${this.endpoint.mailbox} on`);
    }
  }

  /**
   * Waits in IMAP IDLE until the server reports new mail, the signal aborts, or the keep-alive
   * interval (timeouts.idleMs) passes: then IDLE is ended and the connection checked with a NOOP,
   * on the command clock, so a connection that died quietly (a NAT that forgot it, a server that
   * hangs) is noticed instead of waited on for ever. Returns why it woke up; throws RemoteError
   * (naming the step) when the server does not answer.
   */
  async waitForMail(signal: AbortSignal, maxWaitMs = this.watch.limits.idleMs): Promise<'mail' | 'aborted' | 'timeout'> {
    if (signal.aborted) return 'aborted';
    const client = this.client;
    const watch = this.watch;
    return new Promise<'mail' | 'aborted' | 'timeout'>((resolve, reject) => {
      let done = false;
      const finish = (why: 'mail' | 'aborted' | 'timeout' | Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        client.removeListener('exists', onExists);
        client.removeListener('close', onClose);
        if (why === 'timeout') watch.prefix = 'IDLE keep-alive';
        // Any command ends IDLE; NOOP is the cheapest. Ignore failures on a closing connection.
        const stopIdle = client.usable ? client.noop().catch(() => undefined) : Promise.resolve();
        void stopIdle.then(() => {
          watch.prefix = '';
          if (why instanceof Error) return reject(why);
          // The server never answered the NOOP: the clock closed the connection.
          if (watch.clock.expired && why !== 'aborted') return reject(toRemoteError(this.endpoint, watch.clock.expired, 'waiting for mail on'));
          resolve(why);
        });
      };
      const onExists = () => finish('mail');
      const onAbort = () => finish('aborted');
      const onClose = () => finish(toRemoteError(this.endpoint, watch.cause(this.broken ?? new Error('connection closed')), 'waiting for mail on'));
      const timer = setTimeout(() => finish('timeout'), maxWaitMs);
      client.on('exists', onExists);
      client.on('close', onClose);
      signal.addEventListener('abort', onAbort);
      client.idle().catch((err: unknown) => finish(toRemoteError(this.endpoint, watch.cause(err), 'waiting for mail on')));
    });
  }

  /** Logs out (on the command clock: a silent server cannot hold this up), then lets go. */
  async close(): Promise<void> {
    if (this.client.usable && !this.watch.clock.expired) {
      try {
        await this.client.logout();
      } catch {
        /* fall through to a hard close */
      }
    }
    this.watch.clock.dispose();
    this.client.close();
  }
}

async function examine(client: ImapFlow, mailbox: string): Promise<MailboxState> {
  // readOnly: EXAMINE, so the server never sets \Seen or clears \Recent on our behalf.
  const mb = await client.mailboxOpen(mailbox, { readOnly: true });
  return {
    uidValidity: String(mb.uidValidity),
    uidNext: Number(mb.uidNext),
    exists: Number(mb.exists),
    highestModseq: mb.highestModseq !== undefined && !mb.noModseq ? String(mb.highestModseq) : null,
  };
}

/** Opens an account's mailbox; see ImapMailbox. */
export function openMailbox(endpoint: ImapEndpoint, options: ImapOptions = {}): Promise<ImapMailbox> {
  return ImapMailbox.open(endpoint, options);
}
