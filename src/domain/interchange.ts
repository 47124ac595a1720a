// The JSON Lines ticket format of docs/interchange.md: one ticket a line. Serialisation has a
// fixed key order so that export → import → export is byte-identical; parsing validates every
// field and says which one is wrong.
import { createHash } from 'node:crypto';
import { EVENT_TYPES, PRIORITIES, STATUSES, isoSeconds, type Attachment, type Message, type Ticket, type TicketEvent, type TicketWithHistory } from './types.js';
import { identifierProblem, type IdentifierKind } from './identifiers.js';
import { LINK_KINDS, type TicketLink } from './links.js';
import { isPlainAddress } from './cc.js';

export function ticketJson(t: Ticket): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.id,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    tier: t.tier,
    queue: t.queue,
    assignee: t.assignee,
    tags: t.tags,
    requester: { email: t.requester.email, name: t.requester.name ?? null },
    ...(t.customer ? { customer: { name: t.customer.name, organisation: t.customer.organisation } } : {}),
    created_at: t.created_at,
    updated_at: t.updated_at,
  };
  // Present only when there is something to say: tickets that were never merged or linked read as before.
  if (t.merged_into != null) out.merged_into = t.merged_into;
  if (t.links?.length) out.links = t.links.map((l) => ({ kind: l.kind, ticket: l.ticket }));
  return out;
}

/**
 * A ticket as commands print it under --json: the interchange fields with the store's version
 * after the id (what `--if-version` takes). Not part of export lines: a version belongs to one
 * database, not to the ticket.
 */
export function versionedJson(t: Ticket): Record<string, unknown> {
  const { id, ...rest } = ticketJson(t);
  return t.version === undefined ? { id, ...rest } : { id, version: t.version, ...rest };
}

/** A ticket with its whole history under `desk show --json`: historyJson with the version. */
export function versionedHistoryJson(t: TicketWithHistory): Record<string, unknown> {
  const { id, ...rest } = historyJson(t);
  return t.version === undefined ? { id, ...rest } : { id, version: t.version, ...rest };
}

function messageJson(m: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {
    message_id: m.message_id,
    in_reply_to: m.in_reply_to ?? null,
    references: m.references ?? [],
    direction: m.direction,
    from: m.from,
    from_name: m.from_name ?? null,
    to: m.to ?? [],
    cc: m.cc ?? [],
    date: m.date,
    subject: m.subject ?? null,
    text: m.text,
    html: m.html ?? null,
    attachments: (m.attachments ?? []).map((a) => ({ filename: a.filename, content_type: a.content_type, size: a.size, sha256: a.sha256 })),
  };
  if (m.author) out.author = m.author;
  if (m.auto) out.auto = m.auto;
  return out;
}

function eventJson(e: TicketEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { at: e.at, actor: e.actor, type: e.type };
  if (e.from !== undefined) out.from = e.from;
  if (e.to !== undefined) out.to = e.to;
  if (e.reason != null) out.reason = e.reason;
  if (e.text != null) out.text = e.text;
  return out;
}

export function historyJson(t: TicketWithHistory): Record<string, unknown> {
  return {
    ...ticketJson(t),
    cc: (t.cc ?? []).map((p) => ({ email: p.email, name: p.name ?? null })),
    messages: t.messages.map(messageJson),
    events: t.events.map(eventJson),
  };
}

// ---- parsing -------------------------------------------------------------------------------

export class LineError extends Error {}

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

function fail(msg: string): never {
  throw new LineError(msg);
}

// Field names for messages are built only when something is wrong: an import validates millions
// of fields, and joining "messages[3].from" for each was a tenth of the validation time.
const REQUIRED = 0, OPTIONAL = 1, NULLABLE = 2;

/** `prefix.key`, or `key` at the top level. */
function fieldName(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

function str(v: unknown, prefix: string, key: string, mode = REQUIRED): string | null | undefined {
  if (typeof v === 'string') return v;
  if (v === undefined) {
    if (mode & OPTIONAL) return undefined;
    fail(`'${fieldName(prefix, key)}' is missing`);
  }
  if (v === null) {
    if (mode & (OPTIONAL | NULLABLE)) return null;
    fail(`'${fieldName(prefix, key)}' must be text, not null`);
  }
  fail(`'${fieldName(prefix, key)}' must be text`);
}

function time(v: unknown, prefix: string, key: string, fallback: string): string {
  if (v === undefined || v === null) return fallback;
  // Most files come from desk itself, in its canonical form: checked without building a Date.
  if (typeof v === 'string' && v.length === 20 && CANONICAL.test(v)) {
    if (!realCalendarTime(v)) fail(`'${fieldName(prefix, key)}' is not a real time: ${v}`);
    return v;
  }
  const field = fieldName(prefix, key);
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(v)) {
    fail(`'${field}' must be an ISO 8601 instant with an offset, like 2026-03-27T14:00:00Z`);
  }
  // Date would quietly roll 2026-02-30 over into March: check the calendar fields first.
  if (!realCalendarTime(v)) fail(`'${field}' is not a real time: ${v}`);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) fail(`'${field}' is not a real time: ${v}`);
  return isoSeconds(d);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at `at` as a number (the caller has checked they are digits). */
function twoDigits(v: string, at: number): number {
  return (v.charCodeAt(at) - 48) * 10 + (v.charCodeAt(at + 1) - 48);
}

/** Whether the date and clock fields of a well-formed ISO string name a real calendar time. */
function realCalendarTime(v: string): boolean {
  const year = twoDigits(v, 0) * 100 + twoDigits(v, 2);
  const month = twoDigits(v, 5), day = twoDigits(v, 8);
  const hour = twoDigits(v, 11), minute = twoDigits(v, 14);
  const second = v[16] === ':' ? twoDigits(v, 17) : 0;
  if (month < 1 || month > 12) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
  return day >= 1 && day <= daysInMonth && hour < 24 && minute < 60 && second < 60;
}

function oneOf<T extends string>(v: unknown, prefix: string, key: string, allowed: readonly T[], fallback: T): T {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T)) fail(`'${fieldName(prefix, key)}' must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
  return v as T;
}

/** A queue, tag or agent name: plain text (domain/identifiers.ts). */
function name<T extends string | null>(kind: IdentifierKind, v: T, field: string): T {
  const problem = v === null ? null : identifierProblem(kind, v);
  if (problem) fail(`'${field}': ${problem}`);
  return v;
}

function strList(v: unknown, prefix: string, key: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(`'${fieldName(prefix, key)}' must be a list of text`);
  return v as string[];
}

export interface ImportedTicket extends TicketWithHistory {
  /** the id the line asked for, if any */
  requestedId: number | null;
  /**
   * How a ticket without messages and without `created_at` is recognised when the same line comes
   * again (derived from its content; its time defaults to now, so it cannot be keyed by time).
   * Null for every other ticket: they are keyed by message ids, or requester + subject + time.
   */
  importKey: string | null;
}

// ---- stable keys for what the line does not identify itself ---------------------------------

/** JSON with object keys sorted: the same value gives the same text however it was written. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The Message-ID of an imported message that has none: derived from the message as written, the
 * ticket it belongs to (requester, subject, time as written) and how many identical messages came
 * before it in that ticket. Importing the line again gives the same id, so nothing is added twice;
 * export writes it, so export → import keeps it. Shaped like sync's stand-in ids.
 */
function derivedMessageId(ticketIdentity: string, messageJson: string, occurrence: number): string {
  return `<import.${sha256(`${ticketIdentity}\u0000${messageJson}\u0000${occurrence}`).slice(0, 32)}@desk.invalid>`;
}

/**
 * The largest ticket id: PostgreSQL keeps ids as `integer` (and SQLite's search rows count on
 * ids below 2^31 too: store/dialect/sqlite-search.ts), so both backends take the same files.
 */
export const MAX_TICKET_ID = 2 ** 31 - 1;

/** Validates one parsed line; `now` fills times left out; tiers are the configured names. */
export function parseTicket(value: unknown, now: string, tiers: readonly string[]): ImportedTicket {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('a line must hold one JSON object (a ticket)');
  const o = value as Record<string, unknown>;
  let requestedId: number | null = null;
  if (o.id !== undefined && o.id !== null) {
    if (typeof o.id !== 'number' || !Number.isInteger(o.id) || o.id < 1 || o.id > MAX_TICKET_ID) fail(`'id' must be a whole number from 1 to ${MAX_TICKET_ID}`);
    requestedId = o.id;
  }
  const subject = str(o.subject, '', 'subject')!;
  const req = o.requester as Record<string, unknown> | undefined;
  if (typeof req !== 'object' || req === null) fail("'requester' is missing (an object with an email)");
  const email = str(req.email, 'requester', 'email')!.trim().toLowerCase();
  if (!EMAIL.test(email)) fail(`'requester.email' is not an e-mail address: ${JSON.stringify(req.email)}`);
  const created_at = time(o.created_at, '', 'created_at', now);
  const cc = ccList(o.cc);
  const tags = strList(o.tags, '', 'tags').map((t) => name('tag', t, 'tags'));
  const rawMessages = o.messages === undefined || o.messages === null ? [] : Array.isArray(o.messages) ? o.messages : fail("'messages' must be a list");
  /** identical messages without an id seen so far in this ticket: each gets its own key */
  let seenWithoutId: Map<string, number> | undefined;
  const messages = rawMessages.map((m, i) => {
    const parsed = parseMessage(m, `messages[${i}]`, created_at, subject);
    if (parsed.message_id) return parsed;
    // As written, not as defaulted: a time left out becomes now, which differs on every import.
    const identity = canonicalJson([email, subject, o.created_at ?? null]);
    const text = canonicalJson(m);
    seenWithoutId ??= new Map();
    const occurrence = seenWithoutId.get(text) ?? 0;
    seenWithoutId.set(text, occurrence + 1);
    parsed.message_id = derivedMessageId(identity, text, occurrence);
    return parsed;
  });
  const events = (o.events === undefined ? [] : Array.isArray(o.events) ? o.events : fail("'events' must be a list")).map(
    (e, i) => parseEvent(e, `events[${i}]`, created_at),
  );
  // Canonical times compare as text: the latest of them, without sorting a list per ticket.
  let latest = created_at;
  for (const m of messages) if (m.date > latest) latest = m.date;
  for (const e of events) if (e.at > latest) latest = e.at;
  const importKey = messages.length === 0 && (o.created_at === undefined || o.created_at === null) ? `bare.${sha256(canonicalJson(o))}` : null;
  const merged_into = o.merged_into === undefined || o.merged_into === null ? null : ticketRef(o.merged_into, 'merged_into');
  return {
    merged_into,
    links: parseLinks(o.links),
    requestedId,
    importKey,
    id: requestedId ?? 0,
    subject,
    status: oneOf(o.status, '', 'status', STATUSES, 'open'),
    priority: oneOf(o.priority, '', 'priority', PRIORITIES, 'normal'),
    tier: oneOf(o.tier, '', 'tier', tiers, (tiers[0] ?? 'L1')),
    queue: name('queue', str(o.queue, '', 'queue', OPTIONAL) ?? null, 'queue'),
    assignee: name('agent name', str(o.assignee, '', 'assignee', OPTIONAL) ?? null, 'assignee'),
    tags,
    requester: { email, name: str(req.name, 'requester', 'name', OPTIONAL) ?? null },
    ...customerOf(o.customer),
    cc,
    created_at,
    updated_at: time(o.updated_at, '', 'updated_at', latest),
    messages,
    events,
  };
}

/** The line's `customer` {name, organisation} (both optional, text or null): the requester's customer. */
function customerOf(v: unknown): { customer?: { name: string | null; organisation: string | null } } {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) fail("'customer' must be an object with a name and an organisation");
  const c = v as Record<string, unknown>;
  const organisation = str(c.organisation, 'customer', 'organisation', OPTIONAL)?.trim() || null;
  if (organisation !== null) name('name of an organisation', organisation, 'customer.organisation');
  return { customer: { name: str(c.name, 'customer', 'name', OPTIONAL) ?? null, organisation } };
}

/** A ticket id another field names (merged_into, links[].ticket). */
function ticketRef(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_TICKET_ID) fail(`'${field}' must be a ticket id (a whole number from 1 to ${MAX_TICKET_ID})`);
  return v;
}

function parseLinks(v: unknown): TicketLink[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail("'links' must be a list");
  return v.map((l, i) => {
    const field = `links[${i}]`;
    if (typeof l !== 'object' || l === null) fail(`'${field}' must be an object`);
    const o = l as Record<string, unknown>;
    if (o.kind === undefined) fail(`'${field}.kind' is missing`);
    return { kind: oneOf(o.kind, field, 'kind', LINK_KINDS, 'related'), ticket: ticketRef(o.ticket, `${field}.ticket`) };
  });
}

/** `cc`: a list of people ({ email, name }) or of addresses; each address checked, lowercased. */
function ccList(v: unknown): { email: string; name: string | null }[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail("'cc' must be a list of people ({ \"email\": …, \"name\": … }) or addresses");
  return v.map((p, i) => {
    const person = typeof p === 'string' ? { email: p } : p;
    if (typeof person !== 'object' || person === null || Array.isArray(person)) fail(`'cc[${i}]' must be a person ({ "email": … }) or an address`);
    const o = person as Record<string, unknown>;
    const email = str(o.email, `cc[${i}]`, 'email')!.trim().toLowerCase();
    if (!isPlainAddress(email)) fail(`'cc[${i}].email' is not an e-mail address desk can send to: ${JSON.stringify(o.email)}`);
    return { email, name: str(o.name, `cc[${i}]`, 'name', OPTIONAL) ?? null };
  });
}

function parseMessage(v: unknown, field: string, fallbackDate: string, subject: string): Message {
  if (typeof v !== 'object' || v === null) fail(`'${field}' must be an object`);
  const m = v as Record<string, unknown>;
  const direction = oneOf(m.direction, field, 'direction', ['in', 'out'] as const, 'in');
  const atts = m.attachments === undefined || m.attachments === null ? [] : Array.isArray(m.attachments) ? m.attachments : fail(`'${field}.attachments' must be a list`);
  // Left out (or null): the caller derives a stable one from the content.
  const message_id = str(m.message_id, field, 'message_id', OPTIONAL) ?? '';
  if (m.message_id !== undefined && m.message_id !== null && !message_id.trim()) fail(`'${field}.message_id' is empty`);
  return {
    message_id,
    in_reply_to: str(m.in_reply_to, field, 'in_reply_to', OPTIONAL) ?? null,
    references: strList(m.references, field, 'references'),
    direction,
    from: str(m.from, field, 'from')!,
    from_name: str(m.from_name, field, 'from_name', OPTIONAL) ?? null,
    to: strList(m.to, field, 'to'),
    cc: strList(m.cc, field, 'cc'),
    date: time(m.date, field, 'date', fallbackDate),
    subject: m.subject === undefined ? (direction === 'in' ? subject : null) : (str(m.subject, field, 'subject', NULLABLE) ?? null),
    text: str(m.text, field, 'text', OPTIONAL) ?? '',
    html: str(m.html, field, 'html', OPTIONAL) ?? null,
    attachments: atts.map((a, i) => parseAttachment(a, `${field}.attachments[${i}]`)),
    author: str(m.author, field, 'author', OPTIONAL) ?? null,
    auto: str(m.auto, field, 'auto', OPTIONAL) ?? null,
  };
}

function parseAttachment(v: unknown, field: string): Attachment {
  if (typeof v !== 'object' || v === null) fail(`'${field}' must be an object`);
  const a = v as Record<string, unknown>;
  if (a.size !== undefined && (typeof a.size !== 'number' || !Number.isInteger(a.size) || a.size < 0)) fail(`'${field}.size' must be a whole number of bytes`);
  return {
    filename: str(a.filename, field, 'filename', OPTIONAL) ?? null,
    content_type: str(a.content_type, field, 'content_type', OPTIONAL) ?? 'application/octet-stream',
    size: (a.size as number | undefined) ?? 0,
    sha256: str(a.sha256, field, 'sha256', OPTIONAL) ?? '',
  };
}

function parseEvent(v: unknown, field: string, fallback: string): TicketEvent {
  if (typeof v !== 'object' || v === null) fail(`'${field}' must be an object`);
  const e = v as Record<string, unknown>;
  const type = oneOf(e.type, field, 'type', EVENT_TYPES, 'note');
  if (e.type === undefined) fail(`'${field}.type' is missing`);
  const ev: TicketEvent = { at: time(e.at, field, 'at', fallback), actor: str(e.actor, field, 'actor', OPTIONAL) ?? 'import', type };
  if (e.from !== undefined) ev.from = str(e.from, field, 'from', NULLABLE) ?? null;
  if (e.to !== undefined) ev.to = str(e.to, field, 'to', NULLABLE) ?? null;
  const reason = str(e.reason, field, 'reason', OPTIONAL);
  if (reason != null) ev.reason = reason;
  const text = str(e.text, field, 'text', OPTIONAL);
  if (text != null) ev.text = text;
  return ev;
}
