// Running the outbox with the config's SMTP server and Sent folder: for `desk outbox flush`,
// for `desk reply` (its own entry, right after writing it) and for `desk sync` (everything due).
import type { Ctx } from '../../cli/context.js';
import { RemoteError } from '../../errors.js';
import { flushOutbox, UNDELIVERED, type FlushReport, type FlushResult, type SendFn } from '../../mail/outbox.js';
import { safeLine } from '../../ui/safe-text.js';
import { hasSmtp, senderOf, smtpSendFn } from '../reply/sender.js';
import { sentFolderOf } from './sent-folder.js';

export interface FlushRun {
  force?: boolean;
  /** respect back-off (automatic runs) */
  dueOnly?: boolean;
  ids?: number[];
  /** the SMTP sender to use (default: the config's) */
  send?: SendFn | null;
}

export async function flushWithConfig(ctx: Ctx, run: FlushRun): Promise<FlushReport> {
  const config = await ctx.config();
  const store = await ctx.store();
  // Agents' notifications due as mail join the outbox first (not for a reply's own entry).
  // A problem there (a bad config timezone) must not keep the rest of the outbox from going out.
  if (!run.ids) {
    await (await import('../inbox/mail.js')).queueNotificationMail(ctx).catch((err: unknown) => {
      ctx.io.err(`desk: notifications not mailed: ${(err as Error)?.message ?? String(err)}\n`);
    });
  }
  let from: string | null = null;
  try {
    from = senderOf(config).address;
  } catch {
    from = null; // no sender configured: any account with a Sent folder will do
  }
  const sentFolder = sentFolderOf(config, from);
  try {
    return await flushOutbox({
      store,
      now: () => ctx.now(),
      send: run.send !== undefined ? run.send : hasSmtp(config) ? smtpSendFn(config) : null,
      sentFolder,
      force: run.force,
      dueOnly: run.dueOnly,
      ids: run.ids,
    });
  } finally {
    await sentFolder?.close();
  }
}

const VERB: Record<FlushResult['outcome'], string> = {
  sent: 'sent',
  confirmed: 'already delivered',
  retry: 'not sent, will retry',
  failed: 'failed, will not retry',
  unknown: 'delivery unknown',
  held: 'held',
  waiting: 'waiting',
};

/** One line per entry, for people. */
export function resultLine(r: FlushResult): string {
  return `outbox #${r.id} (${r.ticket_id === null ? 'no ticket' : `ticket #${r.ticket_id}`}, to ${safeLine(r.to)}): ${VERB[r.outcome]}: ${safeLine(r.detail)}`;
}

function hintFor(r: FlushResult): string {
  switch (r.outcome) {
    case 'unknown':
      return 'it stays in the outbox as "unknown" and is not resent blindly: see `desk outbox`';
    case 'failed':
      return `refused for good, so it is not retried: \`desk outbox retry ${r.id}\` tries again, \`desk outbox cancel ${r.id}\` withdraws it; the ticket has a note`;
    default:
      return `it stays queued; \`desk outbox flush\` (or \`desk sync\`) retries${r.next_attempt_at ? ` (next attempt ${r.next_attempt_at})` : ''}`;
  }
}

/** The exit-5 error for a flush that left mail undelivered because of the server, else null. */
export function failureOf(report: FlushReport): RemoteError | null {
  const bad = report.results.filter((r) => UNDELIVERED.includes(r.outcome));
  if (!bad.length) {
    // Mail of unknown fate stays held either way; but the IMAP server failed us, and says so.
    const searchFailed = report.sentFolderErrors?.[0];
    if (searchFailed) {
      return new RemoteError(safeLine(searchFailed), 'the mail of unknown fate stays held (not resent); `desk outbox` lists it');
    }
    return null;
  }
  // A refusal for good is the one that needs the agent: it leads.
  const first = bad.find((r) => r.outcome === 'failed') ?? bad[0]!;
  const more = bad.length > 1 ? ` (and ${bad.length - 1} more)` : '';
  const where = first.outcome === 'failed' ? `outbox #${first.id} (${first.ticket_id === null ? 'no ticket' : `ticket #${first.ticket_id}`}, to ${safeLine(first.to)}): ` : '';
  return new RemoteError(`${where}${safeLine(first.detail)}${more}`, hintFor(first));
}

/**
 * For `desk sync`: sends everything due (respecting back-off), reports on stderr (stdout carries
 * the sync's own lines) unless quiet, and returns the failure to fold into the sync's exit code.
 */
export async function flushForSync(ctx: Ctx, opts: { quiet?: boolean } = {}): Promise<RemoteError | null> {
  const report = await flushWithConfig(ctx, { dueOnly: true });
  if (!opts.quiet) {
    for (const r of report.results) if (r.outcome !== 'waiting') ctx.io.err(resultLine(r) + '\n');
  }
  return failureOf(report);
}
