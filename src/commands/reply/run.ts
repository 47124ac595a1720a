// `desk reply ID [--canned NAME] [--message TEXT|-] [--edit] [--status S]`: write the reply
// (canned, given, or in the editor), store it with its outbox entry in one transaction, then try
// to send it at once. SMTP refused or unreachable: the reply stays queued and the agent is told
// (exit 5); `desk outbox flush` or `desk sync` sends it later.
import { detectMimeType } from 'nodemailer/lib/mime-funcs/mime-types.js';
import type { Ctx } from '../../cli/context.js';
import { badFlagValue, DeskError, UsageError } from '../../errors.js';
import { readCannedAttachments } from '../../domain/canned/attachments.js';
import { findCanned, type CannedEntry } from '../../domain/canned/library.js';
import { renderCanned } from '../../domain/canned/render.js';
import { STATUSES, type Status, type TicketWithHistory } from '../../domain/types.js';
import type { MailAttachment } from '../../mail/compose.js';
import { sendRaw } from '../../mail/smtp.js';
import { getTicketHistory } from '../../store/repos/tickets.js';
import { printJson } from '../../ui/output.js';
import { safeLine } from '../../ui/safe-text.js';
import { cannedLibraryOf } from '../canned/dirs.js';
import { failureOf, flushWithConfig } from '../outbox/flush.js';
import { parseTicketId, textArg } from '../shared.js';
import { editInEditor, editorText, textAboveMarker } from './editor.js';
import { queueReply } from './queue.js';
import { checkMailSettings, senderOf, smtpTargetOf } from './sender.js';
import { agentOf, variablesFor } from './variables.js';
import { signatureOf, withSignature } from '../../domain/canned/signature.js';

export interface ReplyOptions {
  canned?: string;
  message?: string;
  edit?: boolean;
  /** false with --no-signature */
  signature?: boolean;
  status?: string;
  json?: boolean;
}

/** A reply leaves the ticket in any status but `new` (someone has answered). */
const REPLY_STATUSES = STATUSES.filter((s) => s !== 'new');

function statusFlag(value: string | undefined): Status | undefined {
  if (value === undefined) return undefined;
  if (!(REPLY_STATUSES as readonly string[]).includes(value)) throw badFlagValue('--status', value, REPLY_STATUSES);
  return value as Status;
}

function lastCustomerMessage(history: TicketWithHistory) {
  const inbound = history.messages.filter((m) => m.direction === 'in' && !m.auto);
  return inbound.sort((a, b) => a.date.localeCompare(b.date)).at(-1) ?? null;
}

function readAttachments(entry: CannedEntry): MailAttachment[] {
  // Only files inside the reply's templates directory (symlinks followed); anything else is refused.
  // The type the mail will carry (nodemailer's table, by extension) is decided here so that the
  // stored message records the same one.
  return readCannedAttachments(entry).map((a) => ({ ...a, contentType: detectMimeType(a.filename) }));
}

function mayOpenEditor(ctx: Ctx): boolean {
  const stdinIsTTY = Boolean((ctx.io.stdin as { isTTY?: boolean }).isTTY);
  return stdinIsTTY || Boolean(process.env.VISUAL || process.env.EDITOR);
}

export async function runReply(ctx: Ctx, idArg: string, opts: ReplyOptions): Promise<void> {
  const id = parseTicketId(idArg);
  const statusWanted = statusFlag(opts.status);
  if (opts.canned !== undefined && opts.message !== undefined) {
    throw new UsageError('give --canned or --message, not both', 'add --edit to change a canned reply before sending');
  }
  const useEditor = opts.edit || (opts.canned === undefined && opts.message === undefined);
  if (useEditor && !mayOpenEditor(ctx)) {
    throw new UsageError('no terminal to open an editor in: give --message TEXT (or - for standard input) or --canned NAME');
  }

  // Everything that can be wrong with the setup is found before the agent writes a word.
  const loaded = await ctx.loadedConfig();
  const config = loaded.data;
  checkMailSettings(config, `the config (${loaded.path})`, 'sending a reply');
  const from = senderOf(config);
  const target = smtpTargetOf(config);
  const store = await ctx.store();
  const history = await getTicketHistory(store.db, id);
  const actor = await ctx.actor();

  let text = '';
  let canned: CannedEntry | null = null;
  if (opts.canned !== undefined) {
    canned = findCanned((await cannedLibraryOf(ctx)).library, opts.canned);
    text = await renderCanned(canned.name, canned.body, await variablesFor(ctx, store, history, actor, canned.body));
  } else if (opts.message !== undefined) {
    text = await textArg(ctx.io, opts.message, 'the reply');
  }
  // A written reply is signed as the agent signs (canned replies place {{ agent.signature }} themselves);
  // in the editor the signature is there to see, and a text that already carries it keeps it once.
  const signature = canned || opts.signature === false ? null : signatureOf(await agentOf(store, actor));
  if (useEditor) {
    const { agentTimeZone } = await import('../sla/policy-file.js');
    const draft = signature ? withSignature(text, signature) : text;
    text = textAboveMarker(editInEditor(editorText(draft, lastCustomerMessage(history), await agentTimeZone(ctx)), `desk-reply-${id}.txt`));
  }
  const squeeze = (s: string) => s.replace(/\s+/g, ' ').trim();
  if (!text.trim() || (signature && squeeze(text) === squeeze(signature))) {
    throw new DeskError(`reply to #${id} aborted: the message is empty; nothing was sent`);
  }
  if (signature) text = withSignature(text, signature);
  const attachments = canned ? readAttachments(canned) : [];

  const status = statusWanted ?? canned?.statusAfter ?? (history.status === 'new' ? 'open' : null);
  const queued = await queueReply(store, {
    ticketId: id,
    text: text.trimEnd() + '\n',
    actor,
    at: ctx.now(),
    from,
    status,
    kind: 'reply',
    attachments,
  });

  let report;
  try {
    report = await flushWithConfig(ctx, { ids: [queued.entryId], send: (envelope, raw) => sendRaw(target, envelope, raw) });
  } catch (err) {
    if (err instanceof DeskError) err.hint = `the reply is saved in the outbox (#${queued.entryId}); \`desk outbox flush\` sends it`;
    throw err;
  }
  const mine = report.results.find((r) => r.id === queued.entryId);
  const state = mine?.outcome === 'sent' ? 'sent' : mine?.outcome === 'unknown' ? 'unknown' : mine?.outcome === 'failed' ? 'failed' : 'queued';
  if (ctx.json) {
    printJson(ctx.io, {
      ticket: id, outbox_id: queued.entryId, message_id: queued.messageId, to: queued.to,
      subject: queued.subject, state, status: queued.status,
    });
  } else if (state === 'sent') {
    ctx.io.out(`#${id}: reply sent to ${safeLine(queued.to)} (status ${queued.status})\n`);
  } else {
    ctx.io.err(`#${id}: reply saved in the outbox (#${queued.entryId}) but not delivered\n`);
  }
  const failure = failureOf(report);
  if (failure) throw failure;
}
