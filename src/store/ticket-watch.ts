// Watching the desk for ticket changes made by others (another agent's `desk assign`, a sync, an
// import), for screens that follow the desk live (triage). What it reports is a hint: "read
// again"; the reader re-reads the rows, never trusts the hint's content.
//
// PostgreSQL: one dedicated connection (not from the store's pool, so that the pool may sit
// behind a transaction pooler) LISTENs on the channel every ticket write notifies on commit
// (ticket-changes.ts). When that connection drops, it is opened again with back-off, and once it
// listens again everything is reported changed: what was missed meanwhile is recovered by the
// re-read. SQLite: `PRAGMA data_version` (a counter SQLite moves when another connection commits)
// is looked at every CHECK_INTERVAL_MS while the watcher's owner is idle; nothing is read when
// nothing changed.
import { sql } from 'kysely';
import type { Store } from './index.js';
import { parsePayload, TICKETS_CHANNEL } from './ticket-changes.js';

/** SQLite: how often data_version is looked at (documented in the README's triage section). */
export const CHECK_INTERVAL_MS = 500;
/** PostgreSQL: the first wait before opening a dropped connection again; doubled up to MAX_BACKOFF_MS. */
export const FIRST_BACKOFF_MS = 200;
export const MAX_BACKOFF_MS = 5000;
/** The listening connection's application_name, as pg_stat_activity shows it. */
export const LISTENER_NAME = 'desk live updates';

/** What changed: these tickets, or 'all' (after a reconnect, or a notification naming too many). */
export type TicketChange = number[] | 'all';

export interface WatchOptions {
  /** Whether the owner can take a change now (SQLite: no look at the file while busy). */
  idle?: () => boolean;
  /** PostgreSQL: the listening connection was lost (true: reconnecting) or is back (false). */
  onLost?: (lost: boolean) => void;
}

export interface TicketWatch {
  close(): Promise<void>;
}

/** Starts watching; `onChange` is called for every change seen (the caller coalesces). */
export async function watchTickets(store: Store, location: string, onChange: (c: TicketChange) => void, opts: WatchOptions = {}): Promise<TicketWatch> {
  return store.dialect === 'postgres' ? listenPostgres(location, onChange, opts) : pollSqlite(store, onChange, opts);
}

async function dataVersion(store: Store): Promise<number> {
  const r = await sql<{ data_version: number }>`pragma data_version`.execute(store.db);
  return Number(r.rows[0]?.data_version ?? 0);
}

async function pollSqlite(store: Store, onChange: (c: TicketChange) => void, opts: WatchOptions): Promise<TicketWatch> {
  let seen = await dataVersion(store);
  let looking = false;
  const timer = setInterval(() => {
    if (looking || (opts.idle && !opts.idle())) return;
    looking = true;
    dataVersion(store)
      .then((v) => {
        if (v !== seen) {
          seen = v;
          onChange('all');
        }
      })
      .catch(() => undefined) // the store is closing; the next look, if any, tries again
      .finally(() => (looking = false));
  }, CHECK_INTERVAL_MS);
  timer.unref();
  return { close: async () => clearInterval(timer) };
}

async function listenPostgres(location: string, onChange: (c: TicketChange) => void, opts: WatchOptions): Promise<TicketWatch> {
  const { default: pg } = await import('pg');
  let closed = false;
  let client: import('pg').Client | null = null;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;

  const open = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString: location, application_name: LISTENER_NAME,
      connectionTimeoutMillis: 10000, keepAlive: true, keepAliveInitialDelayMillis: 10000,
    });
    let gone = false;
    const lost = () => {
      if (gone) return;
      gone = true;
      c.removeAllListeners('notification');
      c.end().catch(() => undefined);
      if (client === c) client = null;
      if (!closed) {
        opts.onLost?.(true);
        retry();
      }
    };
    c.on('error', lost);
    c.on('end', lost);
    c.on('notification', (n) => {
      if (n.channel === TICKETS_CHANNEL) onChange(parsePayload(n.payload));
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${TICKETS_CHANNEL}`);
    } catch (err) {
      gone = true;
      c.end().catch(() => undefined);
      throw err;
    }
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    failures = 0;
  };

  const retry = () => {
    if (closed || timer) return;
    const delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** failures);
    failures++;
    timer = setTimeout(() => {
      timer = undefined;
      open().then(() => {
        if (closed) return;
        opts.onLost?.(false);
        onChange('all'); // whatever happened while nobody listened
      }, () => retry());
    }, delay);
    timer.unref();
  };

  try {
    await open();
    // Changes between the caller's first read and LISTEN are not lost: read again once listening.
    onChange('all');
  } catch {
    opts.onLost?.(true);
    retry(); // triage works without live updates until the connection comes back
  }
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      if (!c) return;
      // A connection the network silently lost may never answer the goodbye: wait a moment, no more.
      let wait: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        c.end().then(() => true, () => true),
        new Promise<boolean>((r) => (wait = setTimeout(() => r(false), 1000))),
      ]);
      clearTimeout(wait);
      if (!ended) (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    },
  };
}
