// Who gets a new ticket when a rule says "round-robin" or "least-loaded": only agents who work
// the ticket's tier (and its queue, when the rules file lists who works it), never anyone away.
import type { AgentInfo, AssigneeAction, RuleSet } from './types.js';

/** Pool key → name of the agent the strategy picked last; persisted by the caller between tickets. */
export type RoundRobinCursor = Record<string, string>;

export interface PoolScope {
  tier: string;
  queue: string | null;
}

/**
 * The agents a strategy may pick, sorted by name so every run sees the same order.
 * An explicit `among` list overrides tier and queue: the lead named the people.
 */
export function eligibleAgents(
  agents: readonly AgentInfo[],
  scope: PoolScope,
  queueAgents: RuleSet['queueAgents'],
  among?: readonly string[],
): AgentInfo[] {
  const members = scope.queue !== null ? queueAgents[scope.queue] : undefined;
  return agents
    .filter((a) => !a.away)
    .filter((a) => (among ? among.includes(a.name) : a.tier === scope.tier && (!members || members.includes(a.name))))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The next agent after the last one picked, wrapping around; agents who joined or left are handled by name order. */
export function pickRoundRobin(candidates: readonly AgentInfo[], last: string | undefined): AgentInfo | undefined {
  if (!candidates.length) return undefined;
  return (last !== undefined ? candidates.find((a) => a.name > last) : undefined) ?? candidates[0];
}

/** The agent with the fewest open tickets; ties go to the first by name. */
export function pickLeastLoaded(candidates: readonly AgentInfo[], loads: Readonly<Record<string, number>>): AgentInfo | undefined {
  let best: AgentInfo | undefined;
  for (const a of candidates) {
    if (!best || (loads[a.name] ?? 0) < (loads[best.name] ?? 0)) best = a;
  }
  return best;
}

/** Round-robin cursors are kept per rule and pool, so two rules (or two tiers) do not share turns. */
export function cursorKey(ruleName: string, scope: PoolScope, among?: readonly string[]): string {
  const pool = among ? `among:${[...among].sort().join(',')}` : `${scope.tier}/${scope.queue ?? ''}`;
  return `${ruleName}|${pool}`;
}

export interface StrategyChoice {
  agent: AgentInfo | undefined;
  /** set when the cursor moved */
  cursorUpdate?: { key: string; name: string };
}

export function chooseByStrategy(
  action: Extract<AssigneeAction, { kind: 'strategy' }>,
  ruleName: string,
  scope: PoolScope,
  pool: { agents: readonly AgentInfo[]; loads: Readonly<Record<string, number>>; cursor: RoundRobinCursor; queueAgents: RuleSet['queueAgents'] },
): StrategyChoice {
  const candidates = eligibleAgents(pool.agents, scope, pool.queueAgents, action.among);
  if (action.strategy === 'least-loaded') return { agent: pickLeastLoaded(candidates, pool.loads) };
  const key = cursorKey(ruleName, scope, action.among);
  const agent = pickRoundRobin(candidates, pool.cursor[key]);
  return { agent, cursorUpdate: agent ? { key, name: agent.name } : undefined };
}

export interface Handover {
  /** who has the ticket in its new tier (unchanged when the assignee works that tier) */
  assignee: string | null;
  cursorUpdate?: { key: string; name: string };
  warning?: string;
}

/**
 * Who gets a ticket that moves into `tier` (escalated or moved back down). An assignee who works
 * that tier keeps it; otherwise the tier's assignment from the rules file (`tier_assignment`)
 * picks someone of that tier who is not away, and with none configured (or nobody available) the
 * ticket waits unassigned in the new tier's queue. It never stays with an agent of another tier.
 */
export function handoverAssignee(
  ticket: { assignee: string | null; queue: string | null },
  tier: string,
  rules: Pick<RuleSet, 'tierAssignment' | 'queueAgents'> | null,
  pool: { agents: readonly AgentInfo[]; loads: Readonly<Record<string, number>>; cursor: RoundRobinCursor },
): Handover {
  const current = ticket.assignee === null ? undefined : pool.agents.find((a) => a.name === ticket.assignee);
  if (current && current.tier === tier) return { assignee: current.name };
  const action = rules?.tierAssignment?.[tier] ?? null;
  if (!action) return { assignee: null };
  if (action.kind === 'agent') {
    const agent = pool.agents.find((a) => a.name === action.name);
    if (agent && !agent.away) return { assignee: agent.name };
    return { assignee: null, warning: `tier_assignment.${tier}: agent '${action.name}' is ${agent ? 'away' : 'unknown'}; the ticket waits unassigned` };
  }
  const choice = chooseByStrategy(action, `tier_assignment.${tier}`, { tier, queue: ticket.queue }, { ...pool, queueAgents: rules?.queueAgents ?? {} });
  if (!choice.agent) return { assignee: null, warning: `tier_assignment.${tier}: no agent of tier ${tier} is available; the ticket waits unassigned` };
  return { assignee: choice.agent.name, cursorUpdate: choice.cursorUpdate };
}
