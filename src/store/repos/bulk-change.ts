// Bulk changes (docs/cli.md, "Bulk changes"): the tickets a query matches as ids with the
// version read (paged through by id, never loading whole tickets), and the changes applied in
// batches, one write transaction per batch, each ticket through the single-ticket change
// (applyChanges: its own events, version bump, hooks, notifications). A ticket written since
// the plan read it is skipped and reported, never overwritten.
import type { Kysely } from 'kysely';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { Change } from '../../domain/ticket.js';
import type { QueryNode } from '../../domain/query/index.js';
import type { RuleSet } from '../../domain/rules/types.js';
import type { DB } from '../schema.js';
import type { Store } from '../index.js';
import { dialectOf } from '../handle.js';
import { queryCondition } from '../query.js';
import { applyChanges } from './tickets.js';
import { applyChangesWithHandover } from '../rules.js';

type Db = Kysely<DB>;

/** One ticket of a plan: its id and the version the plan read. */
export interface PlannedTicket {
  id: number;
  version: number;
}

const PAGE = 5000;

/** The tickets the query matches (all of them, ascending id), with their versions. */
export async function planTargets(db: Db, query: { node: QueryNode; now: string } | null, ids?: readonly number[]): Promise<PlannedTicket[]> {
  const out: PlannedTicket[] = [];
  let after = 0;
  for (;;) {
    let q = db.selectFrom('tickets as t').select(['t.id', 't.version']).where('t.id', '>', after).orderBy('t.id').limit(PAGE);
    if (query) q = q.where(queryCondition(query.node, { dialect: dialectOf(db).name, now: query.now }));
    if (ids) q = q.where('t.id', 'in', ids.length ? [...ids] : [-1]);
    const rows = await q.execute();
    for (const r of rows) out.push({ id: Number(r.id), version: Number(r.version ?? 0) });
    if (rows.length < PAGE) return out;
    after = out.at(-1)!.id;
  }
}

/** Subjects of a few tickets (the plan's sample). */
export async function subjectsOf(db: Db, ids: readonly number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map();
  const rows = await db.selectFrom('tickets').select(['id', 'subject']).where('id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [Number(r.id), r.subject]));
}

export interface BulkOutcome {
  /** changed: the ticket got its events; unchanged: it already was as asked */
  changed: number[];
  unchanged: number[];
  /** written by someone else since the plan read it (or gone): not changed, with why */
  skipped: { id: number; message: string }[];
}

export interface BulkApplyOptions {
  actor: string;
  at: string;
  /** tickets per write transaction */
  batchSize?: number;
  /** escalations go through the tier handover of the rules file */
  rules?: RuleSet | null;
  onProgress?: (done: number, total: number) => void;
}

/** Applies the same changes to every planned ticket, batch by batch. */
export async function applyBulk(store: Store, plan: readonly PlannedTicket[], changes: Change[], opts: BulkApplyOptions): Promise<BulkOutcome> {
  const out: BulkOutcome = { changed: [], unchanged: [], skipped: [] };
  const size = Math.max(1, opts.batchSize ?? 500);
  const handover = changes.some((c) => c.type === 'escalate');
  for (let i = 0; i < plan.length; i += size) {
    const batch = plan.slice(i, i + size);
    const result = await store.write(async (tx) => {
      const r: BulkOutcome = { changed: [], unchanged: [], skipped: [] };
      for (const p of batch) {
        const basis = { version: p.version, strict: true };
        try {
          const events = handover
            ? (await applyChangesWithHandover(tx, p.id, changes, opts.actor, opts.at, { rules: opts.rules ?? null, basis })).events
            : await applyChanges(tx, p.id, changes, opts.actor, opts.at, basis);
          (events.length ? r.changed : r.unchanged).push(p.id);
        } catch (err) {
          // Refused before anything of this ticket was written: the batch goes on.
          if (err instanceof ConflictError) r.skipped.push({ id: p.id, message: `${err.message}; not changed` });
          else if (err instanceof NotFoundError) r.skipped.push({ id: p.id, message: `#${p.id} is gone since the plan; not changed` });
          else throw err;
        }
      }
      return r;
    }, { concurrent: true });
    out.changed.push(...result.changed);
    out.unchanged.push(...result.unchanged);
    out.skipped.push(...result.skipped);
    opts.onProgress?.(Math.min(i + size, plan.length), plan.length);
  }
  return out;
}
