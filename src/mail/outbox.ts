// The outbox: every outgoing mail is written, with its fixed Message-ID and its exact bytes, in
// the same write transaction as the reply it carries, before anyone talks to an SMTP server.
// From then on it moves through these states:
//
//   queued ──claim──▶ sending ──▶ sent
//     ▲                  │
//     └── refused or unreachable (not delivered): back to queued, next_attempt_at backs off
//                        │
//                        └──▶ unknown: the server may have accepted it (a timeout or a dropped
//                             connection after the body was handed over, or desk died while
//                             `sending`). Never resent blindly: only once a Sent-folder search
//                             shows it is absent, or on an explicit --force.
//
// Claiming is a compare-and-set in its own committed transaction, so two processes never send the
// same entry, and a process that dies mid-send leaves `sending` behind, which the next flush
// turns into `unknown`, never into a second delivery.
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import type { Store } from '../store/index.js';
import { isoSeconds } from '../domain/types.js';
import type { ComposedMail } from './compose.js';
import { outcomeText, type SendOutcome } from './smtp.js';

export const OUTBOX_STATES = ['queued', 'sending', 'sent', 'unknown'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/** reply: an agent's answer; auto-ack: the automatic acknowledgement of a new ticket. */
export type OutboxKind = 'reply' | 'auto-ack';

export interface OutboxTable {
  id: number;
  message_pk: number;
  ticket_id: number;
  message_id: string;
  kind: string;
  envelope_from: string;
  /** the one envelope recipient, lowercased (the requester) */
  recipient: string;
  raw: Buffer;
  state: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  /** "host:pid" of the process sending it right now */
  claimed_by: string | null;
  claimed_at: string | null;
  created_at: string;
  updated_at: string;
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
  ticket_id: number;
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
  ticketId: number;
  /** messages.id of the outbound message this entry delivers */
  messagePk: number;
  kind: OutboxKind;
  mail: ComposedMail;
  /** ISO instant */
  at: string;
}

/** Adds an entry, in the caller's write transaction (the one that stores the reply). */
export async function enqueue(tx: Kysely<DB>, input: EnqueueInput): Promise<number> {
  const to = input.mail.envelope.to;
  if (to.length !== 1) throw new Error(`an outbox entry has exactly one recipient (got ${to.length})`);
  const row = await outboxDb(tx)
    .insertInto('outbox')
    .values({
      message_pk: input.messagePk,
      ticket_id: input.ticketId,
      message_id: input.mail.messageId,
      kind: input.kind,
      envelope_from: input.mail.envelope.from,
      recipient: to[0]!.toLowerCase(),
      raw: input.mail.raw,
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
    .innerJoin('messages as m', 'm.id', 'o.message_pk')
    .select([
      'o.id', 'o.ticket_id', 'o.message_id', 'o.kind', 'o.recipient', 'm.subject', 'o.state', 'o.attempts',
      'o.next_attempt_at', 'o.last_error', 'o.created_at', 'o.updated_at', 'o.sent_at',
    ]);
}

type EntryRow = Awaited<ReturnType<ReturnType<typeof entryQuery>['executeTakeFirstOrThrow']>>;

function toEntry(r: EntryRow): OutboxEntry {
  return {
    id: Number(r.id),
    ticket_id: Number(r.ticket_id),
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

/** Entries that still need something (everything but `sent`), or all of them; oldest first. */
export async function listOutbox(db: Kysely<DB>, opts: { all?: boolean; ids?: number[] } = {}): Promise<OutboxEntry[]> {
  let q = entryQuery(db).orderBy('o.id');
  if (!opts.all) q = q.where('o.state', '!=', 'sent');
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
 *  retry      refused or unreachable: queued again, next_attempt_at set
 *  unknown    handed over but unanswered (now or by a dead process): held
 *  held       an `unknown` entry left alone (no confirmation possible yet)
 *  waiting    not tried: back-off not over, SMTP unreachable or not configured
 */
export type FlushOutcome = 'sent' | 'confirmed' | 'retry' | 'unknown' | 'held' | 'waiting';

export interface FlushResult {
  id: number;
  ticket_id: number;
  message_id: string;
  to: string;
  outcome: FlushOutcome;
  detail: string;
  next_attempt_at?: string | null;
}

export interface FlushReport {
  results: FlushResult[];
  /** outcomes that leave mail undelivered because of the server (retry, unknown) */
  failed: number;
}

const DEFAULT_STALE_MS = 30 * 60_000;
const DEFAULT_CONFIRM_AFTER_MS = 10 * 60_000;

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

/** Marks the entry `sending` for us, unless someone else changed it first. */
async function claim(opts: FlushOptions, claimant: Claimant, e: OutboxEntry): Promise<boolean> {
  const at = isoSeconds(opts.now());
  const r = await opts.store.write((tx) =>
    outboxDb(tx)
      .updateTable('outbox')
      .set((eb) => ({ state: 'sending', claimed_by: claimant.id, claimed_at: at, updated_at: at, attempts: eb('attempts', '+', 1) }))
      .where('id', '=', e.id)
      .where('state', '=', e.state)
      .where('attempts', '=', e.attempts)
      .executeTakeFirst(),
  );
  return Number(r.numUpdatedRows) === 1;
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
  } else {
    const next = isoSeconds(new Date(nowDate.getTime() + backoffMs(attempts)));
    const why = outcomeText(outcome);
    set = { state: 'queued', last_error: why, next_attempt_at: next };
    result = resultOf(e, 'retry', why, next);
  }
  await opts.store.write((tx) =>
    outboxDb(tx)
      .updateTable('outbox')
      .set({ ...set, claimed_by: null, claimed_at: null, updated_at: at })
      .where('id', '=', e.id)
      .where('state', '=', 'sending')
      .execute(),
  );
  return result;
}

async function markConfirmed(opts: FlushOptions, e: OutboxEntry): Promise<void> {
  const at = isoSeconds(opts.now());
  await opts.store.write((tx) =>
    outboxDb(tx)
      .updateTable('outbox')
      .set({ state: 'sent', sent_at: at, last_error: 'found in the Sent folder; not resent', updated_at: at })
      .where('id', '=', e.id)
      .where('state', '=', 'unknown')
      .execute(),
  );
}

/**
 * Whether an `unknown` entry may be resent: with --force, or once the Sent folder shows it is
 * absent. Found there: it was delivered, so it is marked sent. Returns the result when the entry
 * is settled or held here, null when it should be sent.
 */
async function settleUnknown(opts: FlushOptions, e: OutboxEntry): Promise<FlushResult | null> {
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
  for (const e of pending) {
    if (results.some((r) => r.id === e.id)) continue; // just recovered: held until the next flush
    if (e.state === 'unknown') {
      const settled = await settleUnknown(opts, e);
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
    const raw = await outboxDb(opts.store.db).selectFrom('outbox').select(['raw', 'envelope_from']).where('id', '=', e.id).executeTakeFirstOrThrow();
    const outcome = await opts.send({ from: raw.envelope_from, to: [e.to] }, Buffer.from(raw.raw));
    const result = await record(opts, e, outcome);
    results.push(result);
    // A server that cannot be reached will not be reached for the next entry either.
    if (outcome.kind === 'unreachable' && outcome.stage === 'connect') serverDown = outcomeText(outcome);
  }
  const failed = results.filter((r) => r.outcome === 'retry' || r.outcome === 'unknown').length;
  return { results, failed };
}
