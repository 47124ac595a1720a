// `desk sync`: every configured mailbox (or --account's) into tickets, one reconciliation line per
// mailbox, then the outbox. Exit 4 when another sync holds the database, 5 when a server is
// unreachable or refuses the login (after the other accounts were synced).
import { sql } from 'kysely';
import type { Ctx } from '../../cli/context.js';
import { DeskError, RemoteError, UsageError } from '../../errors.js';
import type { Config } from '../../config.js';
import type { Store } from '../../store/index.js';
import { acquireSyncLock, underLock } from '../../mail/lock.js';
import { replayQuarantine, syncEndpoint, type SyncOptions } from '../../mail/sync.js';
import { reconciliationLine, replayLine, type MailboxReport } from '../../mail/sync-report.js';
import type { NewTicketHook } from '../../mail/sync-batch.js';
import type { PreparedItem } from '../../mail/sync-prepare.js';
import { applyTriageRules } from '../../store/rules.js';
import { recordSnoozeEnds } from '../../store/snoozes.js';
import { rulesOfConfig } from '../rules-file.js';
import { JudgedMail } from '../../domain/rules/judged.js';
import { jsonText, safeLine } from '../../ui/safe-text.js';
import { endpointOf, ourAddresses, selectAccounts, type SyncAccount } from './accounts.js';
import { progressReporter } from './progress.js';
import { spamSettingsOf } from '../spam/settings.js';

export interface SyncCommandOptions {
  account?: string;
  watch?: boolean;
  replay?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  batchSize?: string;
}

export interface SyncSession {
  ctx: Ctx;
  config: Config;
  store: Store;
  accounts: SyncAccount[];
  options: SyncCommandOptions;
  engine: Omit<SyncOptions, 'onProgress'>;
  /** no accounts are configured: the run only sends the outbox */
  outboxOnly?: boolean;
}

function parseBatchSize(value: string | undefined): number {
  if (value === undefined) return 1000;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10000) throw new UsageError(`invalid value for --batch-size: '${value}' (1 to 10000)`);
  return n;
}

export async function openSession(ctx: Ctx, opts: SyncCommandOptions): Promise<SyncSession> {
  const config = await ctx.config();
  const batchSize = parseBatchSize(opts.batchSize);
  // A desk without mail accounts (replies only, e.g. tickets from a web form) still sends its
  // outbox on every sync: cron's `desk sync --quiet` is what delivers queued replies.
  const noAccounts = !(config.accounts ?? []).length;
  const outboxOnly = noAccounts && !opts.account && !opts.watch && !opts.replay && hasSmtpHost(config);
  const accounts = (opts.replay && noAccounts) || outboxOnly ? [] : selectAccounts(config, opts.account);
  const store = await ctx.store();
  const rules = rulesOfConfig(config, await ctx.tiers());
  // The acknowledger is made before any mail is stored, so that a broken `autoAck` setting
  // stops the run with its message instead of failing inside a batch (and it is only loaded
  // when configured: a cron run without it does not pay for the canned-reply machinery).
  const ack = config.autoAck != null ? await (await import('../reply/auto-ack.js')).autoAcknowledger(ctx) : null;
  // New tickets go through the triage rules (loaded once per run, not once per ticket), then get
  // their acknowledgement, queued in the same transaction and sent by the flush after the sync. Their
  // patterns read each batch's mail before the batch's write transaction (beforeStore), so a
  // huge hostile mail never holds the lock that agents' commands wait for.
  let judged: JudgedMail | undefined;
  const beforeStore = (items: readonly PreparedItem[]) => {
    judged = rules?.triage.length ? new JudgedMail(rules) : undefined;
    for (const item of items) {
      if (item.kind !== 'mail' || item.fromUs || !judged) continue;
      const p = item.parsed;
      judged.add({ from: p.from.email, subject: p.subject || null, text: p.text }, { subject: p.subject || '(no subject)', requester: { email: p.from.email } });
    }
  };
  const onNewTicket: NewTicketHook = async (tx, ticketId, at) => {
    const applied = await applyTriageRules(tx, ticketId, { at, rules, judged });
    for (const w of applied.warnings) ctx.io.err(`desk: triage of ticket #${ticketId}: ${safeLine(w)}\n`);
    if (ack) {
      const outcome = await ack.forNewTicket(tx, ticketId);
      if (!outcome.queued && opts.verbose) ctx.io.err(`desk: ticket #${ticketId} not acknowledged: ${safeLine(outcome.reason)}\n`);
    }
  };
  const onRating = rules?.csat?.length
    ? (await import('../csat/rating-rules.js')).ratingRulesHook(rules, config, (line) => ctx.io.err(`desk: ${safeLine(line)}\n`))
    : undefined;
  const engine: SyncSession['engine'] = {
    store,
    now: () => ctx.now(),
    ourAddresses: ourAddresses(config),
    onNewTicket,
    onRating,
    spam: spamSettingsOf(config),
    beforeStore,
    batchSize,
    // Each quarantined message on stderr; with --quiet (cron) one line per mailbox instead.
    onQuarantine: opts.quiet
      ? undefined
      : (t, uid, reason) => ctx.io.err(`desk: ${safeLine(t.account)}/${safeLine(t.mailbox)} UID ${uid} quarantined: ${safeLine(reason)}\n`),
    onDetail: opts.verbose ? (line) => ctx.io.err(`${safeLine(line)}\n`) : undefined,
  };
  return { ctx, config, store, accounts, options: opts, engine, outboxOnly };
}

/** An SMTP server is configured (checked without loading the mail code). */
function hasSmtpHost(config: Config): boolean {
  return typeof config.smtp?.host === 'string' && config.smtp.host.trim() !== '';
}

export function printReport(session: SyncSession, report: MailboxReport): void {
  const { ctx, options } = session;
  if (options.quiet) {
    if (report.quarantined) {
      ctx.io.err(`desk: ${safeLine(report.account)}/${safeLine(report.mailbox)}: ${report.quarantined} message${report.quarantined === 1 ? '' : 's'} quarantined (unreadable; kept for \`desk sync --replay\`)\n`);
    }
    return;
  }
  ctx.io.out(ctx.json ? jsonText(report) + '\n' : reconciliationLine(report) + '\n');
}

/**
 * Syncs each account once: connect, sync, disconnect. A failing account does not stop the others;
 * the failures are returned (the first one decides the exit code).
 */
export async function syncOnce(session: SyncSession, signal?: AbortSignal): Promise<DeskError[]> {
  const { ctx, options } = session;
  const failures: DeskError[] = [];
  for (const account of session.accounts) {
    if (signal?.aborted) break;
    const progress = progressReporter(ctx.io, `${account.name}/${account.mailbox}`, !options.quiet);
    try {
      const endpoint = endpointOf(account);
      const report = await syncEndpoint(endpoint, { account: account.name, mailbox: account.mailbox, queue: account.queue, trustAuthResults: account.trustAuthResults }, {
        ...session.engine,
        signal,
        onProgress: progress.update,
        log: options.verbose ? (l) => ctx.io.err(l) : undefined,
      });
      progress.stop();
      printReport(session, report);
      if (report.error) failures.push(new RemoteError(report.error));
    } catch (err) {
      progress.stop();
      if (!(err instanceof DeskError)) throw err;
      failures.push(err);
    }
  }
  return failures;
}

/** Reports every failure but the first on stderr and throws the first (one exit code). */
export function throwFailures(ctx: Ctx, failures: DeskError[]): void {
  if (!failures.length) return;
  for (const f of failures.slice(1)) ctx.io.err(`desk: ${f.message}\n`);
  throw failures[0];
}

export async function runSync(ctx: Ctx, opts: SyncCommandOptions): Promise<void> {
  const session = await openSession(ctx, opts);
  if (opts.watch) {
    if (opts.replay) throw new UsageError('--replay and --watch do not go together');
    const { watch } = await import('./watch.js');
    await watch(session);
    return;
  }
  // Snoozes whose time has come get their end written into the history (cron runs sync often).
  if (!opts.replay) await recordSnoozeEnds(session.store, ctx.now());
  if (session.outboxOnly) {
    if (!opts.quiet) ctx.io.err('desk: no mail accounts in the config: no mail to pull; sending the outbox\n');
    const outboxFailure = await flushOutbox(session);
    await slaHooks(ctx);
    throwFailures(ctx, outboxFailure ? [outboxFailure] : []);
    return;
  }
  // On PostgreSQL, a lease on each mailbox this run syncs: another host may sync other mailboxes.
  const lock = await acquireSyncLock(session.store, session.accounts.map((a) => ({ account: a.name, mailbox: a.mailbox })));
  let failures: DeskError[];
  try {
    const locked: SyncSession = { ...session, engine: { ...session.engine, store: underLock(session.store, lock) } };
    if (opts.replay) {
      const queues = new Map(session.accounts.map((a) => [a.name, a.queue]));
      const trust = new Map(session.accounts.map((a) => [a.name, a.trustAuthResults]));
      const report = await replayQuarantine(locked.engine as SyncOptions, (name) => queues.get(name) ?? null, (name) => trust.get(name) ?? null);
      if (!opts.quiet) ctx.io.out(ctx.json ? jsonText(report) + '\n' : replayLine(report) + '\n');
      return;
    }
    failures = await syncOnce(locked);
  } finally {
    await lock.release();
  }
  const outboxFailure = await flushOutbox(session);
  if (outboxFailure) failures.push(outboxFailure);
  await slaHooks(ctx);
  throwFailures(ctx, failures);
}

/** SLA events for hooks (src/commands/hooks/sla.ts), if a hook wants them; a problem is a warning here. */
async function slaHooks(ctx: Ctx): Promise<void> {
  if (!(await ctx.config()).hooks?.length) return;
  try {
    await (await import('../hooks/sla.js')).fireSlaHooks(ctx);
  } catch (err) {
    ctx.io.err(`warning: SLA events for hooks not fired: ${safeLine((err as Error).message)}\n`);
  }
}

/** How long a round of `sync --watch` spends delivering hook events that are due. */
const WATCH_HOOK_BUDGET_MS = 5000;

/**
 * A round of `sync --watch` for hooks: due SLA events fired, and due deliveries tried (bounded;
 * the rest wait for the next round or `desk hooks run`). Never fails the watch.
 */
export async function hooksRound(ctx: Ctx): Promise<void> {
  const config = await ctx.config();
  if (!config.hooks?.length) return;
  await slaHooks(ctx);
  try {
    const [{ deliverHooks }, { resolverOf }] = await Promise.all([import('../../mail/hook-delivery.js'), import('../hooks/destinations.js')]);
    await deliverHooks({ store: await ctx.store(), now: () => ctx.now(), resolve: resolverOf(config), dueOnly: true, budgetMs: WATCH_HOOK_BUDGET_MS });
  } catch (err) {
    ctx.io.err(`warning: hook deliveries not tried: ${safeLine((err as Error).message)}\n`);
  }
}

/** Sends what is due in the outbox once mail is in (a failure there also means exit 5). */
export async function flushOutbox(session: SyncSession): Promise<DeskError | null> {
  // Agents' SLA clocks at risk become notifications (once each) before their mail is queued.
  await (await import('../inbox/sla.js')).notifySlaAtRiskQuietly(session.ctx);
  // Satisfaction surveys that came due (config csat) join the outbox first.
  if (session.config.csat?.enabled === true) {
    const { queueDueSurveys } = await import('../csat/surveys.js');
    const run = await queueDueSurveys(session.store, session.config, session.ctx.now());
    if (run && session.options.verbose) {
      for (const q of run.queued) session.ctx.io.err(`desk: satisfaction survey for ticket #${q.ticketId} queued to ${safeLine(q.to)} (outbox #${q.outboxId})\n`);
      for (const s of run.skipped) session.ctx.io.err(`desk: no satisfaction survey for ticket #${s.ticketId}: ${safeLine(s.reason)}\n`);
    }
  }
  // The SMTP side is heavy to load; a cron run with an empty outbox should not pay for it.
  if (!(await outboxHasWork(session.store))) return null;
  const { flushForSync } = await import('../outbox/flush.js');
  return flushForSync(session.ctx, { quiet: session.options.quiet });
}

// Only states a flush acts on: failed and cancelled mail waits for an agent, not for the next sync.
async function outboxHasWork(store: Store): Promise<boolean> {
  try {
    const row = await sql<{ one: number }>`select 1 as one from outbox where state in ('queued', 'sending', 'unknown') limit 1`.execute(store.db);
    if (row.rows.length > 0) return true;
    // Notifications waiting to be mailed join the outbox in the flush.
    const waiting = await sql<{ one: number }>`select 1 as one from notifications where mail_state = 'pending' limit 1`.execute(store.db);
    return waiting.rows.length > 0;
  } catch {
    return true; // cannot tell: let the outbox module decide
  }
}
