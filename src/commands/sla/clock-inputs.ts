// The SLA reader of SQLite stores: one pass over the tickets table, reading each ticket's
// clock_inputs (migration 4), kept up to date by every write. SQLite concatenates them into one
// blob of numbers per batch (domain/sla/inputs.ts) and the text fields asked for into JSON
// arrays, so reading 200,000 tickets makes no JavaScript object per ticket.
//
// It selects exactly what the reader of events and messages (sqlite-histories.ts) selects, with
// the same filters, and reads the same histories: a ticket whose clock_inputs is null (written
// by code that does not keep the column) has it computed from its events and messages here.
import { openSnapshot } from '../../store/snapshot.js';
import { parseNumbers, type ClockInputBatch } from '../../domain/sla/inputs.js';
import { clockInputsOf } from '../../store/repos/clock-inputs.js';
import { organisationOfSql } from '../../store/repos/customer-sql.js';
import type { SlaReadOptions } from './histories.js';
import { sqliteQueryCondition } from '../../store/query.js';

const BATCH = 250_000; // tickets per read, about

type TextField = 'subject' | 'queue' | 'tier' | 'assignee' | 'tags';
const TEXT_FIELDS: TextField[] = ['subject', 'queue', 'tier', 'assignee', 'tags'];

export function* readClockInputs(file: string, opts: SlaReadOptions, batchSize = BATCH): Generator<ClockInputBatch> {
  const snapshot = openSnapshot(file); // one snapshot for every read below
  const db = snapshot.db;
  try {
    // '' = a created_at SQLite cannot read: no clock can run, and the other readers skip it too.
    // A merged ticket's conversation is measured on the ticket it went into (docs/sla.md).
    const where = ['t.id >= @lo', 't.id < @hi', 't.merged_into is null', `(t.clock_inputs <> '' or (t.clock_inputs is null and unixepoch(t.created_at) is not null))`];
    const params: Record<string, string | number> = {};
    if (opts.idFrom !== undefined) { where.push('t.id >= @idFrom'); params.idFrom = opts.idFrom; }
    if (opts.idTo !== undefined) { where.push('t.id <= @idTo'); params.idTo = opts.idTo; }
    if (opts.createdFrom) { where.push('t.created_at >= @from'); params.from = opts.createdFrom; }
    if (opts.createdBefore) { where.push('t.created_at < @before'); params.before = opts.createdBefore; }
    if (opts.openAt) { where.push(`(t.status not in ('solved', 'closed') or t.updated_at > @openAt)`); params.openAt = opts.openAt; }
    // A query's condition, as SQLite text with its own (positional) parameters.
    const query = opts.query ? sqliteQueryCondition(opts.query.node, opts.query.now) : { sql: '1 = 1', parameters: [] };
    where.push(`(${query.sql})`);
    const texts = TEXT_FIELDS.filter((f) => opts.fields?.[f] ?? true);
    // As a blob: the bytes go straight to the parser, with no string to decode. Not indexed: the
    // rows come in id order (a range of rowids), whatever the filters, as the other readers' do.
    const org = opts.fields?.organisation === true;
    const read = db.prepare(`select cast(group_concat(coalesce(t.clock_inputs, ${clockInputsOf('t')}), ';') as blob)
        ${texts.map((f) => `, json_group_array(t.${f})`).join('')}${org ? `, json_group_array(${organisationOfSql('t')})` : ''}
      from tickets t not indexed where ${where.join(' and ')}`).raw();

    // Batches are ranges of ids of about batchSize tickets (ids are mostly dense; a sparse range only makes a batch smaller).
    const { lo, hi, n } = db.prepare('select min(id) as lo, max(id) as hi, count(*) as n from tickets').get() as { lo: number | null; hi: number | null; n: number };
    if (lo === null || hi === null) return;
    const width = Math.max(1, Math.ceil((hi - lo + 1) / Math.max(1, Math.ceil(n / batchSize))));
    for (let from = opts.idFrom !== undefined ? Math.max(lo, opts.idFrom) : lo; from <= hi; from += width) {
      if (opts.idTo !== undefined && from > opts.idTo) return;
      const [numbers, ...json] = read.get(...query.parameters, { ...params, lo: from, hi: from + width }) as [Uint8Array | null, ...string[]];
      if (numbers === null) continue; // nothing selected in this range
      const column = (f: TextField) => (texts.includes(f) ? (JSON.parse(json[texts.indexOf(f)]!) as never) : null);
      yield {
        ...parseNumbers(numbers),
        subject: column('subject'), queue: column('queue'), tier: column('tier'), assignee: column('assignee'), tags: column('tags'),
        organisation: org ? (JSON.parse(json[texts.length]!) as (string | null)[]) : null,
      };
    }
  } finally {
    snapshot.close();
  }
}
