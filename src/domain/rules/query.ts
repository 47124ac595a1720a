// A rule's `query:` condition: a query of the query language (docs/cli.md: Queries), read when
// the rules file is read (a broken query is refused with its column) and judged in memory on the
// ticket as the rule sees it (domain/query/evaluate.ts). Times such as `age:<2d` are relative to
// the moment the rule runs, so the query is parsed again for each new `now` (cheap, and cached
// for the instant).
import { mentions, parseQuery, QueryError, type QueryNode, type Term } from '../query/index.js';

export interface RuleQuery {
  /** the query as the lead wrote it (quoted in explanations) */
  source: string;
  /** the query, its relative times resolved at `now` */
  at(now: Date): QueryNode;
  /** whether a term of it is about this field */
  mentions(field: Term['field']): boolean;
}

export interface RuleQueryContext {
  tiers: readonly string[];
  /** the zone dates such as 2026-11-01 are days of */
  timeZone: string;
  /**
   * Fields whose value is not known where the rule runs, with the reason: a triage rule judges a
   * ticket before it has an id, links, a rating or SLA clocks.
   */
  unknown?: Partial<Record<Term['field'], string>>;
}

/** Thrown for a query the rule cannot use; `detail` holds the query and a caret where there is one. */
export class RuleQueryProblem extends Error {
  constructor(message: string, readonly detail?: string) {
    super(message);
  }
}

export function ruleQuery(source: string, ctx: RuleQueryContext): RuleQuery {
  const parse = (now: Date) => parseQuery(source, { now, tiers: ctx.tiers, timeZone: ctx.timeZone });
  let checked: QueryNode;
  try {
    // Whether it reads does not depend on `now`; any instant will do to check it.
    checked = parse(new Date(0));
  } catch (err) {
    if (err instanceof QueryError) throw new RuleQueryProblem(err.message, err.hint);
    throw err;
  }
  for (const [field, why] of Object.entries(ctx.unknown ?? {})) {
    if (mentions(checked, field as Term['field'])) throw new RuleQueryProblem(`${termName(field as Term['field'])} ${why}`);
  }
  let cached: { at: number; node: QueryNode } | null = null;
  return {
    source,
    at(now) {
      const at = Math.floor(now.getTime() / 1000);
      if (cached?.at !== at) cached = { at, node: parse(now) };
      return cached.node;
    },
    mentions: (field) => mentions(checked, field),
  };
}

/** How the lead wrote a field in the query, for messages. */
function termName(field: Term['field']): string {
  switch (field) {
    case 'sla': return 'is:breached and is:at-risk';
    case 'requester': return 'from:';
    case 'priority': return 'prio:';
    default: return `${field}:`;
  }
}
