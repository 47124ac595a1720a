// Migration 12: tickets.clock_inputs on PostgreSQL too (migration 4 added the column everywhere
// but filled and kept it on SQLite only), so that `desk sla report` and `desk sla at-risk` read
// one column per ticket in team mode as well. Frozen once shipped.
//
// desk_epoch(text) is PostgreSQL's reading of a stored time: the epoch seconds (floor) of the
// text read as timestamptz, for text that is an ISO 8601 instant with an offset (what desk
// writes); null for anything else, and for text PostgreSQL refuses (a 30 February, an offset of
// +99:99), never an error, so a write never fails on an odd time. With the offset required its
// result does not depend on the session's time zone: IMMUTABLE is true.
//
// The backfill computes the text exactly as src/store/repos/clock-inputs.ts keeps it afterwards
// (layout in migration 4 and src/domain/sla/inputs.ts), with desk_epoch for SQLite's unixepoch.
// SQLite stores have nothing to do.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed']; // code = index, else 7
const PRIORITIES = ['urgent', 'high', 'normal', 'low']; // code = index, else that of normal

const status = (e: string) => `coalesce(case ${e} ${STATUSES.map((s, i) => `when '${s}' then ${i}`).join(' ')} end, 7)`;
const priority = (e: string) => `coalesce(case ${e} ${PRIORITIES.map((p, i) => `when '${p}' then ${i}`).join(' ')} end, 2)`;

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  if (dialect.name !== 'postgres') return;
  await sql.raw(`create or replace function desk_epoch(t text) returns bigint
    language plpgsql immutable strict parallel safe as $$
    begin
      if t !~* '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})$' then
        return null;
      end if;
      return floor(extract(epoch from t::timestamptz));
    exception when others then
      return null;
    end $$`).execute(db);
  const created = 'desk_epoch(tickets.created_at)';
  await sql.raw(`update tickets set clock_inputs = case when ${created} is null then '' else
    tickets.id::text || ',' || ${created}::text || ',' || (coalesce(desk_epoch(tickets.updated_at), ${created}) - ${created})::text || ','
      || (${status('tickets.status')} * 8 + ${priority('tickets.priority')})::text
    || coalesce((select string_agg(',' || x.v::text, '' order by x.id) from (
      select e.id, (desk_epoch(e.at) - ${created}) * 128 + ${status('e.from_value')} * 8 + ${status('e.to_value')} as v
      from events e where e.ticket_id = tickets.id and e.type = 'status' and ${status('e.to_value')} <> 7) x where x.v is not null), '')
    || coalesce((select string_agg(',' || x.v::text, '' order by x.id) from (
      select m.id, (desk_epoch(m.date) - ${created}) * 128 + 64 + (case when m.direction = 'out' then 1 else 0 end) as v
      from messages m where m.ticket_id = tickets.id and m.auto_reason is null) x where x.v is not null), '')
  end`).execute(db);
}
