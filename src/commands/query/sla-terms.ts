// is:breached, is:at-risk and due:: judged with the SLA clocks, as `desk sla at-risk` judges them
// (running clocks of unfinished tickets, read from their clock inputs on either backend, never
// as ticket objects), then handed to the store as the ids they hold: `t.id in (…)`.
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { mapTerms, type QueryNode, type Term } from '../../domain/query/index.js';
import { loadPolicyFile } from '../sla/policy-file.js';
import { collectAtRisk } from '../sla/at-risk.js';
import { AT_RISK_WITHIN_S } from '../../domain/sla/at-risk.js';


function slaValues(node: QueryNode, out = new Set<string>()): Set<string> {
  mapTerms(node, (t: Term) => {
    if (t.field === 'sla') out.add(t.value);
    if (t.field === 'due') out.add('due');
    return { kind: 'term', term: t };
  });
  return out;
}

/** The furthest due time a due: term asks about (seconds from now), or 0. */
function dueHorizon(node: QueryNode, nowS: number): number {
  let furthest = 0;
  mapTerms(node, (t: Term) => {
    if (t.field === 'due') {
      // after a time: every running clock may count (a year is beyond any SLA target desk takes)
      const s = t.op === '>' || t.op === '>=' ? 366 * 86400 : Math.ceil(Date.parse(t.at) / 1000) - nowS;
      furthest = Math.max(furthest, s);
    }
    return { kind: 'term', term: t };
  });
  return furthest;
}

function compare(a: number, op: string, b: number): boolean {
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

/** The query with is:breached and is:at-risk replaced by the ids of the tickets they hold at `now`. */
export async function resolveSlaTerms(ctx: Ctx, node: QueryNode, now: Date): Promise<QueryNode> {
  if (!slaValues(node).size) return node;
  if (!(await ctx.config()).sla) {
    throw new UsageError('is:breached, is:at-risk and due: need an SLA policy: name one in the config (sla: ./sla.yaml)', '`desk config set sla ./sla.yaml`');
  }
  const policy = await loadPolicyFile(ctx, undefined);
  const nowS = Math.floor(now.getTime() / 1000);
  // the clocks as `desk sla at-risk` reads them (one reading of the clock inputs on either backend)
  const within = Math.max(AT_RISK_WITHIN_S, dueHorizon(node, nowS));
  const clocks = await collectAtRisk(ctx, policy, { now, within, includeBreached: true });
  const breached = new Set<number>();
  const atRisk = new Set<number>();
  for (const c of clocks) if (c.breached || c.remaining_s <= AT_RISK_WITHIN_S) (c.breached ? breached : atRisk).add(c.id);
  for (const id of breached) atRisk.delete(id); // a ticket with a breached clock is breached, not at risk
  const ids = { breached: [...breached].sort((a, b) => a - b), 'at-risk': [...atRisk].sort((a, b) => a - b) };
  // due: a ticket any of whose running clocks is due so (its earliest for '<', any for '>')
  const dueIds = (op: string, at: string) => {
    const atS = Math.floor(Date.parse(at) / 1000);
    return [...new Set(clocks.filter((c) => compare(Math.floor(Date.parse(c.due_at) / 1000), op, atS)).map((c) => c.id))].sort((a, b) => a - b);
  };
  return mapTerms(node, (t) => ({
    kind: 'term',
    term: t.field === 'sla' ? { field: 'id', values: ids[t.value] } : t.field === 'due' ? { field: 'id', values: dueIds(t.op, t.at) } : t,
  }));
}
