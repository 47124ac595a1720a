// The outbox: every outgoing mail is written, with its fixed Message-ID and its exact bytes, in
// the same write transaction as the reply it carries, before anyone talks to an SMTP server.
// From then on it moves through these states:
//
//   queued ──claim──▶ sending ──▶ sent
//     ▲ ▲                │
//     │ └── refused for now (4xx, or 5xx while connecting or logging in: our setup) or
//     │     unreachable: back to queued, next_attempt_at backs off
//     │                  │
//     │                  ├──▶ failed: refused for good (5xx at MAIL FROM, RCPT TO or the end of
//     │                  │    DATA, e.g. "550 5.1.1 no such user"). Never retried by a flush;
//     │                  │    the ticket gets a note saying the customer did not get it.
//     └── retry (an agent, `desk outbox retry`): failed → queued, due now
//                        │
//                        └──▶ unknown: the server may have accepted it (a timeout or a dropped
//                             connection after the body was handed over, or desk died while
//                             `sending`). Never resent blindly: only once a Sent-folder search
//                             shows it is absent, or on an explicit --force.
//
//   queued, failed, unknown ──cancel (an agent, `desk outbox cancel`)──▶ cancelled: withdrawn,
//                                  never sent; the ticket gets a note.
//
// Claiming is a compare-and-set in its own committed transaction, so two processes never send the
// same entry, and a process that dies mid-send leaves `sending` behind, which the next flush
// turns into `unknown`, never into a second delivery. Retry and cancel are compare-and-sets on
// (id, state) too: a cancel and a flush's claim racing for a queued entry, exactly one wins.
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { ClaimColumns, DB } from '../store/schema.js';
import type { Store } from '../store/index.js';
import { isoSeconds } from '../domain/types.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { applyChanges } from '../store/repos/tickets.js';
import { hookReplySent } from '../store/hook-events.js';
import { claimRow } from '../store/claims.js';
import type { ComposedMail } from './compose.js';
import { outcomeText, type SendOutcome } from './smtp.js';

export const OUTBOX_STATES = ['queued', 'sending', 'sent', 'unknown', 'failed', 'cancelled'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/**
 * reply: an agent's answer; auto-ack: the automatic acknowledgement of a new ticket;
 * notification: mail about a ticket to someone of the team (a tier's lead on an escalation),
 * which is not a message of the ticket; report: an SLA report mailed to a lead
 * (`desk sla report --mail`), which belongs to no ticket; survey: a satisfaction survey to the
 * customer of a solved ticket (config `csat`), which is not a message of the ticket.
 */
export type OutboxKind = 'reply' | 'auto-ack' | 'notification' | 'report' | 'survey';

export interface OutboxTable extends ClaimColumns {
  id: number;
  /** the ticket's outbound message it delivers; null for mail that is no message of a ticket */
  message_pk: number | null;
  /** null for mail about no ticket (a report) */
  ticket_id: number | null;
  /** the subject of an entry without a message (others read their message's) */
  subject: string | null;
  message_id: string;
  kind: string;
  envelope_from: string;
  /** the first envelope recipient, lowercased (the requester: the To of a reply) */
  recipient: string;
  /** the other envelope recipients (Cc and Bcc of a reply), lowercased, JSON list (migration 14) */
  more_recipients: string;
  raw: Buffer;
  /** queued, sending, sent, failed, unknown, cancelled */
  state: string;
  sent_at: string | null;
}

export type OutboxDB = DB & { outbox: OutboxTable };

/** The store's kysely handle seen with the outbox table too (kept out of the shared schema file). */
export function outboxDb(db: Kysely<DB>): Kysely<OutboxDB> {
  return db as unknown as Kysely<OutboxDB>;
}

/** An entry as `desk outbox` shows it (field names are the --json contract). */
export interface OutboxEntry {
  id: number;
  /** null for mail about no ticket (a report) */
  ticket_id: number | null;
  message_id: string;
  kind: OutboxKind;
  to: string;
  subject: string | null;
  state: OutboxState;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

// ---- writing ------------------------------------------------------------------------------------

export interface EnqueueInput {
  /** null for mail about no ticket (a report) */
  ticketId: number | null;
  /** messages.id of the outbound message this entry delivers; null for mail that is none */
  messagePk: number | null;
  kind: OutboxKind;
  mail: ComposedMail;
  /** ISO instant */
  at: string;
  /** the subject `desk outbox` lists for an entry without a message */
  subject?: string;
}

/** Adds an entry, in the caller's write transaction (the one that stores the reply). */
export async function enqueue(tx: Kysely<DB>, input: EnqueueInput): Promise<number> {
  // The first recipient is the one `desk outbox` lists (the To); the others (Cc, Bcc) are kept so
  // that every attempt, a resend after a crash included, goes to exactly the same people.
  const to = input.mail.envelope.to.map((a) => a.toLowerCase());
  if (to.length < 1) throw new Error('an outbox entry needs a recipient');
  const row = await outboxDb(tx)
    .insertInto('outbox')
    .values({
      message_pk: input.messagePk,
      ticket_id: input.ticketId,
      message_id: input.mail.messageId,
      kind: input.kind,
      envelope_from: input.mail.envelope.from,
      recipient: to[0]!,
      more_recipients: JSON.stringify(to.slice(1)),
      raw: input.mail.raw,
      subject: input.messagePk === null ? input.subject ?? null : null,
      state: 'queued',
      attempts: 0,
      next_attempt_at: null,
      last_error: null,
      claimed_by: null,
      claimed_at: null,
      created_at: input.at,
      updated_at: input.at,
      sent_at: null,
    } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

// ---- reading ------------------------------------------------------------------------------------

function entryQuery(db: Kysely<DB>) {
  return outboxDb(db)
    .selectFrom('outbox as o')
    .leftJoin('messages as m', 'm.id', 'o.message_pk')
    .select([
      'o.id', 'o.ticket_id', 'o.message_id', 'o.kind', 'o.recipient', 'o.state', 'o.attempts',
      'o.next_attempt_at', 'o.last_error', 'o.created_at', 'o.updated_at', 'o.sent_at',
    ])
    .select((eb) => eb.fn.coalesce('m.subject', 'o.subject').as('subject'));
}

type EntryRow = Awaited<ReturnType<ReturnType<typeof entryQuery>['executeTakeFirstOrThrow']>>;

function toEntry(r: EntryRow): OutboxEntry {
  return {
    id: Number(r.id),
    ticket_id: r.ticket_id === null ? null : Number(r.ticket_id),
    message_id: r.message_id,
    kind: r.kind as OutboxKind,
    to: r.recipient,
    subject: r.subject,
    state: r.state as OutboxState,
    attempts: Number(r.attempts),
    next_attempt_at: r.next_attempt_at,
    last_error: r.last_error,
    created_at: r.created_at,
    updated_at: r.updated_at,
    sent_at: r.sent_at,
  };
}

/** States a plain `desk outbox` leaves out: nothing more will happen to these. */
const SETTLED_STATES: OutboxState[] = ['sent', 'cancelled'];

/** Entries that still need something (everything but `sent` and `cancelled`), or all of them; oldest first. */
export async function listOutbox(db: Kysely<DB>, opts: { all?: boolean; ids?: number[] } = {}): Promise<OutboxEntry[]> {
  let q = entryQuery(db).orderBy('o.id');
  if (!opts.all) q = q.where('o.state', 'not in', SETTLED_STATES);
  if (opts.ids) q = q.where('o.id', 'in', opts.ids.length ? opts.ids : [-1]);
  return (await q.execute()).map(toEntry);
}

export async function getOutboxEntry(db: Kysely<DB>, id: number): Promise<OutboxEntry | null> {
  const r = await entryQuery(db).where('o.id', '=', id).executeTakeFirst();
  return r ? toEntry(r) : null;
}

/** When the last automatic mail of this kind went to this address, if ever (rate limits). */
export async function lastSentTo(db: Kysely<DB>, recipient: string, kind: OutboxKind): Promise<string | null> {
  const r = await outboxDb(db)
    .selectFrom('outbox')
    .select((eb) => eb.fn.max('created_at').as('at'))
    .where('recipient', '=', recipient.toLowerCase())
    .where('kind', '=', kind)
    .executeTakeFirst();
  return (r?.at as string | null | undefined) ?? null;
}

// ---- flushing ----------------------------------------------------------------------------------

/** 1 min, 2, 4, … capped at an hour: quick recovery from a blip, no hammering of a server that is down. */
export function backoffMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/** Who is sending, and whether the sender named in a claim is still alive. */
export interface Claimant {
  id: string;
  /** true/false when it can tell (same host), null when it cannot (another machine). */
  isAlive(claimedBy: string): boolean | null;
}

export function processClaimant(): Claimant {
  const host = hostname();
  return {
    id: `${host}:${process.pid}`,
    isAlive(claimedBy) {
      const at = claimedBy.lastIndexOf(':');
      const pid = Number(claimedBy.slice(at + 1));
      if (claimedBy.slice(0, at) !== host || !Number.isInteger(pid) || pid <= 0) return null;
      try {
        process.kill(pid, 0);
        return true;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, just not ours
      }
    },
  };
}

/** Confirms whether a message reached the account's Sent folder (an IMAP search, see commands/outbox). */
export interface SentFolder {
  /** true: found there; false: definitely not there. Throws when it cannot tell. */
  contains(messageId: string): Promise<boolean>;
  close(): Promise<void>;
}

export type SendFn = (envelope: { from: string; to: string[] }, raw: Buffer) => Promise<SendOutcome>;

export interface FlushOptions {
  store: Store;
  now: () => Date;
  /** null when no SMTP server is configured: nothing can be sent. */
  send: SendFn | null;
  /** Where to confirm `unknown` entries; without one they wait for --force. */
  sentFolder?: SentFolder | null;
  /** Resend `unknown` entries without confirmation (the agent checked, or accepts a duplicate). */
  force?: boolean;
  /** Respect the back-off of failed entries (automatic runs); an agent's explicit flush tries now. */
  dueOnly?: boolean;
  /** Only these entries (e.g. the reply just written). */
  ids?: number[];
  claimant?: Claimant;
  /** A `sending` claim older than this is abandoned even if its process cannot be checked. */
  staleAfterMs?: number;
  /** Search the Sent folder only this long after the attempt (servers file sent mail with a delay). */
  confirmAfterMs?: number;
}

/**
 *  sent       delivered now
 *  confirmed  an `unknown` entry found in the Sent folder: marked sent, not resent
 *  retry      refused for now or unreachable: queued again, next_attempt_at set
 *  failed     refused for good (see isPermanentRefusal): `failed`, never retried by a flush
 *  unknown    handed over but unanswered (now or by a dead process): held
 *  held       an `unknown` entry left alone (no confirmation possible yet)
 *  waiting    not tried: back-off not over, SMTP unreachable or not configured
 */
export type FlushOutcome = 'sent' | 'confirmed' | 'retry' | 'failed' | 'unknown' | 'held' | 'waiting';

export interface FlushResult {
  id: number;
  ticket_id: number | null;
  message_id: string;
  to: string;
  outcome: FlushOutcome;
  detail: string;
  next_attempt_at?: string | null;
}

export interface FlushReport {
  results: FlushResult[];
  /** outcomes that leave mail undelivered because of the server (retry, failed, unknown) */
  failed: number;
  /** the Sent folder could not be searched (the IMAP server failed or did not answer): why */
  sentFolderErrors?: string[];
}

const DEFAULT_STALE_MS = 30 * 60_000;
const DEFAULT_CONFIRM_AFTER_MS = 10 * 60_000;

/** The actor of the notes the outbox itself writes on a ticket. */
export const SYSTEM_ACTOR = 'desk';

/** The outcomes that leave mail undelivered because of the server. */
export const UNDELIVERED: readonly FlushOutcome[] = ['retry', 'failed', 'unknown'];

function resultOf(e: OutboxEntry, outcome: FlushOutcome, detail: string, next?: string | null): FlushResult {
  return { id: e.id, ticket_id: e.ticket_id, message_id: e.message_id, to: e.to, outcome, detail, ...(next !== undefined ? { next_attempt_at: next } : {}) };
}

/** `sending` entries whose sender died (or went silent for too long) become `unknown`. */
async function recoverAbandoned(opts: FlushOptions, claimant: Claimant, results: FlushResult[]): Promise<void> {
  const { store } = opts;
  const rows = await outboxDb(store.db).selectFrom('outbox').select(['id', 'claimed_by', 'claimed_at']).where('state', '=', 'sending').execute();
  const nowMs = opts.now().getTime();
  for (const r of rows) {
    if (opts.ids && !opts.ids.includes(Number(r.id))) continue;
    const by = r.claimed_by ?? '';
    const alive = by ? claimant.isAlive(by) : false;
    const stale = !r.claimed_at || nowMs - Date.parse(r.claimed_at) > (opts.staleAfterMs ?? DEFAULT_STALE_MS);
    if (alive === true && !stale) continue; // another desk is sending it right now
    if (alive === null && !stale) continue;
    const at = isoSeconds(opts.now());
    const why = `desk stopped while sending it (${by || 'unknown process'}); the server may have accepted it`;
    const changed = await store.write((tx) => {
      const q = outboxDb(tx)
        .updateTable('outbox')
        .set({ state: 'unknown', last_error: why, claimed_by: null, claimed_at: null, updated_at: at })
        .where('id', '=', r.id)
        .where('state', '=', 'sending');
      // only if nobody re-claimed it meanwhile
      return (r.claimed_by === null ? q.where('claimed_by', 'is', null) : q.where('claimed_by', '=', r.claimed_by)).executeTakeFirst();
    });
    if (Number(changed.numUpdatedRows) === 1) {
      const e = await getOutboxEntry(store.db, Number(r.id));
      if (e) results.push(resultOf(e, 'unknown', why));
    }
  }
}

/**
 * 5xx codes that speak of our setup, not of this message, wherever they come: authentication
 * required (530), mechanism too weak (534), bad credentials (535), encryption required (538).
 * A server that wants STARTTLS or a login first may well say so only at MAIL FROM.
 */
const SETUP_CODES = new Set([530, 534, 535, 538]);

/**
 * A refusal that is about this message and will not change by asking again: a 5xx answer to
 * MAIL FROM, RCPT TO or the end of DATA ("550 5.1.1 no such user", "554 message rejected").
 * 4xx answers are temporary; a 5xx while connecting or logging in is about the server setup
 * (fixing the config makes the same message go through): those keep being retried.
 */
export function isPermanentRefusal(outcome: SendOutcome): boolean {
  return outcome.kind === 'refused'
    && outcome.code >= 500 && outcome.code < 600
    && (outcome.stage === 'envelope' || outcome.stage === 'data')
    && !SETUP_CODES.has(outcome.code);
}

function what(e: Pick<OutboxEntry, 'kind' | 'to'>): string {
  const name = e.kind === 'auto-ack' ? 'the automatic acknowledgement'
    : e.kind === 'notification' ? 'the notification'
      : e.kind === 'report' ? 'the report'
        : e.kind === 'survey' ? 'the satisfaction survey' : 'the reply';
  return `${name} to ${e.to}`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Marks the entry `sending` for us, unless someone else changed it first (store/claims.ts). */
async function claim(opts: FlushOptions, claimant: Claimant, e: OutboxEntry): Promise<boolean> {
  return claimRow(opts.store, 'outbox', e.id, { state: e.state, attempts: e.attempts }, { by: claimant.id, at: isoSeconds(opts.now()) });
}

async function record(opts: FlushOptions, e: OutboxEntry, outcome: SendOutcome): Promise<FlushResult> {
  const nowDate = opts.now();
  const at = isoSeconds(nowDate);
  const attempts = e.attempts + 1;
  let result: FlushResult;
  let set: Partial<OutboxTable>;
  if (outcome.kind === 'sent') {
    set = { state: 'sent', sent_at: at, last_error: null, next_attempt_at: null };
    result = resultOf(e, 'sent', outcome.response);
  } else if (outcome.kind === 'unknown') {
    const why = outcomeText(outcome);
    set = { state: 'unknown', last_error: why, next_attempt_at: null };
    result = resultOf(e, 'unknown', why);
  } else if (isPermanentRefusal(outcome)) {
    const why = outcomeText(outcome);
    set = { state: 'failed', last_error: why, next_attempt_at: null };
    result = resultOf(e, 'failed', why, null);
  } else {
    const next = isoSeconds(new Date(nowDate.getTime() + backoffMs(attempts)));
    const why = outcomeText(outcome);
    set = { state: 'queued', last_error: why, next_attempt_at: next };
    result = resultOf(e, 'retry', why, next);
  }
  await opts.store.write(async (tx) => {
    const r = await outboxDb(tx)
      .updateTable('outbox')
      .set({ ...set, claimed_by: null, claimed_at: null, updated_at: at })
      .where('id', '=', e.id)
      .where('state', '=', 'sending')
      .executeTakeFirst();
    if (set.state === 'sent' && Number(r.numUpdatedRows) === 1) await replyDelivered(tx, e, at);
    // The customer never got it: say so where the agents look, in the ticket's history.
    if (set.state === 'failed' && Number(r.numUpdatedRows) === 1 && outcome.kind === 'refused' && e.ticket_id !== null) {
      const text = `${capitalised(what(e))} was refused by the mail server: ${outcome.response}\n`
        + `It will not be sent again on its own (outbox #${e.id}): \`desk outbox retry ${e.id}\` tries again, \`desk outbox cancel ${e.id}\` withdraws it.`;
      await applyChanges(tx, e.ticket_id, [{ type: 'note', text }], SYSTEM_ACTOR, at);
    }
  }, { concurrent: true }); // only our own claimed row, and a note on a ticket (versioned)
  return result;
}

/** A reply reached the customer: the hooks hear of it (reply.sent), in the transaction that records it. */
async function replyDelivered(tx: Kysely<DB>, e: OutboxEntry, at: string): Promise<void> {
  if (e.kind !== 'reply' || e.ticket_id === null) return;
  const row = await outboxDb(tx).selectFrom('outbox').select('message_pk').where('id', '=', e.id).executeTakeFirst();
  if (row?.message_pk != null) hookReplySent(tx, e.ticket_id, Number(row.message_pk), at);
}

async function markConfirmed(opts: FlushOptions, e: OutboxEntry): Promise<void> {
  const at = isoSeconds(opts.now());
  await opts.store.write(async (tx) => {
    const r = await outboxDb(tx)
      .updateTable('outbox')
      .set({ state: 'sent', sent_at: at, last_error: 'found in the Sent folder; not resent', updated_at: at })
      .where('id', '=', e.id)
      .where('state', '=', 'unknown')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) await replyDelivered(tx, e, at);
  });
}

/**
 * Whether an `unknown` entry may be resent: with --force, or once the Sent folder shows it is
 * absent. Found there: it was delivered, so it is marked sent. Returns the result when the entry
 * is settled or held here, null when it should be sent.
 */
async function settleUnknown(opts: FlushOptions, e: OutboxEntry, sentFolderErrors: string[]): Promise<FlushResult | null> {
  if (opts.force) return null;
  const ask = 'check the Sent folder or ask the customer, then `desk outbox flush --force` resends it';
  if (!opts.sentFolder) return resultOf(e, 'held', `may have been delivered; ${ask}`);
  const waitMs = (opts.confirmAfterMs ?? DEFAULT_CONFIRM_AFTER_MS) - (opts.now().getTime() - Date.parse(e.updated_at));
  if (waitMs > 0) {
    return resultOf(e, 'held', `may have been delivered; the Sent folder is searched from ${isoSeconds(Date.parse(e.updated_at) + (opts.confirmAfterMs ?? DEFAULT_CONFIRM_AFTER_MS))} on`);
  }
  let found: boolean;
  try {
    found = await opts.sentFolder.contains(e.message_id);
  } catch (err) {
    sentFolderErrors.push((err as Error).message);
    return resultOf(e, 'held', `may have been delivered; the Sent folder could not be searched (${(err as Error).message}); ${ask}`);
  }
  if (found) {
    await markConfirmed(opts, e);
    return resultOf(e, 'confirmed', 'found in the Sent folder: it was delivered; not resent');
  }
  return null;
}

/** Sends what is due, settles what can be settled, and reports every entry it looked at. */
export async function flushOutbox(opts: FlushOptions): Promise<FlushReport> {
  const claimant = opts.claimant ?? processClaimant();
  const results: FlushResult[] = [];
  await recoverAbandoned(opts, claimant, results);

  const nowIso = isoSeconds(opts.now());
  const pending = (await listOutbox(opts.store.db, { ids: opts.ids })).filter((e) => e.state === 'queued' || e.state === 'unknown');
  let serverDown: string | null = null;
  const sentFolderErrors: string[] = [];
  for (const e of pending) {
    if (results.some((r) => r.id === e.id)) continue; // just recovered: held until the next flush
    if (e.state === 'unknown') {
      const settled = await settleUnknown(opts, e, sentFolderErrors);
      if (settled) {
        results.push(settled);
        continue;
      }
    } else if (opts.dueOnly && e.next_attempt_at && e.next_attempt_at > nowIso) {
      results.push(resultOf(e, 'waiting', `next attempt at ${e.next_attempt_at}`, e.next_attempt_at));
      continue;
    }
    if (!opts.send) {
      results.push(resultOf(e, 'waiting', 'no SMTP server configured (smtp: in the config)'));
      continue;
    }
    if (serverDown) {
      results.push(resultOf(e, 'waiting', `not tried: ${serverDown}`));
      continue;
    }
    if (!(await claim(opts, claimant, e))) continue; // another desk took it
    const raw = await outboxDb(opts.store.db).selectFrom('outbox').select(['raw', 'envelope_from', 'more_recipients']).where('id', '=', e.id).executeTakeFirstOrThrow();
    const more = JSON.parse(raw.more_recipients ?? '[]') as string[];
    const outcome = await opts.send({ from: raw.envelope_from, to: [e.to, ...more] }, Buffer.from(raw.raw));
    const result = await record(opts, e, outcome);
    results.push(result);
    // A server that cannot be reached will not be reached for the next entry either.
    if (outcome.kind === 'unreachable' && outcome.stage === 'connect') serverDown = outcomeText(outcome);
  }
  const failed = results.filter((r) => UNDELIVERED.includes(r.outcome)).length;
  return { results, failed, ...(sentFolderErrors.length ? { sentFolderErrors } : {}) };
}

// ---- an agent's decisions: retry, cancel ------------------------------------------------------

/** Why an entry in this state cannot be retried or cancelled, for the conflict message. */
const STUCK: Record<OutboxState, string> = {
  queued: 'it is queued',
  failed: 'it was refused for good',
  sending: 'it is being sent right now',
  sent: 'it was sent already',
  unknown: 'its delivery is unknown (the server may have accepted it); `desk outbox flush --force` resends it',
  cancelled: 'it was cancelled',
};

const RETRYABLE: OutboxState[] = ['queued', 'failed'];
const CANCELLABLE: OutboxState[] = ['queued', 'failed', 'unknown'];

/**
 * Applies `change` to the entries `ids`, each in one of the states `from`, all or none, in one
 * write transaction: an unknown id is a NotFoundError, an entry in another state a ConflictError, and
 * nothing changes then. Each update is a compare-and-set on (id, state), so an entry a flush
 * claims meanwhile is never changed under it. `note` writes the ticket's note, if any.
 */
async function moveEntries(
  store: Store,
  ids: number[],
  from: OutboxState[],
  verb: string,
  change: (e: OutboxEntry) => Partial<OutboxTable>,
  note: (e: OutboxEntry) => string | null,
  at: string,
  actor: string,
): Promise<OutboxEntry[]> {
  const wanted = [...new Set(ids)];
  const changed = await store.write(async (tx) => {
    const entries = await listOutbox(tx, { all: true, ids: wanted });
    const missing = wanted.filter((id) => !entries.some((e) => e.id === id));
    if (missing.length) {
      throw new NotFoundError(
        `no outbox entry ${missing.map((id) => `#${id}`).join(', ')}; nothing was changed`,
        'see `desk outbox --all` for every entry',
      );
    }
    const stuck = entries.filter((e) => !from.includes(e.state));
    if (stuck.length) {
      const first = stuck[0]!;
      const more = stuck.length > 1 ? ` (and ${stuck.length - 1} more)` : '';
      throw new ConflictError(
        `cannot ${verb} outbox #${first.id}: ${STUCK[first.state]}${more}; nothing was changed`,
        `only ${from.slice(0, -1).join(', ')} or ${from.at(-1)} entries can be ${verb === 'retry' ? 'retried' : 'cancelled'}`,
      );
    }
    for (const e of entries) {
      const r = await outboxDb(tx)
        .updateTable('outbox')
        .set({ ...change(e), claimed_by: null, claimed_at: null, updated_at: at })
        .where('id', '=', e.id)
        .where('state', '=', e.state)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) {
        throw new ConflictError(`cannot ${verb} outbox #${e.id}: it changed under you; nothing was changed`, 'look at `desk outbox --all` and decide again');
      }
      const text = note(e);
      if (text && e.ticket_id !== null) await applyChanges(tx, e.ticket_id, [{ type: 'note', text }], actor, at);
    }
    return entries.map((e) => e.id);
  });
  return listOutbox(store.db, { all: true, ids: changed });
}

/**
 * `desk outbox retry`: `failed` and `queued` entries are queued again, due now (the next flush,
 * automatic or not, sends them at once).
 */
export async function retryEntries(store: Store, ids: number[], opts: { now: Date; actor: string }): Promise<OutboxEntry[]> {
  const at = isoSeconds(opts.now);
  return moveEntries(
    store, ids, RETRYABLE, 'retry',
    () => ({ state: 'queued', next_attempt_at: at }),
    (e) => (e.state === 'failed' ? `${capitalised(what(e))} (outbox #${e.id}), refused by the mail server, was queued again by ${opts.actor}.` : null),
    at, opts.actor,
  );
}

/**
 * `desk outbox cancel`: `queued`, `failed` and `unknown` entries are withdrawn (`cancelled`) and
 * never sent; the ticket's history says who withdrew it.
 */
export async function cancelEntries(store: Store, ids: number[], opts: { now: Date; actor: string }): Promise<OutboxEntry[]> {
  const at = isoSeconds(opts.now);
  return moveEntries(
    store, ids, CANCELLABLE, 'cancel',
    () => ({ state: 'cancelled', next_attempt_at: null }),
    (e) => `${capitalised(what(e))} (outbox #${e.id}) was withdrawn by ${opts.actor}: ${
      e.state === 'unknown' ? 'it will not be resent, though the server may have accepted it before' : 'it was not sent and will not be'
    }.`,
    at, opts.actor,
  );
}
