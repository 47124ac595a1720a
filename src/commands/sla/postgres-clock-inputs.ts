// The SLA reader of PostgreSQL stores: tickets.clock_inputs (kept by every write since migration
// 12), a batch of tickets per query in id order. The server concatenates a batch's texts into one
// string of numbers (domain/sla/inputs.ts) and the text fields asked for into JSON arrays, so a
// report of 200,000 tickets makes no JavaScript object per ticket and no query per ticket, just as
// on SQLite (clock-inputs.ts). It selects what the portable reader of events and messages
// (readSlaTickets in histories.ts) selects, with the same filters; a ticket whose clock_inputs is
// null (written by code that does not keep the column) has it computed from its events and
// messages here, and '' (a created_at PostgreSQL cannot read) is a ticket no clock can measure.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { parseNumbers, type ClockInputBatch } from '../../domain/sla/inputs.js';
import { clockInputsOf } from '../../store/repos/clock-inputs.js';
import { organisationOfSql } from '../../store/repos/customer-sql.js';
import type { DB } from '../../store/schema.js';
import type { SlaReadOptions } from './histories.js';
import { queryCondition } from '../../store/query.js';

const BATCH = 50_000; // tickets per query

type TextField = 'subject' | 'queue' | 'tier' | 'assignee' | 'tags';
const TEXT_FIELDS: TextField[] = ['subject', 'queue', 'tier', 'assignee', 'tags'];

interface Row {
  numbers: string | null;
  last: number | string | null;
  n: number | string;
  [field: string]: unknown;
}

/**
 * Hands the selected tickets' clock inputs to `onBatch`, a batch at a time in id order. Every batch
 * is read in one read-only transaction (REPEATABLE READ), so that all of them see one state of the
 * desk, as the SQLite reader's snapshot does. Without JIT: the planner prices the on-the-spot
 * computation for tickets without the column far above what the query costs (it runs only for
 * those), and compiling the query took seconds for 50,000 tickets read in 0.2 s.
 */
export async function readPostgresClockInputs(db: Kysely<DB>, opts: SlaReadOptions, onBatch: (batch: ClockInputBatch) => void | Promise<void>, batchSize = BATCH): Promise<void> {
  const texts = TEXT_FIELDS.filter((f) => opts.fields?.[f] ?? true);
  // A merged ticket's conversation is measured on the ticket it went into (docs/sla.md).
  const where: RawBuilder<unknown>[] = [sql`t.merged_into is null`, sql`(t.clock_inputs <> '' or (t.clock_inputs is null and desk_epoch(t.created_at) is not null))`];
  if (opts.idFrom !== undefined) where.push(sql`t.id >= ${opts.idFrom}`);
  if (opts.idTo !== undefined) where.push(sql`t.id <= ${opts.idTo}`);
  if (opts.createdFrom) where.push(sql`t.created_at >= ${opts.createdFrom}`);
  if (opts.createdBefore) where.push(sql`t.created_at < ${opts.createdBefore}`);
  if (opts.openAt) where.push(sql`(t.status not in ('solved', 'closed') or t.updated_at > ${opts.openAt})`);
  if (opts.query) where.push(queryCondition(opts.query.node, { dialect: 'postgres', now: opts.query.now }));
  const inputs = sql.raw(`coalesce(t.clock_inputs, ${clockInputsOf('t', 'postgres')})`);
  const org = opts.fields?.organisation === true;
  const columns = sql.raw(texts.map((f) => `, json_agg(s.${f} order by s.id) as ${f}`).join('') + (org ? ', json_agg(s.organisation order by s.id) as organisation' : ''));
  const selected = sql.raw(texts.map((f) => `, t.${f}`).join('') + (org ? `, ${organisationOfSql('t')} as organisation` : ''));
  await db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(async (tx) => {
    await sql`select set_config('jit', 'off', true) from pg_settings where name = 'jit'`.execute(tx);
    let after: number | null = null;
    for (;;) {
      const conditions: RawBuilder<unknown>[] = after === null ? where : [...where, sql`t.id > ${after}`];
      const { rows }: { rows: Row[] } = await sql<Row>`select string_agg(s.inputs, ';' order by s.id) as numbers, max(s.id) as last, count(*) as n ${columns}
        from (select t.id, ${inputs} as inputs ${selected} from tickets t where ${sql.join(conditions, sql` and `)} order by t.id limit ${batchSize}) s`.execute(tx);
      const row: Row | undefined = rows[0];
      if (!row || row.numbers === null) return;
      const column = (f: TextField) => (texts.includes(f) ? (jsonArray(row[f]) as never) : null);
      await onBatch({
        ...parseNumbers(Buffer.from(row.numbers, 'latin1')),
        subject: column('subject'), queue: column('queue'), tier: column('tier'), assignee: column('assignee'), tags: column('tags'),
        organisation: org ? (jsonArray(row.organisation) as (string | null)[]) : null,
      });
      if (Number(row.n) < batchSize) return;
      after = Number(row.last);
    }
  });
}

/** json_agg comes back parsed by the driver, or as text where it is not. */
const jsonArray = (v: unknown): unknown[] => (typeof v === 'string' ? (JSON.parse(v) as unknown[]) : (v as unknown[]));
