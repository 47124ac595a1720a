// Which ticket does an incoming message belong to? Rules, strongest first:
//  1. our-message-id   — In-Reply-To/References name a message desk sent (its Message-ID names
//                        the ticket: <desk.TICKET.RANDOM@DOMAIN>), and the store confirms it;
//  2. known-message-id — they name any other message the store knows (the customer's earlier
//                        mail, a colleague cc'd on the thread);
//  3. subject-tag      — the subject carries [#TICKET] and the sender is that ticket's requester
//                        (anyone else could type a tag to read or spam someone's ticket);
//  4. new              — none of these: the message starts a ticket (unless it is automatic).
// Pure: the store answers through ThreadLookup; the decision says which rule matched and why,
// for `desk show --why`.

export type ThreadRule = 'our-message-id' | 'known-message-id' | 'subject-tag' | 'new';

export interface ThreadDecision {
  ticketId: number | null;
  rule: ThreadRule;
  /** One line for humans: which header or tag matched, or why nothing did. */
  detail: string;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * Implemented by the store. Each method may answer synchronously or with a promise.
 * Return the ticket id, or null when the store does not know it.
 */
export interface ThreadLookup {
  /** `id` parses as one of desk's own Message-IDs: the ticket it was sent for, if that holds. */
  ticketForOurMessageId(id: string): MaybePromise<number | null>;
  /** The ticket of a stored message (in or out) with this Message-ID. */
  ticketForKnownMessageId(id: string): MaybePromise<number | null>;
  /** `ticketId` when that ticket exists and `fromEmail` (lowercased) is its requester. */
  ticketForTagFromRequester(ticketId: number, fromEmail: string): MaybePromise<number | null>;
}

/** The parts of a parsed message threading reads (ParsedMail from src/mail/parse.ts fits). */
export interface ThreadableMail {
  in_reply_to: string | null;
  references: string[];
  subject: string;
  from: { email: string };
  /** A bounce or receipt: the message it reports on. */
  report?: {
    original_message_id: string | null;
    original_in_reply_to?: string | null;
    original_references?: string[];
  } | null;
}

export interface ThreadOptions {
  /** For automatic mail that is not a multipart/report: the Message-ID it quotes (classify.ts). */
  reportedMessageId?: string | null;
}

// ---------------------------------------------------------------------------------------------
// desk's own Message-IDs.

const OUR_ID = /^<desk\.(\d{1,15})\.([a-z0-9]+)@([^\s<>@]+)>$/i;

/**
 * The Message-ID desk gives a reply on a ticket: `<desk.TICKETID.RANDOM@DOMAIN>`, lowercase —
 * the same ids src/mail/compose.ts writes.
 */
export function ourMessageId(ticketId: number, domain: string, random: string): string {
  if (!Number.isSafeInteger(ticketId) || ticketId <= 0) throw new RangeError(`bad ticket id: ${ticketId}`);
  if (!/^[a-z0-9]+$/i.test(random)) throw new RangeError(`random part must be letters and digits: '${random}'`);
  if (!/^[a-z0-9.-]+$/i.test(domain)) throw new RangeError(`bad domain for a Message-ID: '${domain}'`);
  return `<desk.${ticketId}.${random.toLowerCase()}@${domain.toLowerCase()}>`;
}

export interface OurMessageId {
  ticketId: number;
  random: string;
  domain: string;
}

/** Parses one of desk's Message-IDs; null for any other id. */
export function parseOurMessageId(id: string): OurMessageId | null {
  const match = OUR_ID.exec(id.trim());
  if (!match) return null;
  return { ticketId: Number(match[1]), random: match[2].toLowerCase(), domain: match[3].toLowerCase() };
}

// ---------------------------------------------------------------------------------------------
// Subject tags.

/** Ticket ids tagged `[#123]` in a subject, in order, without duplicates. */
export function subjectTags(subject: string): number[] {
  const ids: number[] = [];
  for (const match of subject.matchAll(/\[#(\d{1,15})\]/g)) {
    const id = Number(match[1]);
    if (id > 0 && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** The tag desk puts in the subjects it sends, so that replies from any client thread back. */
export function subjectTag(ticketId: number): string {
  return `[#${ticketId}]`;
}

// ---------------------------------------------------------------------------------------------
// The decision.

interface ReferencedId {
  id: string;
  /** where it was found, for the detail line */
  source: string;
}

/**
 * Ids the message points at, closest first: In-Reply-To (the direct parent), References from
 * the newest ancestor back, then what a bounce or receipt reports on.
 */
export function referencedIds(mail: ThreadableMail, options: ThreadOptions = {}): ReferencedId[] {
  const found: ReferencedId[] = [];
  const add = (id: string | null | undefined, source: string) => {
    if (id && !found.some((r) => r.id === id)) found.push({ id, source });
  };
  add(mail.in_reply_to, 'In-Reply-To');
  for (const id of [...mail.references].reverse()) add(id, 'References');
  const report = mail.report;
  if (report) {
    add(report.original_message_id, 'the reported message');
    add(report.original_in_reply_to, 'In-Reply-To of the reported message');
    for (const id of [...(report.original_references ?? [])].reverse()) add(id, 'References of the reported message');
  }
  add(options.reportedMessageId, 'the message quoted in the bounce');
  return found;
}

/** Decides the ticket of an incoming message (see the rules at the top of this file). */
export async function threadMessage(
  mail: ThreadableMail,
  lookup: ThreadLookup,
  options: ThreadOptions = {},
): Promise<ThreadDecision> {
  const ids = referencedIds(mail, options);

  for (const { id, source } of ids) {
    const ours = parseOurMessageId(id);
    if (!ours) continue;
    const ticketId = await lookup.ticketForOurMessageId(id);
    if (ticketId !== null) {
      return { ticketId, rule: 'our-message-id', detail: `${source} ${id} is desk's message on ticket ${ticketId}` };
    }
  }

  for (const { id, source } of ids) {
    const ticketId = await lookup.ticketForKnownMessageId(id);
    if (ticketId !== null) {
      return { ticketId, rule: 'known-message-id', detail: `${source} ${id} is a message of ticket ${ticketId}` };
    }
  }

  const tags = subjectTags(mail.subject);
  for (const tag of tags) {
    const ticketId = await lookup.ticketForTagFromRequester(tag, mail.from.email);
    if (ticketId !== null) {
      return {
        ticketId,
        rule: 'subject-tag',
        detail: `subject tag ${subjectTag(tag)} from the ticket's requester ${mail.from.email}`,
      };
    }
  }

  const reasons: string[] = [];
  reasons.push(ids.length ? `none of ${ids.length} referenced Message-IDs is known` : 'no In-Reply-To or References');
  if (tags.length) {
    reasons.push(`subject tag ${tags.map(subjectTag).join(', ')} names no ticket requested by ${mail.from.email}`);
  }
  return { ticketId: null, rule: 'new', detail: reasons.join('; ') };
}
