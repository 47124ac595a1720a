// Histories read from SQLite's events and messages, computed from the history itself. The
// commands read each ticket's clock_inputs instead (clock-inputs.ts); this reader is what that
// is checked against (test/commands/sla). Turning rows into JavaScript values one by one costs
// far more than SQLite's own work (measured on 200,000 tickets: ~1 µs a row as objects), so
// SQLite builds each column of a batch as one JSON array (json_group_array) that V8 parses in
// one go; small codes are packed into one number and times come back as epoch seconds computed
// by SQLite. Everything is read in one transaction, so all columns are of one snapshot.
import type Database from 'better-sqlite3';
import { openSnapshot } from '../../store/snapshot.js';
import { PRIORITIES, STATUSES, type Priority, type Status } from '../../domain/types.js';
import type { CompactHistory, TicketFields } from '../../domain/sla/index.js';
import type { HistoryBatch, SlaReadOptions } from './histories.js';

const BATCH = 250_000; // tickets per read
const SLICE = 256; // tickets per batch handed on
const NONE = 7; // code for "no status" / unknown

/** SQL giving a status its index in STATUSES (NONE when unknown or null). */
function statusCode(column: string): string {
  return `coalesce(case ${column} ${STATUSES.map((s, i) => `when '${s}' then ${i}`).join(' ')} end, ${NONE})`;
}
const priorityCode = `coalesce(case priority ${PRIORITIES.map((p, i) => `when '${p}' then ${i}`).join(' ')} end, ${PRIORITIES.indexOf('normal')})`;

type TextField = 'subject' | 'queue' | 'tier' | 'assignee' | 'tags';
const TEXT_FIELDS: TextField[] = ['subject', 'queue', 'tier', 'assignee', 'tags'];

export function* readSqliteHistories(file: string, opts: SlaReadOptions, batchSize = BATCH): Generator<HistoryBatch> {
  const snapshot = openSnapshot(file); // one snapshot for every read below
  const db = snapshot.db;
  try {
    const where: string[] = ['id > @after', 'merged_into is null']; // merged: measured on its target (docs/sla.md)
    const params: Record<string, string | number> = {};
    if (opts.idFrom !== undefined) { where.push('id >= @idFrom'); params.idFrom = opts.idFrom; }
    if (opts.idTo !== undefined) { where.push('id <= @idTo'); params.idTo = opts.idTo; }
    if (opts.createdFrom) { where.push('created_at >= @from'); params.from = opts.createdFrom; }
    if (opts.createdBefore) { where.push('created_at < @before'); params.before = opts.createdBefore; }
    if (opts.openAt) { where.push(`(status not in ('solved', 'closed') or updated_at > @openAt)`); params.openAt = opts.openAt; }
    const texts = TEXT_FIELDS.filter((f) => opts.fields?.[f] ?? true);
    const columns = ['id', `unixepoch(created_at) * 64 + ${statusCode('status')} * 8 + ${priorityCode}`, 'unixepoch(updated_at)', ...texts];
    const tickets = db.prepare(`select json_array(${columns.map((c) => `json_group_array(${c})`).join(', ')})
      from (select * from tickets where ${where.join(' and ')} order by id limit ${batchSize})`).pluck();
    // Per batch: by ticket-id range through the index; when one batch holds every selected
    // ticket, one plain scan of each table is cheaper (tickets outside the selection are skipped below).
    // Both arrays come from one aggregate over one row sequence, so they line up pair by pair.
    const pairs = (table: string, filter: string, value: string) => ({
      range: db.prepare(`select json_array(json_group_array(ticket_id), json_group_array(v)) from (select ticket_id, ${value} as v
        from ${table} where ticket_id between @lo and @hi and ${filter} order by ticket_id, id)`).pluck(),
      scan: db.prepare(`select json_array(json_group_array(ticket_id), json_group_array(v)) from (select ticket_id, ${value} as v
        from ${table} where ${filter} order by id)`).pluck(),
    });
    const events = pairs('events', `type = 'status'`, `unixepoch(at) * 64 + ${statusCode('from_value')} * 8 + ${statusCode('to_value')}`);
    const messages = pairs('messages', `ticket_id is not null and auto_reason is null`, `unixepoch(date) * 2 + (direction = 'out')`);

    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const cols = JSON.parse(tickets.get({ ...params, after }) as string) as unknown[][];
      const ids = cols[0] as number[];
      if (ids.length === 0) return;
      const packed = cols[1] as (number | null)[], updated = cols[2] as (number | null)[];
      const text = (f: TextField) => (texts.includes(f) ? (cols[3 + texts.indexOf(f)] as (string | null)[]) : null);
      const [subjects, queues, tiers, assignees, tags] = TEXT_FIELDS.map(text);
      const indexOf = new Map<number, number>();
      for (let i = 0; i < ids.length; i++) indexOf.set(ids[i]!, i);
      const whole = ids.length < batchSize && after === Number.MIN_SAFE_INTEGER && opts.idFrom === undefined && opts.idTo === undefined;
      const span = { lo: ids[0]!, hi: ids[ids.length - 1]! };
      const read = (q: { range: Database.Statement; scan: Database.Statement }) =>
        groupByTicket(JSON.parse((whole ? q.scan.get() : q.range.get(span)) as string) as [number[], (number | null)[]], indexOf, ids.length);
      const ev = read(events);
      const msg = read(messages);

      // Objects are made a slice at a time and handed on at once, so they die young (cheap to collect).
      for (let from = 0; from < ids.length; from += SLICE) {
        const to = Math.min(ids.length, from + SLICE);
        const slice: HistoryBatch = [];
        for (let i = from; i < to; i++) {
          const v = packed[i];
          if (v === null || v === undefined) continue; // a creation time SQLite cannot read: nothing can be measured
          const created = Math.floor(v / 64), codes = v - created * 64;
          const fields: TicketFields = {
            id: ids[i]!,
            subject: subjects ? subjects[i]! : '',
            priority: PRIORITIES[codes & 7] as Priority,
            queue: queues ? queues[i]! : null,
            tier: tiers ? tiers[i]! : '',
            assignee: assignees ? assignees[i]! : null,
            tags: tags ? (JSON.parse(tags[i]!) as string[]) : [],
          };
          const changes: CompactHistory['changes'] = [];
          for (let j = ev.start[i]!; j < ev.start[i + 1]!; j++) {
            const e = ev.values[ev.order[j]!];
            if (e === null || e === undefined) continue; // unreadable time
            const at = Math.floor(e / 64), c = e - at * 64, toCode = c & 7, fromCode = c >> 3;
            if (toCode !== NONE) changes.push({ at, from: fromCode === NONE ? null : (STATUSES[fromCode] as Status), to: STATUSES[toCode] as Status });
          }
          const msgs: CompactHistory['messages'] = [];
          for (let j = msg.start[i]!; j < msg.start[i + 1]!; j++) {
            const m = msg.values[msg.order[j]!];
            if (m === null || m === undefined) continue; // unreadable time
            const at = Math.floor(m / 2);
            msgs.push({ at, direction: m - at * 2 === 1 ? 'out' : 'in' });
          }
          slice.push([fields, { created, updated: updated[i] ?? created, status: STATUSES[codes >> 3] ?? 'open', changes, messages: msgs }]);
        }
        yield slice;
      }
      if (ids.length < batchSize) return;
      after = span.hi;
    }
  } finally {
    snapshot.close();
  }
}

/**
 * Rows of (ticket id, value) grouped by ticket index with a counting sort that keeps their order:
 * ticket i's values are values[order[j]] for j in [start[i], start[i+1]).
 */
function groupByTicket([ticketIds, values]: [number[], (number | null)[]], indexOf: Map<number, number>, tickets: number) {
  const start = new Int32Array(tickets + 1);
  const slot = new Int32Array(ticketIds.length).fill(-1);
  for (let k = 0; k < ticketIds.length; k++) {
    const i = indexOf.get(ticketIds[k]!);
    if (i === undefined) continue; // not selected
    slot[k] = i;
    start[i + 1]!++;
  }
  for (let i = 0; i < tickets; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, tickets);
  const order = new Int32Array(start[tickets]!);
  for (let k = 0; k < ticketIds.length; k++) if (slot[k]! >= 0) order[fill[slot[k]!]!++] = k;
  return { start, order, values };
}
