// Where the report's ticket histories come from: only what the clocks need (fields a policy
// matches on or a report groups by, status events, message times), never bodies or attachments,
// and never one query per ticket. Every store keeps each ticket's clock inputs in one column,
// which the commands read (clock-inputs.ts on SQLite, postgres-clock-inputs.ts on PostgreSQL);
// readSlaTickets reads events and messages through kysely on any store, what those are checked against.
import type { Kysely } from 'kysely';
import { historyOf, type ClockInputBatch, type CompactHistory, type SlaTicket, type TicketFields } from '../../domain/sla/index.js';
import type { Priority, Status, TicketEvent } from '../../domain/types.js';
import type { Store } from '../../store/index.js';
import type { DB } from '../../store/schema.js';
import type { QueryNode } from '../../domain/query/index.js';
import { queryCondition } from '../../store/query.js';
import { dialectOf } from '../../store/handle.js';

export interface SlaReadOptions {
  /** created_at >= this instant (ISO) */
  createdFrom?: string;
  /** created_at < this instant (ISO) */
  createdBefore?: string;
  /** only ticket ids in [idFrom, idTo] (a partition for a worker thread) */
  idFrom?: number;
  idTo?: number;
  /** skip tickets already solved/closed at this instant (they run no clock): status done and updated_at <= it */
  openAt?: string;
  /**
   * Text fields the caller reads; the others may be left empty ('' / null / []) to save reading
   * them: a report by priority never looks at 200,000 subjects.
   */
  fields?: Partial<Record<'subject' | 'queue' | 'tier' | 'assignee' | 'tags', boolean>> & {
    /** the requester's customer's organisation (migration 15): read only when true */
    organisation?: boolean;
  };
  /** only the tickets this query matches (docs/cli.md: Queries), run by the store's SQL */
  query?: { node: QueryNode; now: string };
}

export type HistoryBatch = [TicketFields, CompactHistory][];

/** Batches of tickets in id order, read from their clock inputs on whichever store this is (on PostgreSQL all read before the first is handed on). */
export async function* readHistories(store: Store, location: string, opts: SlaReadOptions, batchSize?: number): AsyncGenerator<HistoryBatch> {
  const of = (batch: ClockInputBatch): HistoryBatch => Array.from({ length: batch.count }, (_, i) => historyOf(batch, i));
  if (store.dialect === 'sqlite') {
    const { readClockInputs } = await import('./clock-inputs.js');
    for (const batch of readClockInputs(location, opts, batchSize)) yield of(batch);
    return;
  }
  const { readPostgresClockInputs } = await import('./postgres-clock-inputs.js');
  const batches: HistoryBatch[] = [];
  await readPostgresClockInputs(store.db, opts, (batch) => void batches.push(of(batch)), batchSize);
  yield* batches;
}

type Event = Pick<TicketEvent, 'at' | 'type' | 'from' | 'to'>;

/** The portable reader: three range queries per batch of tickets. */
export async function* readSlaTickets(db: Kysely<DB>, opts: SlaReadOptions = {}, batchSize = 5000): AsyncGenerator<SlaTicket[]> {
  let lastId: number | null = null;
  for (;;) {
    let q = db.selectFrom('tickets as t')
      .select(['id', 'subject', 'status', 'priority', 'tier', 'queue', 'assignee', 'tags', 'created_at', 'updated_at'])
      .where('merged_into', 'is', null) // measured on the ticket it went into (docs/sla.md)
      .orderBy('id')
      .limit(batchSize);
    if (opts.query) q = q.where(queryCondition(opts.query.node, { dialect: dialectOf(db).name, now: opts.query.now }));
    if (lastId !== null) q = q.where('id', '>', lastId);
    if (opts.idFrom !== undefined) q = q.where('id', '>=', opts.idFrom);
    if (opts.idTo !== undefined) q = q.where('id', '<=', opts.idTo);
    if (opts.createdFrom) q = q.where('created_at', '>=', opts.createdFrom);
    if (opts.createdBefore) q = q.where('created_at', '<', opts.createdBefore);
    if (opts.openAt) {
      const openAt = opts.openAt;
      q = q.where((eb) => eb.or([eb('status', 'not in', ['solved', 'closed']), eb('updated_at', '>', openAt)]));
    }
    const rows = await q.execute();
    if (rows.length === 0) return;
    const lo = Number(rows[0]!.id), hi = Number(rows[rows.length - 1]!.id);
    lastId = hi;
    const [events, messages] = await Promise.all([
      db.selectFrom('events').select(['ticket_id', 'at', 'from_value', 'to_value'])
        .where('ticket_id', '>=', lo).where('ticket_id', '<=', hi).where('type', '=', 'status')
        .orderBy('ticket_id').orderBy('id').execute(),
      db.selectFrom('messages').select(['ticket_id', 'direction', 'date', 'auto_reason'])
        .where('ticket_id', '>=', lo).where('ticket_id', '<=', hi)
        .orderBy('ticket_id').orderBy('id').execute(),
    ]);
    const byId = new Map<number, SlaTicket & { events: Event[]; messages: SlaTicket['messages'][number][] }>();
    const batch: SlaTicket[] = [];
    for (const r of rows) {
      const t = {
        id: Number(r.id), subject: r.subject, status: r.status as Status, priority: r.priority as Priority, tier: r.tier,
        queue: r.queue, assignee: r.assignee, tags: JSON.parse(r.tags) as string[], created_at: r.created_at, updated_at: r.updated_at,
        events: [] as Event[], messages: [] as SlaTicket['messages'][number][],
      };
      byId.set(t.id, t);
      batch.push(t);
    }
    for (const e of events) byId.get(Number(e.ticket_id))?.events.push({ at: e.at, type: 'status', from: e.from_value, to: e.to_value });
    for (const m of messages) byId.get(Number(m.ticket_id))?.messages.push({ direction: m.direction, date: m.date, auto: m.auto_reason });
    yield batch;
    if (rows.length < batchSize) return;
  }
}
