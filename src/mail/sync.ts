// The sync engine: one mailbox of one account into the store, incrementally by UID.
//
// Exactly once, whatever happens:
//  - the cursor (UIDVALIDITY + last UID handled) is written in the same transaction as the
//    messages of each batch, so an interrupted run resumes right after the last commit;
//  - every message also carries a dedupe key (Message-ID + content hash), so a UIDVALIDITY reset,
//    overlapping deliveries or a second mailbox with the same mail add nothing twice;
//  - the mailbox is EXAMINEd and fetched with BODY.PEEK: \Seen is neither needed nor touched.
// One bad message never stops the run: it is quarantined with the reason. A local fault (disk
// full, permission, database error) does: the batch is not recorded and the cursor stays.
import { sql, type Kysely } from 'kysely';
import { RemoteError } from '../errors.js';
import { isLocalFault, localFault } from './local-fault.js';
import type { Store } from '../store/index.js';
import type { DB } from '../store/schema.js';
import { isoSeconds } from '../domain/types.js';
import { openMailbox, type ImapEndpoint, type ImapMailbox, type MailboxState } from './imap.js';
import { quickStatus } from './imap-status.js';
import type { LogSink } from './imap-log.js';
import type { TrustAuthResults } from './auth-results.js';
// Types only: the parser and the worker pool are loaded when there is mail to read.
import type { PrepareContext, PreparedItem } from './sync-prepare.js';
import type { PreparePool } from './sync-pool.js';
import { receivedAtOf } from './sync-key.js';
import type { SpamSettings } from './spam-check.js';
import { storeBatch, type BatchTarget, type NewTicketHook, type RatingHook } from './sync-batch.js';
import { addCounts, emptyCounts, type MailboxCounts, type MailboxReport, type ReplayReport } from './sync-report.js';
import { syncDb, type MailCursorsTable } from './sync-schema.js';

export interface SyncTarget {
  account: string;
  mailbox: string;
  queue: string | null;
  /** whose Authentication-Results tell that mail from our address is ours (none: nobody's) */
  trustAuthResults?: TrustAuthResults | null;
}

export interface SyncOptions {
  store: Store;
  now(): Date;
  /** lowercased addresses that are ours: mail from them is outbound, never a new ticket */
  ourAddresses: ReadonlySet<string>;
  onNewTicket: NewTicketHook;
  /** a satisfaction rating was recorded (rules on ratings), in the batch's transaction */
  onRating?: RatingHook;
  /** the config's spam settings (the database's lists are read per batch); none: only those lists */
  spam?: SpamSettings | null;
  /**
   * Called with each batch before its write transaction opens, so that work on the mail text
   * (the triage rules' patterns) never runs while the write lock is held.
   */
  beforeStore?(items: readonly PreparedItem[]): void;
  /** messages per fetch and per transaction */
  batchSize?: number;
  /** progress in UIDs: done of total, for a progress bar */
  onProgress?(done: number, total: number): void;
  /** a message was quarantined (reported to the user even with --quiet) */
  onQuarantine?(target: SyncTarget, uid: number, reason: string): void;
  /** parse warnings and other detail, for --verbose */
  onDetail?(line: string): void;
  /** stop after the batch in progress (Ctrl-C in --watch) */
  signal?: AbortSignal;
}

/** Below this many UIDs to fetch, starting worker threads costs more than it saves. */
const WORKER_THRESHOLD = 300;


/**
 * A big sync inserts into several indexes keyed by hashes and Message-IDs, i.e. all over the
 * b-trees. SQLite's default 2 MB page cache then spills and re-reads pages within one transaction,
 * and the WAL is checkpointed (with an fsync) every 4 MB. Give this connection room for the run.
 */
async function tuneForBulkWrites(store: Store): Promise<void> {
  if (store.dialect !== 'sqlite') return;
  await sql`pragma cache_size = -65536`.execute(store.db); // 64 MB, used only as needed
  await sql`pragma wal_autocheckpoint = 8192`.execute(store.db); // pages: 32 MB
}

export async function readCursor(db: Kysely<DB>, account: string, mailbox: string): Promise<MailCursorsTable | null> {
  const row = await syncDb(db)
    .selectFrom('mail_cursors')
    .selectAll()
    .where('account', '=', account)
    .where('mailbox', '=', mailbox)
    .executeTakeFirst();
  return row ? { ...row, last_uid: Number(row.last_uid) } : null;
}

/**
 * Stores a batch in one transaction. If that fails because of one message (a constraint, a bug
 * triggered by odd content), the batch is stored message by message and the culprit quarantined,
 * so one bad message never blocks the mailbox. A local fault (disk, permission, database, lock)
 * is not a message's: it fails the batch, with nothing of it recorded and the cursor where it was.
 */
async function storeWithFallback(
  opts: SyncOptions,
  target: BatchTarget,
  items: PreparedItem[],
  lastUid: number,
): Promise<MailboxCounts> {
  const syncedAt = isoSeconds(opts.now());
  const cursor = { lastUid, highestModseq: null, syncedAt };
  opts.beforeStore?.(items);
  try {
    return (await opts.store.write((tx) => storeBatch(tx, opts.store.ops, target, items, cursor, opts.onNewTicket, opts.onRating))).counts;
  } catch (err) {
    if (isLocalFault(err) || items.length === 0) throw err;
  }
  const counts = emptyCounts();
  for (const item of items) {
    const step = { lastUid: item.uid, highestModseq: null, syncedAt };
    try {
      addCounts(counts, (await opts.store.write((tx) => storeBatch(tx, opts.store.ops, target, [item], step, opts.onNewTicket, opts.onRating))).counts);
    } catch (err) {
      if (isLocalFault(err)) throw err;
      const reason = `could not be stored: ${(err as Error)?.message ?? String(err)}`;
      const q: PreparedItem = {
        kind: 'quarantine', uid: item.uid, raw: item.raw, receivedAt: item.receivedAt, reason,
        rawSha256: item.kind === 'mail' ? item.parsed.sha256 : item.rawSha256,
        contentSha256: item.kind === 'mail' ? item.parsed.content_sha256 : item.contentSha256,
      };
      addCounts(counts, (await opts.store.write((tx) => storeBatch(tx, opts.store.ops, target, [q], step, opts.onNewTicket, opts.onRating))).counts);
    }
  }
  // The range may end after its last message (expunged UIDs): the cursor covers it all.
  await opts.store.write((tx) => storeBatch(tx, opts.store.ops, target, [], cursor, opts.onNewTicket, opts.onRating));
  return counts;
}

/** Nothing to fetch: same UIDVALIDITY, and every UID below UIDNEXT (or the same MODSEQ) seen. */
export function isUpToDate(cursor: MailCursorsTable, state: MailboxState): boolean {
  if (cursor.uid_validity !== state.uidValidity) return false;
  return cursor.last_uid >= state.uidNext - 1 || (state.highestModseq !== null && cursor.highest_modseq === state.highestModseq);
}

/**
 * Syncs one account's mailbox: first asks the server cheaply whether anything is new (most runs
 * of a cron job find nothing), and only then opens the full IMAP client.
 */
export async function syncEndpoint(endpoint: ImapEndpoint, target: SyncTarget, opts: SyncOptions & { log?: LogSink }): Promise<MailboxReport> {
  const cursor = await readCursor(opts.store.db, target.account, target.mailbox);
  if (cursor) {
    const state = await quickStatus(endpoint, { log: opts.log });
    if (state && isUpToDate(cursor, state)) {
      opts.onProgress?.(0, 0);
      return {
        account: target.account, mailbox: target.mailbox, on_server: state.exists, uid_validity: state.uidValidity,
        uid_validity_changed: false, ...emptyCounts(), error: null,
      };
    }
  }
  const mailbox = await openMailbox(endpoint, { log: opts.log });
  try {
    return await syncMailbox(mailbox, target, opts);
  } finally {
    await mailbox.close();
  }
}

/**
 * Syncs one opened mailbox. Returns the reconciliation report; a connection lost mid-way ends the
 * report with `error` set (what was committed stays; the next run continues from there).
 */
export async function syncMailbox(mailbox: ImapMailbox, target: SyncTarget, opts: SyncOptions): Promise<MailboxReport> {
  const state = mailbox.state;
  const cursor = await readCursor(opts.store.db, target.account, target.mailbox);
  const validityChanged = cursor !== null && cursor.uid_validity !== state.uidValidity;
  // A new UIDVALIDITY means the old UIDs mean nothing: look at everything again; the dedupe keys
  // keep what is already stored from being stored twice.
  const afterUid = cursor && !validityChanged ? cursor.last_uid : 0;
  const report: MailboxReport = {
    account: target.account,
    mailbox: target.mailbox,
    on_server: state.exists,
    uid_validity: state.uidValidity,
    uid_validity_changed: validityChanged,
    ...emptyCounts(),
    error: null,
  };
  const end = state.uidNext - 1;
  if (cursor && isUpToDate(cursor, state)) {
    opts.onProgress?.(0, 0);
    return report;
  }

  const batchTarget: BatchTarget = { ...target, uidValidity: state.uidValidity, spam: opts.spam ?? null, ourAddresses: opts.ourAddresses };
  const prepareCtx: PrepareContext = { dataDir: opts.store.dataDir, ourAddresses: opts.ourAddresses, now: opts.now() };
  const total = Math.max(0, end - afterUid);
  let lastUid = afterUid;
  opts.onProgress?.(0, total);
  // Three stages overlap: the server sends batch k+1, a worker parses batch k, and this thread
  // stores batch k-1. Each batch still commits in UID order, with its cursor.
  const { createPreparePool, prepareInProcess } = await import('./sync-pool.js');
  const pool: PreparePool = total >= WORKER_THRESHOLD ? createPreparePool() : { prepare: prepareInProcess, close: async () => undefined };
  if (total >= WORKER_THRESHOLD) await tuneForBulkWrites(opts.store);
  let storing: Promise<void> = Promise.resolve();
  const store = (items: PreparedItem[], batchLastUid: number) =>
    storeWithFallback(opts, batchTarget, items, batchLastUid).then((counts) => {
      // Told once the batch is committed: a batch that fails quarantines nothing.
      for (const item of items) if (item.kind === 'quarantine') opts.onQuarantine?.(target, item.uid, item.reason);
      addCounts(report, counts);
      lastUid = batchLastUid;
      opts.onProgress?.(lastUid - afterUid, total);
    });
  try {
    for await (const batch of mailbox.fetchAfter(afterUid, opts.batchSize)) {
      const prepared = pool.prepare(batch.messages.map((m) => ({ uid: m.uid, raw: m.raw, receivedAt: receivedAtOf(m.internalDate, prepareCtx.now) })), prepareCtx);
      prepared.catch(() => undefined); // awaited below, after the previous batch is stored
      await storing;
      if (opts.signal?.aborted) return report;
      const items = await prepared;
      for (const item of items) {
        if (item.kind === 'mail') for (const w of item.parsed.warnings) opts.onDetail?.(`${target.account}/${target.mailbox} UID ${item.uid}: ${w}`);
      }
      storing = store(items, batch.lastUid);
      storing.catch(() => undefined); // awaited before the next batch or at the end
    }
    await storing;
  } catch (err) {
    if (err instanceof RemoteError) {
      // What was fetched before the connection broke is stored; the next run goes on from there.
      await storing.catch((e: unknown) => {
        throw localFault(e, `${target.account}/${target.mailbox}`);
      });
      report.error = err.message;
      return report;
    }
    if (isLocalFault(err)) throw localFault(err, `${target.account}/${target.mailbox}`);
    throw err;
  } finally {
    await pool.close();
  }
  if (opts.signal?.aborted) return report;
  // Complete: remember HIGHESTMODSEQ so that an unchanged mailbox is recognised at once next time.
  const syncedAt = isoSeconds(opts.now());
  await opts.store.write((tx) =>
    storeBatch(tx, opts.store.ops, batchTarget, [], { lastUid: Math.max(lastUid, end), highestModseq: state.highestModseq, syncedAt }, opts.onNewTicket, opts.onRating),
  ).catch((err: unknown) => {
    throw isLocalFault(err) ? localFault(err, `${target.account}/${target.mailbox}`) : err;
  });
  return report;
}

/** Retries quarantined mail (after an upgrade of the parser): stored ones are marked resolved. */
export async function replayQuarantine(
  opts: SyncOptions,
  queueOf: (account: string) => string | null,
  trustOf: (account: string) => TrustAuthResults | null = () => null,
): Promise<ReplayReport> {
  const db = syncDb(opts.store.db);
  const rows = await db
    .selectFrom('mail_quarantine')
    .select(['id', 'account', 'mailbox', 'uid_validity', 'uid', 'reason', 'received_at', 'raw'])
    .where('resolved_at', 'is', null)
    .orderBy('id')
    .execute();
  const report: ReplayReport = { retried: rows.length, stored: 0, still_quarantined: 0 };
  const { prepareMessage } = await import('./sync-prepare.js');
  const prepareCtx: PrepareContext = { dataDir: opts.store.dataDir, ourAddresses: opts.ourAddresses, now: opts.now() };
  for (const row of rows) {
    const raw = Buffer.from(row.raw);
    const where = `${row.account}/${row.mailbox} UID ${row.uid} (replay)`;
    const item = await prepareMessage(Number(row.uid), raw, row.received_at, prepareCtx).catch((err: unknown) => {
      throw localFault(err, where);
    });
    item.quarantineId = Number(row.id);
    const target: BatchTarget = {
      account: row.account, mailbox: row.mailbox, uidValidity: row.uid_validity, queue: queueOf(row.account), trustAuthResults: trustOf(row.account), spam: opts.spam ?? null,
      ourAddresses: opts.ourAddresses,
    };
    if (item.kind === 'quarantine') {
      report.still_quarantined++;
      if (item.reason !== row.reason) {
        await opts.store.write((tx) => syncDb(tx).updateTable('mail_quarantine').set({ reason: item.reason }).where('id', '=', Number(row.id)).execute());
      }
      opts.onQuarantine?.({ account: row.account, mailbox: row.mailbox, queue: null }, Number(row.uid), item.reason);
      continue;
    }
    opts.beforeStore?.([item]);
    try {
      const outcome = await opts.store.write((tx) => storeBatch(tx, opts.store.ops, target, [item], null, opts.onNewTicket, opts.onRating));
      if (outcome.resolved) report.stored++;
      else {
        // Already stored by another path (same Message-ID and content): nothing left to retry.
        await opts.store.write((tx) => syncDb(tx).updateTable('mail_quarantine').set({ resolved_at: isoSeconds(opts.now()) }).where('id', '=', Number(row.id)).execute());
        report.stored++;
      }
    } catch (err) {
      if (isLocalFault(err)) throw localFault(err, where);
      report.still_quarantined++;
      const reason = `could not be stored: ${(err as Error)?.message ?? String(err)}`;
      await opts.store.write((tx) => syncDb(tx).updateTable('mail_quarantine').set({ reason }).where('id', '=', Number(row.id)).execute());
      opts.onQuarantine?.({ account: row.account, mailbox: row.mailbox, queue: null }, Number(row.uid), reason);
    }
  }
  return report;
}
