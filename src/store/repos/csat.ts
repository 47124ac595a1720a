// Customer satisfaction (migration 21): surveys sent, ratings received, and what the reports,
// `desk customer show` and the query language read of them. Only a token's SHA-256 is stored.
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.js';
import type { TicketEvent } from '../../domain/types.js';
import { insertEvents, ticketExists } from './tickets.js';

type Db = Kysely<DB>;

export const tokenHash = (token: string): string => createHash('sha256').update(token.toLowerCase()).digest('hex');

/** A solved ticket whose survey may be due (the caller checks the rest: automatic mail, robots, period). */
export interface SurveyCandidate {
  ticketId: number;
  subject: string;
  requester: string;
  solvedAt: string;
}

/**
 * Solved (or closed) tickets that got no survey yet and whose latest solving is at or before
 * `solvedBefore` (now − delay). A ticket reopened since it was solved is not solved now, or was
 * solved again later: its delay counts from the later solving. Tickets solved before
 * `solvedAfter` (now − delay − period) are too old to ask about.
 */
export async function surveyCandidates(db: Db, solvedBefore: string, solvedAfter: string, limit = 5000): Promise<SurveyCandidate[]> {
  const rows = await db
    .selectFrom('tickets as t')
    .innerJoin('requesters as r', 'r.id', 't.requester_id')
    .innerJoin('events as e', (j) => j.onRef('e.ticket_id', '=', 't.id').on('e.type', '=', 'status').on('e.to_value', '=', 'solved'))
    .select(['t.id', 't.subject', 'r.email'])
    .select((eb) => eb.fn.max('e.at').as('solved_at'))
    .where('t.status', 'in', ['solved', 'closed'])
    .where('t.merged_into', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('csat_surveys as s').select('s.id').whereRef('s.ticket_id', '=', 't.id'))))
    .groupBy(['t.id', 't.subject', 'r.email'])
    .having((eb) => eb.fn.max('e.at'), '<=', solvedBefore)
    .having((eb) => eb.fn.max('e.at'), '>', solvedAfter)
    .orderBy('t.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ticketId: Number(r.id), subject: r.subject, requester: r.email.toLowerCase(), solvedAt: String(r.solved_at) }));
}

/** Every address of the customer that `address` belongs to (the address alone when it has none). */
export async function customerAddressesOf(db: Db, address: string): Promise<string[]> {
  const rows = await db.selectFrom('customer_addresses as a').innerJoin('customer_addresses as b', 'b.customer_id', 'a.customer_id')
    .select('b.address').where('a.address', '=', address.toLowerCase()).execute();
  return rows.length ? [...new Set(rows.map((r) => r.address))] : [address.toLowerCase()];
}

/** When the latest survey to any of these addresses was sent at or after `since`, else null. */
export async function lastSurveySince(db: Db, addresses: string[], since: string): Promise<string | null> {
  if (!addresses.length) return null;
  const row = await db.selectFrom('csat_surveys').select((eb) => eb.fn.max('sent_at').as('at'))
    .where('customer_address', 'in', addresses).where('sent_at', '>=', since).executeTakeFirst();
  return row?.at ? String(row.at) : null;
}

export async function addSurvey(tx: Db, s: { ticketId: number; token: string; address: string; scale: string; outboxId: number | null; at: string }): Promise<number> {
  const row = await tx.insertInto('csat_surveys').values({
    ticket_id: s.ticketId, token_sha256: tokenHash(s.token), customer_address: s.address.toLowerCase(), scale: s.scale, outbox_id: s.outboxId, sent_at: s.at,
  }).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

export interface KnownSurvey {
  id: number;
  ticketId: number;
  address: string;
  scale: string;
  /** its current rating, if any */
  rating: string | null;
  comment: string | null;
}

/** Surveys by the hash of their token. */
export async function surveysByTokenHash(db: Db, hashes: string[]): Promise<Map<string, KnownSurvey>> {
  const out = new Map<string, KnownSurvey>();
  for (let i = 0; i < hashes.length; i += 500) {
    const rows = await db.selectFrom('csat_surveys as s').leftJoin('csat_ratings as r', 'r.survey_id', 's.id')
      .select(['s.id', 's.ticket_id', 's.customer_address', 's.scale', 's.token_sha256', 'r.rating', 'r.comment'])
      .where('s.token_sha256', 'in', hashes.slice(i, i + 500)).execute();
    for (const r of rows) {
      out.set(r.token_sha256, { id: Number(r.id), ticketId: Number(r.ticket_id), address: r.customer_address, scale: r.scale, rating: r.rating ?? null, comment: r.comment ?? null });
    }
  }
  return out;
}

export interface NewRating {
  survey: KnownSurvey;
  rating: string;
  score: number;
  comment: string | null;
  at: string;
  messagePk: number | null;
  actor: string;
}

/**
 * Records a rating (replacing the survey's earlier one) and its event on the ticket. The same
 * rating with the same comment again records nothing; returns whether it recorded.
 */
export async function recordRating(tx: Db, r: NewRating): Promise<boolean> {
  const s = r.survey;
  if (s.rating === r.rating && (s.comment ?? null) === (r.comment ?? null)) return false;
  if (!(await ticketExists(tx, s.ticketId))) return false; // moved to spam since: its mail is kept, nothing to rate
  const exists = await tx.selectFrom('csat_ratings').select('id').where('survey_id', '=', s.id).executeTakeFirst();
  const values = { rating: r.rating, score: r.score, comment: r.comment, received_at: r.at, message_pk: r.messagePk };
  if (exists) await tx.updateTable('csat_ratings').set(values).where('survey_id', '=', s.id).execute();
  else await tx.insertInto('csat_ratings').values({ survey_id: s.id, ticket_id: s.ticketId, ...values }).execute();
  const event: TicketEvent = { at: r.at, actor: r.actor, type: 'rating', from: s.rating, to: r.rating, reason: s.rating ? 'a later rating replaces the earlier one' : null, text: r.comment };
  await insertEvents(tx, s.ticketId, [event]);
  s.rating = r.rating;
  s.comment = r.comment;
  return true;
}

/** A ticket's current rating, or null. */
export async function ratingOfTicket(db: Db, ticketId: number): Promise<{ rating: string; score: number; comment: string | null; received_at: string } | null> {
  const r = await db.selectFrom('csat_ratings').select(['rating', 'score', 'comment', 'received_at']).where('ticket_id', '=', ticketId).executeTakeFirst();
  return r ? { rating: r.rating, score: Number(r.score), comment: r.comment, received_at: r.received_at } : null;
}

export interface CustomerRating {
  ticket_id: number;
  rating: string;
  score: number;
  comment: string | null;
  received_at: string;
}

/** The ratings of a customer's tickets (any of its addresses), newest first. */
export async function ratingsOfCustomer(db: Db, customerId: number): Promise<CustomerRating[]> {
  const rows = await db.selectFrom('csat_ratings as r')
    .innerJoin('tickets as t', 't.id', 'r.ticket_id')
    .innerJoin('requesters as q', 'q.id', 't.requester_id')
    .innerJoin('customer_addresses as ca', 'ca.address', 'q.email')
    .select(['r.ticket_id', 'r.rating', 'r.score', 'r.comment', 'r.received_at'])
    .where('ca.customer_id', '=', customerId)
    .orderBy('r.received_at', 'desc').orderBy('r.id', 'desc').execute();
  return rows.map((r) => ({ ticket_id: Number(r.ticket_id), rating: r.rating, score: Number(r.score), comment: r.comment, received_at: r.received_at }));
}

/** One survey as the SLA report counts it: the ticket's fields, and its rating's score when answered. */
export interface CsatReportRow {
  created_at: string;
  priority: string;
  queue: string | null;
  tier: string;
  assignee: string | null;
  organisation: string | null;
  score: number | null;
}

/**
 * The surveys of the tickets the SLA report covers (created in [from, before), not merged): one
 * query, the same on both backends.
 */
export async function csatReportRows(db: Db, range: { from?: string | null; before?: string | null }): Promise<CsatReportRow[]> {
  let q = db.selectFrom('csat_surveys as s')
    .innerJoin('tickets as t', 't.id', 's.ticket_id')
    .leftJoin('csat_ratings as r', 'r.survey_id', 's.id')
    .select(['t.created_at', 't.priority', 't.queue', 't.tier', 't.assignee', 'r.score'])
    .select(sql<string | null>`(select o.name from requesters rq join customer_addresses ca on ca.address = rq.email join customers c on c.id = ca.customer_id
      join organisations o on o.id = c.org_id where rq.id = t.requester_id)`.as('organisation'))
    .where('t.merged_into', 'is', null);
  if (range.from) q = q.where('t.created_at', '>=', range.from);
  if (range.before) q = q.where('t.created_at', '<', range.before);
  const rows = await q.orderBy('s.id').execute();
  return rows.map((r) => ({
    created_at: r.created_at, priority: r.priority, queue: r.queue, tier: r.tier, assignee: r.assignee,
    organisation: r.organisation ?? null, score: r.score === null || r.score === undefined ? null : Number(r.score),
  }));
}

/** The current rating (its score) of each of these tickets that has one. */
export async function ratingsOf(db: Db, ids: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (let i = 0; i < ids.length; i += 900) {
    const rows = await db.selectFrom('csat_ratings').select(['ticket_id', 'score']).where('ticket_id', 'in', ids.slice(i, i + 900)).execute();
    for (const r of rows) out.set(Number(r.ticket_id), Number(r.score));
  }
  return out;
}
