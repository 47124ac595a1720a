// Migration 4: tickets.clock_inputs, what the SLA clocks read of a ticket (docs/sla.md) as one
// short text of numbers, so that `desk sla report` reads the tickets table in one pass instead of
// rebuilding 200,000 histories from events and messages. Frozen once shipped: the codes and the
// layout below are what databases hold (src/domain/sla/inputs.ts reads them); a change needs a
// new migration that computes the column again.
//
// Every write that changes a ticket's clock inputs refreshes them in the same transaction
// (src/store/repos/clock-inputs.ts). Not triggers: a trigger on events or messages makes every
// insert keep a statement journal, which made an import of 200,000 tickets a quarter slower.
// A column of tickets rather than a table of its own: an import writes it with the ticket's row
// (a row of its own cost 2 µs more per ticket), and a report filters on the ticket's own columns.
//
// Layout: "id,created,updated - created,status * 8 + priority", then ",v" for each status event
// whose `to` is a known status, then for each message that is on the ticket and not automatic,
// each in id order, leaving out times SQLite cannot read. Times are epoch seconds as SQLite reads
// them (unixepoch); with d = the event's or message's time minus created:
//   status event  v = d * 128 + from * 8 + to      (status codes; from 7 = none or unknown)
//   message       v = d * 128 + 64 + (1 if outbound, else 0)
// '' when SQLite cannot read created_at (no clock can run); null where not computed.
//
// Other stores get the column but leave it null: their reports read events and messages.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed']; // code = index, else 7
const PRIORITIES = ['urgent', 'high', 'normal', 'low']; // code = index, else that of normal

const status = (e: string) => `coalesce(case ${e} ${STATUSES.map((s, i) => `when '${s}' then ${i}`).join(' ')} end, 7)`;
const priority = (e: string) => `coalesce(case ${e} ${PRIORITIES.map((p, i) => `when '${p}' then ${i}`).join(' ')} end, 2)`;

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  await db.schema.alterTable('tickets').addColumn('clock_inputs', 'text').execute();
  if (dialect.name !== 'sqlite') return;
  const created = 'unixepoch(tickets.created_at)';
  await sql.raw(`update tickets set clock_inputs = case when ${created} is null then '' else
    tickets.id || ',' || ${created} || ',' || (coalesce(unixepoch(tickets.updated_at), ${created}) - ${created}) || ','
      || (${status('tickets.status')} * 8 + ${priority('tickets.priority')})
    || coalesce((select group_concat(',' || v, '') from (
      select (unixepoch(e.at) - ${created}) * 128 + ${status('e.from_value')} * 8 + ${status('e.to_value')} as v
      from events e where e.ticket_id = tickets.id and e.type = 'status' and unixepoch(e.at) is not null and ${status('e.to_value')} <> 7
      order by e.id)), '')
    || coalesce((select group_concat(',' || v, '') from (
      select (unixepoch(m.date) - ${created}) * 128 + 64 + (m.direction = 'out') as v
      from messages m where m.ticket_id = tickets.id and m.auto_reason is null and unixepoch(m.date) is not null
      order by m.id)), '')
  end`).execute(db);
}
