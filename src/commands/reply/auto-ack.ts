// The automatic acknowledgement of a new ticket (config `autoAck: { canned: NAME,
// perSenderPerHours?: N }`): queued in the very transaction that created the ticket, sent by the
// outbox flush that follows (desk sync runs one). It is never sent to automatic mail or to robots'
// addresses, at most once per sender every N hours (default 1), carries
// `Auto-Submitted: auto-replied`, and is stored as automatic so it does not stop the SLA clock.
import type { Kysely } from 'kysely';
import type { Ctx } from '../../cli/context.js';
import { DeskError, UsageError } from '../../errors.js';
import { findCanned, type CannedEntry } from '../../domain/canned/library.js';
import { renderCanned } from '../../domain/canned/render.js';
import { replyVariables } from '../../domain/canned/variables.js';
import type { TicketWithHistory } from '../../domain/types.js';
import { lastSentTo } from '../../mail/outbox.js';
import type { DB } from '../../store/schema.js';
import { getTicketHistory } from '../../store/repos/tickets.js';
import { cannedLibraryOf } from '../canned/dirs.js';
import { ourAddresses } from '../sync/accounts.js';
import { writeReply } from './queue.js';
import { senderOf } from './sender.js';
import { firstResponseDueText } from './variables.js';

export interface AutoAckSettings {
  canned: string;
  perSenderPerHours?: number;
  /** add the links of this many most relevant public knowledge-base articles */
  kbArticles?: number;
}

export type AutoAckOutcome =
  | { queued: true; entryId: number; messageId: string }
  | { queued: false; reason: string };

export interface AutoAcknowledger {
  /** Call in the write transaction that created the ticket, after its first message is stored. */
  forNewTicket(tx: Kysely<DB>, ticketId: number): Promise<AutoAckOutcome>;
}

/** Addresses that belong to robots: answering them feeds mail loops. */
const ROBOT = /^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?|auto-?reply|notifications?)([+.@_-]|$)/i;

export function settingsOf(raw: unknown): AutoAckSettings | null {
  if (raw == null) return null;
  const s = raw as Record<string, unknown>;
  if (typeof raw !== 'object' || typeof s.canned !== 'string' || !s.canned.trim()) {
    throw new UsageError("config 'autoAck' must be a mapping with 'canned: NAME' (and optionally 'perSenderPerHours: N')");
  }
  const hours = s.perSenderPerHours;
  if (hours !== undefined && !(typeof hours === 'number' && hours >= 0)) {
    throw new UsageError("config 'autoAck.perSenderPerHours' must be a number of hours (0 or more)");
  }
  const kb = s.kbArticles;
  if (kb !== undefined && !(Number.isInteger(kb) && (kb as number) >= 0 && (kb as number) <= 10)) {
    throw new UsageError("config 'autoAck.kbArticles' must be a whole number of articles (0 to 10)");
  }
  return { canned: s.canned.trim(), perSenderPerHours: hours as number | undefined, kbArticles: kb as number | undefined };
}

/** Why this ticket must not be acknowledged automatically, or null when it may. */
export function refusalOf(history: TicketWithHistory, ours: ReadonlySet<string>): string | null {
  const inbound = history.messages.filter((m) => m.direction === 'in');
  if (!inbound.length) return 'no message from the customer';
  const automatic = inbound.find((m) => m.auto);
  if (automatic) return `the customer's mail is automatic (${automatic.auto})`;
  const email = history.requester.email.toLowerCase();
  if (ours.has(email)) return 'the requester is one of our own addresses';
  if (ROBOT.test(email)) return `the requester ${email} is a robot's address`;
  return null;
}

/**
 * The lines that point a new ticket's customer at the public articles most like their mail
 * (`autoAck.kbArticles`), or '' when none fits. The articles are read once, before any ticket.
 */
async function kbLinker(ctx: Ctx, baseUrl: string | undefined, limit: number): Promise<(t: TicketWithHistory) => string> {
  if (!baseUrl) throw new UsageError("config 'autoAck.kbArticles' needs 'kb.baseUrl': the address the articles are published at");
  const { articleSource } = await import('../kb/source.js');
  const { suggestionsFor, articleUrl } = await import('../kb/suggest.js');
  const { articles } = await (await articleSource(ctx)).list();
  const pub = articles.filter((a) => a.audience === 'public');
  return (t) => {
    const best = suggestionsFor(pub, t, limit);
    if (!best.length) return '';
    return ['These articles may answer your question already:', ...best.map((r) => `- ${r.article.title}: ${articleUrl(baseUrl, r.article.slug)}`)].join('\n');
  };
}

/** The acknowledger of the config, or null when `autoAck` is not configured. */
export async function autoAcknowledger(ctx: Ctx): Promise<AutoAcknowledger | null> {
  const config = await ctx.config();
  const settings = settingsOf(config.autoAck);
  if (!settings) return null;
  const from = senderOf(config);
  const canned: CannedEntry = findCanned((await cannedLibraryOf(ctx)).library, settings.canned);
  const ours = ourAddresses(config);
  const windowMs = (settings.perSenderPerHours ?? 1) * 3_600_000;
  const dueText = firstResponseDueText(ctx);
  const kbLinks = settings.kbArticles ? await kbLinker(ctx, config.kb?.baseUrl, settings.kbArticles) : null;

  return {
    async forNewTicket(tx, ticketId) {
      const history = await getTicketHistory(tx, ticketId);
      const refusal = refusalOf(history, ours);
      if (refusal) return { queued: false, reason: refusal };
      const now = ctx.now();
      const last = await lastSentTo(tx, history.requester.email, 'auto-ack');
      if (last && now.getTime() - Date.parse(last) < windowMs) {
        return { queued: false, reason: `${history.requester.email} was acknowledged at ${last} already` };
      }
      try {
        const vars = replyVariables({
          ticket: history,
          agent: { name: from.name ?? 'Support', email: from.address },
          firstResponseDue: /\bsla\./.test(canned.body) ? await dueText(history) : null,
        });
        const rendered = await renderCanned(canned.name, canned.body, vars);
        const links = kbLinks ? kbLinks(history) : '';
        const text = links ? `${rendered.trimEnd()}\n\n${links}\n` : rendered;
        // writeReply composes (and so validates every address) before it writes anything.
        const queued = await writeReply(tx, history, { ticketId, text, actor: 'desk', at: now, from, status: null, kind: 'auto-ack' });
        return { queued: true, entryId: queued.entryId, messageId: queued.messageId };
      } catch (err) {
        if (err instanceof DeskError) return { queued: false, reason: err.message };
        throw err;
      }
    },
  };
}
