// Keeps tickets.clock_inputs (migration 4: what the SLA clocks read of a ticket, as one short
// text of numbers; layout in src/domain/sla/inputs.ts) up to date. Every write that changes a
// ticket's fields, status events or messages calls refreshClockInputs for that ticket in its own
// write transaction; the bulk import makes the text of the tickets it creates itself
// (clockInputsText), which costs a fraction of reading their rows back. A ticket whose text is
// null (inserted by code that does not know the column) is read by computing it on the spot
// (clockInputsOf), so a report never misses one.
//
// On each backend the text is computed with that database's own reading of times, exactly as its
// reader of events and messages reads them: SQLite's unixepoch; on PostgreSQL desk_epoch
// (migration 12: extract(epoch …) of the text as timestamptz, whole seconds, null for text that
// is not an ISO 8601 instant with an offset, never an error in a write). Desk writes its times as
// canonical text (YYYY-MM-DDTHH:MM:SSZ), which both read alike, so a desk's figures are the same
// on either. What is computed here must be what migrations 4 (SQLite) and 12 (PostgreSQL)
// backfill (a test compares them on varied history).
import { sql, type Kysely } from 'kysely';
import type { ImportedTicket } from '../../domain/interchange.js';
import type { DialectOps } from '../dialect/types.js';

const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed']; // code = index, else 7
const PRIORITIES = ['urgent', 'high', 'normal', 'low']; // code = index, else that of normal
const NO_STATUS = 7;

const status = (e: string) => `coalesce(case ${e} ${STATUSES.map((s, i) => `when '${s}' then ${i}`).join(' ')} end, ${NO_STATUS})`;
const priority = (e: string) => `coalesce(case ${e} ${PRIORITIES.map((p, i) => `when '${p}' then ${i}`).join(' ')} end, 2)`;

/**
 * SQL computing the clock_inputs text of the tickets row called `t` on this backend ('' when the
 * database cannot read its created_at).
 */
export function clockInputsOf(t: string, dialect: 'sqlite' | 'postgres' = 'sqlite'): string {
  return dialect === 'postgres' ? postgresClockInputsOf(t) : sqliteClockInputsOf(t);
}

function sqliteClockInputsOf(t: string): string {
  const created = `unixepoch(${t}.created_at)`;
  return `(case when ${created} is null then '' else
    ${t}.id || ',' || ${created} || ',' || (coalesce(unixepoch(${t}.updated_at), ${created}) - ${created}) || ','
      || (${status(`${t}.status`)} * 8 + ${priority(`${t}.priority`)})
    || coalesce((select group_concat(',' || v, '') from (
      select (unixepoch(e.at) - ${created}) * 128 + ${status('e.from_value')} * 8 + ${status('e.to_value')} as v
      from events e where e.ticket_id = ${t}.id and e.type = 'status' and unixepoch(e.at) is not null and ${status('e.to_value')} <> ${NO_STATUS}
      order by e.id)), '')
    || coalesce((select group_concat(',' || v, '') from (
      select (unixepoch(m.date) - ${created}) * 128 + 64 + (m.direction = 'out') as v
      from messages m where m.ticket_id = ${t}.id and m.auto_reason is null and unixepoch(m.date) is not null
      order by m.id)), '')
  end)`;
}

/** The same text on PostgreSQL, with desk_epoch (migration 12) reading the times. */
function postgresClockInputsOf(t: string): string {
  const created = `desk_epoch(${t}.created_at)`;
  return `(case when ${created} is null then '' else
    ${t}.id::text || ',' || ${created}::text || ',' || (coalesce(desk_epoch(${t}.updated_at), ${created}) - ${created})::text || ','
      || (${status(`${t}.status`)} * 8 + ${priority(`${t}.priority`)})::text
    || coalesce((select string_agg(',' || x.v::text, '' order by x.id) from (
      select e.id, (desk_epoch(e.at) - ${created}) * 128 + ${status('e.from_value')} * 8 + ${status('e.to_value')} as v
      from events e where e.ticket_id = ${t}.id and e.type = 'status' and ${status('e.to_value')} <> ${NO_STATUS}) x where x.v is not null), '')
    || coalesce((select string_agg(',' || x.v::text, '' order by x.id) from (
      select m.id, (desk_epoch(m.date) - ${created}) * 128 + 64 + (case when m.direction = 'out' then 1 else 0 end) as v
      from messages m where m.ticket_id = ${t}.id and m.auto_reason is null) x where x.v is not null), '')
  end)`;
}

const REFRESH = { sqlite: `update tickets set clock_inputs = ${clockInputsOf('tickets')}`, postgres: `update tickets set clock_inputs = ${clockInputsOf('tickets', 'postgres')}` };

/** Recomputes the clock inputs of these tickets from their current fields, events and messages. */
export async function refreshClockInputs(tx: Kysely<any>, ops: DialectOps, ticketIds: Iterable<number>): Promise<void> {
  const ids = [...new Set(ticketIds)];
  if (ids.length === 0) return;
  // One parameter however many tickets.
  if (ops.name === 'postgres') await sql`${sql.raw(REFRESH.postgres)} where id = any(${ids}::integer[])`.execute(tx);
  else await sql`${sql.raw(REFRESH.sqlite)} where id in (select value from json_each(${JSON.stringify(ids)}))`.execute(tx);
}

/** Text that every backend reads as the same instant: canonical, with a day every month has. */
const SURELY_SAME = `'^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$'`;

/**
 * After rows were copied from SQLite into PostgreSQL (desk db migrate-to): recomputes, with
 * PostgreSQL's reading, the clock inputs of every ticket one of whose times the two might read
 * differently (anything but canonical text of a day every month has; SQLite reads a time without
 * an offset as UTC, PostgreSQL's desk_epoch reads it as no time) or that has none. The others
 * keep the copied text, which is what PostgreSQL computes: recomputing them all would cost more
 * than the copy.
 */
export async function refreshCopiedClockInputs(tx: Kysely<any>): Promise<void> {
  await sql.raw(`${REFRESH.postgres} where id in (
    select id from tickets where clock_inputs is null or created_at !~ ${SURELY_SAME} or updated_at !~ ${SURELY_SAME}
    union select ticket_id from events where type = 'status' and at !~ ${SURELY_SAME}
    union select ticket_id from messages where date !~ ${SURELY_SAME})`).execute(tx);
}

// ---- text made in JavaScript (bulk import) -------------------------------------------------

/**
 * The clock_inputs text of a ticket inserted with these messages (and its events), or null when
 * one of its times is not canonical text (YYYY-MM-DDTHH:MM:SSZ): refreshClockInputs then lets
 * the database read it, so that every time is read the one way (canonical text reads alike on
 * every backend).
 */
export function clockInputsText(id: number, t: Pick<ImportedTicket, 'status' | 'priority' | 'created_at' | 'updated_at' | 'events'>,
  messages: readonly Pick<ImportedTicket['messages'][number], 'direction' | 'date' | 'auto'>[]): string | null {
  const created = canonicalSeconds(t.created_at), updated = canonicalSeconds(t.updated_at);
  if (created === null || updated === null) return null;
  const p = PRIORITIES.indexOf(t.priority);
  let text = `${id},${created},${updated - created},${statusCode(t.status) * 8 + (p < 0 ? 2 : p)}`;
  for (const e of t.events) {
    if (e.type !== 'status') continue;
    const at = canonicalSeconds(e.at);
    if (at === null) return null;
    const to = statusCode(e.to);
    if (to !== NO_STATUS) text += `,${(at - created) * 128 + statusCode(e.from) * 8 + to}`;
  }
  for (const m of messages) {
    if (m.auto != null) continue; // automatic mail starts and stops nothing
    const at = canonicalSeconds(m.date);
    if (at === null) return null;
    text += `,${(at - created) * 128 + 64 + (m.direction === 'out' ? 1 : 0)}`;
  }
  return text;
}

function statusCode(s: string | null | undefined): number {
  const i = s == null ? -1 : STATUSES.indexOf(s);
  return i < 0 ? NO_STATUS : i;
}

/** Epoch seconds of canonical text (YYYY-MM-DDTHH:MM:SSZ of a real time, year 1000 on), else null. */
export function canonicalSeconds(iso: string): number | null {
  if (iso.length !== 20 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45 || iso.charCodeAt(10) !== 84 ||
    iso.charCodeAt(13) !== 58 || iso.charCodeAt(16) !== 58 || iso.charCodeAt(19) !== 90) return null;
  const year = digits(iso, 0, 4), month = digits(iso, 5, 2), day = digits(iso, 8, 2);
  const hour = digits(iso, 11, 2), minute = digits(iso, 14, 2), second = digits(iso, 17, 2);
  // (digits gives -1 for anything but digits)
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1]!)) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}
