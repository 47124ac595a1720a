// `desk reply ID [--canned NAME] [--message TEXT|-] [--edit] [--status S]`: write the reply
// (canned, given, or in the editor), store it with its outbox entry in one transaction, then try
// to send it at once. SMTP refused or unreachable: the reply stays queued and the agent is told
// (exit 5); `desk outbox flush` or `desk sync` sends it later.
import { detectMimeType } from 'nodemailer/lib/mime-funcs/mime-types.js';
import type { Ctx } from '../../cli/context.js';
import { badFlagValue, ConflictError, DeskError, UsageError, type RemoteError } from '../../errors.js';
import { readCannedAttachments } from '../canned/attachments.js';
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
import { checkedText, parseTicketId, textArg } from '../shared.js';
import { editInEditor, editorText, textAboveMarker } from './editor.js';
import { queueReply } from './queue.js';
import { checkMailSettings, senderOf, smtpTargetOf } from './sender.js';
import { agentOf, variablesFor } from './variables.js';
import { signatureOf, withSignature } from '../../domain/canned/signature.js';
import { checkedAddress } from '../../mail/compose.js';
import { ourAddresses } from '../sync/accounts.js';
import { readReplyAttachments } from './attach.js';
import { renderSignatures, teamSignatureOf } from './signatures.js';

export interface ReplyOptions {
  canned?: string;
  message?: string;
  edit?: boolean;
  /** false with --no-signature */
  signature?: boolean;
  status?: string;
  /** send even when a customer message arrived after the ticket was opened */
  force?: boolean;
  /** --cc ADDR…: copy them too (they join the ticket's CC list) */
  cc?: string[];
  /** false with --no-cc: leave the ticket's CC list out of this reply */
  keepCc?: boolean;
  /** --bcc ADDR…: blind copies, in the envelope only */
  bcc?: string[];
  /** --attach FILE…: files to attach */
  attach?: string[];
  /** answer with this knowledge-base article: its public link (or, with --excerpt, its first paragraph) */
  kb?: string;
  excerpt?: boolean;
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

/**
 * A reply as the code that sends it takes it: `desk reply` parses its flags into this, and the
 * triage screen builds it from what the agent wrote or picked.
 */
export interface ReplyRequest {
  /** the canned reply to send, by name: its rendered text, status and attachments */
  canned?: string;
  /**
   * The reply as written (the agent's signature is added below it unless `signature` is false),
   * or how to read it (standard input): read once the setup has been checked.
   */
  text?: string | (() => Promise<string>);
  /** open the agent's editor on the draft before sending */
  edit?: boolean;
  /** false: do not add the agent's signature to a written reply */
  signature?: boolean;
  /** the status the ticket takes in the same step (else the canned reply's, else open when new) */
  status?: Status;
  /**
   * When the agent opened the ticket (triage: when the cursor came to it); else their live
   * presence on it says, else the start of this reply. Customer mail dated after it asks first.
   */
  openedAt?: string;
  /** send even when a customer message arrived after the ticket was opened */
  force?: boolean;
  /** asks the agent (a terminal's question); without it a terminal is asked, anything else refused (exit 4) */
  confirm?: (question: string) => Promise<boolean>;
  /** false: the ticket's CC list is left out (else the reply goes to everyone on it: reply-all) */
  keepCc?: boolean;
  /** addresses copied too; they join the ticket's CC list */
  cc?: string[];
  /** blind copies: in the envelope only, never in a header or on the ticket */
  bcc?: string[];
  /** files to attach (paths), besides a canned reply's own */
  attach?: string[];
  /** a knowledge-base article to answer with: its link (or excerpt) goes below the text */
  kb?: { slug: string; excerpt: boolean };
}

/** What became of a reply: recorded with its outbox entry, and whether it went out at once. */
export interface ReplyOutcome {
  ticket: number;
  outboxId: number;
  messageId: string;
  to: string;
  /** who the reply is copied to (Cc) and blind-copied to (Bcc) */
  cc: string[];
  bcc: string[];
  subject: string;
  status: string;
  state: 'sent' | 'unknown' | 'failed' | 'queued';
  /** Why it was not delivered now, when the server was the reason (exit 5); the reply stays in the outbox. */
  failure: RemoteError | null;
}

/**
 * Writes a reply to ticket `id`, stores it with its outbox entry in one transaction, then tries to
 * send it at once. Bad input and setup throw (nothing stored); a server that fails us does not
 * throw: the outcome carries the failure, and the reply waits in the outbox. Prints nothing.
 */
export async function sendReply(ctx: Ctx, id: number, req: ReplyRequest): Promise<ReplyOutcome> {
  if (req.canned !== undefined && req.text !== undefined) {
    throw new UsageError('give --canned or --message, not both', 'add --edit to change a canned reply before sending');
  }
  const useEditor = req.edit || (req.canned === undefined && req.text === undefined && req.kb === undefined);
  if (useEditor && !mayOpenEditor(ctx)) {
    throw new UsageError('no terminal to open an editor in: give --message TEXT (or - for standard input) or --canned NAME');
  }

  // Everything that can be wrong with the setup is found before the agent writes a word.
  const loaded = await ctx.loadedConfig();
  const config = loaded.data;
  checkMailSettings(config, `the config (${loaded.path})`, 'sending a reply');
  const from = senderOf(config);
  const target = smtpTargetOf(config);
  const addCc = (req.cc ?? []).map((a) => ({ email: checkedAddress(a, '--cc').toLowerCase() }));
  const bcc = (req.bcc ?? []).map((a) => checkedAddress(a, '--bcc').toLowerCase());
  const attachments = readReplyAttachments(req.attach ?? []);
  const store = await ctx.store();
  const history = await getTicketHistory(store.db, id);
  if (history.merged_into != null) {
    throw new ConflictError(`#${id} is merged into #${history.merged_into}: its conversation continues there`, `reply on #${history.merged_into}: \`desk reply ${history.merged_into}\``);
  }
  const actor = await ctx.actor();
  const { openedAtFor, markReplying, checkCollision } = await import('../presence/collision.js');
  const openedAt = await openedAtFor(ctx, store, actor, id, req.openedAt);

  // How the reply is signed: the agent's signature (canned replies place it themselves), then the
  // team's (the queue's or the mail account's), both filled in with the ticket's variables.
  const team = req.signature === false ? null : teamSignatureOf(config, history.queue, from.address);
  let canned: CannedEntry | null = null;
  if (req.canned !== undefined) canned = findCanned((await cannedLibraryOf(ctx)).library, req.canned);
  const agentTemplate = canned || req.signature === false ? null : signatureOf(await agentOf(store, actor));
  const variables = await variablesFor(ctx, store, history, actor, [canned?.body ?? '', agentTemplate ?? '', team?.template ?? ''].join('\n'));
  const signatures = await renderSignatures(agentTemplate, team, variables);
  const sign = (t: string) => {
    let out = t;
    for (const sig of [signatures.agent, signatures.team]) if (sig) out = withSignature(out, sig);
    return out;
  };
  const signature = [signatures.agent, signatures.team].filter((x): x is string => x !== null).join('\n\n') || null;
  // the article is found (and may be sent) before anything is written
  const kbText = req.kb ? await (await import('../kb/answer.js')).answerText(ctx, config, req.kb) : null;

  let text = '';
  if (canned) {
    text = await renderCanned(canned.name, canned.body, variables);
  } else if (req.text !== undefined) {
    text = typeof req.text === 'string' ? checkedText(req.text, 'the reply') : await req.text();
  }
  if (kbText) text = text.trim() ? `${text.trimEnd()}\n\n${kbText}` : kbText;
  // A written reply is signed below the text; in the editor the signatures are there to see, and
  // a text that already carries one keeps it once.
  if (useEditor) {
    const { agentTimeZone } = await import('../sla/policy-file.js');
    const draft = signature ? sign(text) : text;
    const done = await markReplying(ctx, store, actor, id, openedAt.at);
    try {
      text = textAboveMarker(editInEditor(editorText(draft, lastCustomerMessage(history), await agentTimeZone(ctx)), `desk-reply-${id}.txt`));
    } finally {
      await done();
    }
  }
  const squeeze = (s: string) => s.replace(/\s+/g, ' ').trim();
  const onlySigned = [signature, signatures.agent].some((sig) => sig && squeeze(text) === squeeze(sig));
  if (!text.trim() || onlySigned) {
    throw new DeskError(`reply to #${id} aborted: the message is empty; nothing was sent`);
  }
  if (signature) text = sign(text);
  if (!req.force && (openedAt.seen || useEditor)) await checkCollision(ctx, store, id, openedAt.at, text, req.confirm);
  attachments.unshift(...(canned ? readAttachments(canned) : []));

  const status = req.status ?? canned?.statusAfter ?? (history.status === 'new' ? 'open' : null);
  const queued = await queueReply(store, {
    ticketId: id,
    text: text.trimEnd() + '\n',
    actor,
    at: ctx.now(),
    from,
    status,
    kind: 'reply',
    attachments,
    recipients: { keepCc: req.keepCc !== false, addCc, bcc, ours: ourAddresses(config) },
    kbSlug: req.kb?.slug,
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
  return {
    ticket: id, outboxId: queued.entryId, messageId: queued.messageId, to: queued.to, cc: queued.cc, bcc: queued.bcc, subject: queued.subject,
    status: queued.status, state, failure: failureOf(report),
  };
}

/** The line for people when a reply went out: `#42: reply sent to … (status pending)`. */
export function sentLine(r: ReplyOutcome): string {
  return `#${r.ticket}: reply sent to ${recipientsLine(r)} (status ${r.status})`;
}

/** Who gets a reply, for people: `joao@…, cc ana@…, bob@…, bcc boss@…`. */
export function recipientsLine(r: Pick<ReplyOutcome, 'to' | 'cc' | 'bcc'>): string {
  const parts = [safeLine(r.to)];
  if (r.cc.length) parts.push(`cc ${r.cc.map((a) => safeLine(a)).join(', ')}`);
  if (r.bcc.length) parts.push(`bcc ${r.bcc.map((a) => safeLine(a)).join(', ')}`);
  return parts.join(', ');
}

/** `--cc a@x b@y` and `--cc a@x,b@y` alike. */
function splitList(values: string[] | undefined): string[] | undefined {
  return values?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export async function runReply(ctx: Ctx, idArg: string, opts: ReplyOptions): Promise<void> {
  const id = parseTicketId(idArg);
  const status = statusFlag(opts.status);
  const message = opts.message;
  const text = message === undefined ? undefined : () => textArg(ctx.io, message, 'the reply');
  if (opts.excerpt && opts.kb === undefined) throw new UsageError('--excerpt goes with --kb SLUG: it sends the article’s first paragraph instead of its link');
  const kb = opts.kb === undefined ? undefined : { slug: opts.kb, excerpt: !!opts.excerpt };
  const r = await sendReply(ctx, id, {
    canned: opts.canned, text, edit: opts.edit, signature: opts.signature, status, force: opts.force,
    keepCc: opts.keepCc, cc: splitList(opts.cc), bcc: splitList(opts.bcc), attach: opts.attach, kb,
  });
  if (ctx.json) {
    printJson(ctx.io, {
      ticket: r.ticket, outbox_id: r.outboxId, message_id: r.messageId, to: r.to, cc: r.cc, bcc: r.bcc,
      subject: r.subject, state: r.state, status: r.status,
    });
  } else if (r.state === 'sent') {
    ctx.io.out(sentLine(r) + '\n');
  } else {
    ctx.io.err(`#${id}: reply saved in the outbox (#${r.outboxId}) but not delivered\n`);
  }
  if (r.failure) throw r.failure;
}
