import type { Ctx } from '../../cli/context.js';
import { parseInstant } from '../../domain/instant.js';
import { historyJson } from '../../domain/interchange.js';
import { isoSeconds } from '../../domain/types.js';
import { loadHistories } from '../../store/repos/tickets.js';
import { jsonText } from '../../ui/safe-text.js';
import { customerLineJson, orgLineJson } from '../../domain/customers/interchange.js';
import { exportedLines } from '../../store/repos/customer-transfer.js';
import { orgIdOf } from '../../store/repos/organisations.js';
import { queryCondition } from '../../store/query.js';
import { listQuery } from '../query/list-query.js';

const PAGE = 500;

/**
 * Streams every ticket (or those the query matches: every status, unlike list), oldest id first,
 * one JSON line each, respecting stdout back-pressure.
 */
export async function runExport(ctx: Ctx, words: string[], opts: { since?: string; org?: string }): Promise<void> {
  const since = opts.since ? isoSeconds(parseInstant(opts.since, '--since')) : undefined;
  const { query } = await listQuery(ctx, words);
  const store = await ctx.store();
  const orgId = opts.org !== undefined ? await orgIdOf(store.db, opts.org, '--org') : undefined;
  // Organisations first, then the customers ticket lines cannot describe (docs/interchange.md).
  const people = await exportedLines(store.db, orgId);
  const head = [...people.orgs.map(orgLineJson), ...people.customers.map(customerLineJson)];
  if (head.length) await write(ctx, head.map((l) => jsonText(l)).join('\n') + '\n');
  const where = query ? queryCondition(query.node, { dialect: store.dialect, now: query.now }) : undefined;
  let after = 0;
  for (;;) {
    let q = store.db.selectFrom('tickets as t').select('t.id as id').where('t.id', '>', after).orderBy('t.id').limit(PAGE);
    if (since) q = q.where('t.updated_at', '>=', since);
    if (orgId !== undefined) {
      q = q.where('t.requester_id', 'in', (eb) => eb.selectFrom('requesters as r').innerJoin('customer_addresses as ca', 'ca.address', 'r.email')
        .innerJoin('customers as c', 'c.id', 'ca.customer_id').select('r.id').where('c.org_id', '=', orgId));
    }
    if (where) q = q.where(where);
    const ids = (await q.execute()).map((r) => Number(r.id));
    if (!ids.length) break;
    after = ids[ids.length - 1]!;
    const lines = (await loadHistories(store.db, ids)).map((h) => jsonText(historyJson(h))).join('\n') + '\n';
    await write(ctx, lines);
  }
}

async function write(ctx: Ctx, text: string): Promise<void> {
  ctx.io.out(text);
  await ctx.io.drain();
}
