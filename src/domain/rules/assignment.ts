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
