// `desk sync --watch`: one connection per account, kept open on IMAP IDLE; new mail is synced as
// soon as the server announces it. Ctrl-C (or SIGTERM) ends it cleanly after the batch in hand.
// The sync lock is held only while syncing, so cron's `desk sync` can still run in between; a
// lost connection is retried with a growing pause, a bad config ends the watch.
import { ConflictError, DeskError, RemoteError, UsageError } from '../../errors.js';
import { openMailbox, type ImapMailbox } from '../../mail/imap.js';
import { acquireSyncLock, underLock } from '../../mail/lock.js';
import { syncMailbox } from '../../mail/sync.js';
import type { MailboxReport } from '../../mail/sync-report.js';
import { endpointOf, type SyncAccount } from './accounts.js';
import { flushOutbox, hooksRound, printReport, type SyncSession } from './run.js';
import { recordSnoozeEnds } from '../../store/snoozes.js';

const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 5 * 60_000;
/** Another sync holds the lock: try again this often, up to LOCK_ATTEMPTS times. */
const LOCK_RETRY_MS = 2_000;
const LOCK_ATTEMPTS = 60;

/** Resolves after `ms`, or at once when the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** Runs jobs one at a time: accounts of one watch never sync concurrently (one lock per database). */
function serial(): <T>(job: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (job) => {
    const run = tail.then(job, job);
    tail = run.catch(() => undefined);
    return run;
  };
}

async function syncLocked(session: SyncSession, account: SyncAccount, mailbox: ImapMailbox, signal: AbortSignal): Promise<MailboxReport | null> {
  for (let attempt = 0; attempt < LOCK_ATTEMPTS && !signal.aborted; attempt++) {
    let lock;
    try {
      lock = await acquireSyncLock(session.store, [{ account: account.name, mailbox: account.mailbox }]);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      await pause(LOCK_RETRY_MS, signal); // a cron run is at work; it will be done shortly
      continue;
    }
    try {
      return await syncMailbox(mailbox, { account: account.name, mailbox: account.mailbox, queue: account.queue, trustAuthResults: account.trustAuthResults }, { ...session.engine, store: underLock(session.store, lock), signal });
    } finally {
      await lock.release();
    }
  }
  return null;
}

async function watchAccount(session: SyncSession, account: SyncAccount, signal: AbortSignal, exclusive: ReturnType<typeof serial>): Promise<void> {
  const { ctx, options } = session;
  let retryMs = FIRST_RETRY_MS;
  let first = true;
  while (!signal.aborted) {
    let mailbox: ImapMailbox | null = null;
    try {
      mailbox = await openMailbox(endpointOf(account), { log: options.verbose ? (l) => ctx.io.err(l) : undefined });
      retryMs = FIRST_RETRY_MS;
      while (!signal.aborted) {
        const mb = mailbox;
        const report = await exclusive(() => syncLocked(session, account, mb, signal));
        if (report && (first || report.new > 0 || report.error)) printReport(session, report);
        first = false;
        // Replies written meanwhile (and retries that are due) go out with each round.
        const outboxFailure = await exclusive(() => flushOutbox(session));
        if (outboxFailure) ctx.io.err(`desk: ${outboxFailure.message}\n`);
        await exclusive(() => recordSnoozeEnds(session.store, ctx.now())); // snoozes that ran out: their end into the history
        await exclusive(() => hooksRound(ctx)); // SLA events due, and hook deliveries due
        if (report?.error) throw new RemoteError(report.error);
        const why = await mailbox.waitForMail(signal);
        if (why === 'aborted') break;
        await mailbox.refresh();
      }
    } catch (err) {
      // A config mistake will not fix itself; a server or network problem may.
      if (!(err instanceof DeskError) || err instanceof UsageError) throw err;
      ctx.io.err(`desk: ${err.message} (trying again in ${Math.round(retryMs / 1000)}s)\n`);
      await pause(retryMs, signal);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    } finally {
      await mailbox?.close().catch(() => undefined);
    }
  }
}

export async function watch(session: SyncSession): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const exclusive = serial();
    await Promise.all(session.accounts.map((a) => watchAccount(session, a, controller.signal, exclusive)));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
