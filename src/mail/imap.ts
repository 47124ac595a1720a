// The IMAP side of `desk sync`: one connection to one mailbox, opened read-only (EXAMINE) and
// fetched with BODY.PEEK, so syncing never marks a customer's mail as read and never depends on
// \Seen. Failures to reach or log in to the server become RemoteError (exit 5) carrying the
// server's own words.
import type { ImapFlow, ImapFlowOptions, FetchMessageObject } from 'imapflow';
import { RemoteError } from '../cli/errors.js';
import { safeLine } from '../ui/safe-text.js';
import { imapLogger, type LogSink } from './imap-log.js';

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
}

export interface ImapOptions {
  /** Protocol log sink (--verbose). Omitted: no logging at all (imapflow would log to stdout). */
  log?: LogSink;
  /** Give up on a silent server after this long (ms). */
  socketTimeoutMs?: number;
  connectTimeoutMs?: number;
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
    const flowOptions: ImapFlowOptions = {
      host: endpoint.host,
      port: endpoint.port,
      secure: endpoint.secure,
      auth: { user: endpoint.user, pass: endpoint.password },
      // imapflow logs at trace level to stdout by default: that would corrupt --json and cron mail.
      logger: options.log ? imapLogger(options.log, endpoint) : false,
      // We drive the connection ourselves; an automatic IDLE between commands only costs round trips.
      disableAutoIdle: true,
      connectionTimeout: options.connectTimeoutMs ?? 30_000,
      greetingTimeout: options.connectTimeoutMs ?? 16_000,
      socketTimeout: options.socketTimeoutMs ?? 120_000,
      clientInfo: { name: 'desk' },
    };
    const client = new ImapFlow(flowOptions);
    // Without a listener an 'error' event would crash the process instead of failing the sync.
    let connectError: unknown = null;
    client.on('error', (err: unknown) => {
      connectError = err;
    });
    try {
      await client.connect();
    } catch (err) {
      client.close();
      throw toRemoteError(endpoint, err ?? connectError, 'connecting to');
    }
    try {
      const state = await examine(client, endpoint.mailbox);
      return new ImapMailbox(endpoint, client, state);
    } catch (err) {
      client.close();
      throw toRemoteError(endpoint, err, `opening mailbox ${endpoint.mailbox} on`);
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
      throw toRemoteError(this.endpoint, this.broken ?? err, `fetching UIDs ${from}:${to} from`);
    }
    // A dropped connection can end the response stream early without an error from the fetch.
    if (this.broken || !this.client.usable) {
      throw toRemoteError(this.endpoint, this.broken ?? new Error('connection lost'), `fetching UIDs ${from}:${to} from`);
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
      throw toRemoteError(this.endpoint, this.broken ?? err, `refreshing mailbox ${this.endpoint.mailbox} on`);
    }
  }

  /**
   * Waits in IMAP IDLE until the server reports new mail, the signal aborts, or `maxWaitMs`
   * passes (servers drop IDLE after ~30 min; re-issuing it keeps the connection alive).
   * Returns why it woke up.
   */
  async waitForMail(signal: AbortSignal, maxWaitMs = 25 * 60_000): Promise<'mail' | 'aborted' | 'timeout'> {
    if (signal.aborted) return 'aborted';
    const client = this.client;
    return new Promise<'mail' | 'aborted' | 'timeout'>((resolve, reject) => {
      let done = false;
      const finish = (why: 'mail' | 'aborted' | 'timeout' | Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        client.removeListener('exists', onExists);
        client.removeListener('close', onClose);
        // Any command ends IDLE; NOOP is the cheapest. Ignore failures on a closing connection.
        const stopIdle = client.usable ? client.noop().catch(() => undefined) : Promise.resolve();
        void stopIdle.then(() => (why instanceof Error ? reject(why) : resolve(why)));
      };
      const onExists = () => finish('mail');
      const onAbort = () => finish('aborted');
      const onClose = () => finish(toRemoteError(this.endpoint, this.broken ?? new Error('connection closed'), 'waiting for mail on'));
      const timer = setTimeout(() => finish('timeout'), maxWaitMs);
      client.on('exists', onExists);
      client.on('close', onClose);
      signal.addEventListener('abort', onAbort);
      client.idle().catch((err: unknown) => finish(toRemoteError(this.endpoint, err, 'waiting for mail on')));
    });
  }

  async close(): Promise<void> {
    if (this.client.usable) {
      try {
        await this.client.logout();
        return;
      } catch {
        /* fall through to a hard close */
      }
    }
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
