// The variables of a canned reply for one ticket: the ticket, the agent replying (from the
// agents table when they are there) and, when a policy is configured, the first-response due time.
import type { Ctx } from '../../cli/context.js';
import { NotFoundError } from '../../errors.js';
import type { AgentProfile } from '../../domain/canned/signature.js';
import { replyVariables, type ReplyVariables } from '../../domain/canned/variables.js';
import { renderTemplate } from '../../domain/canned/render.js';
import { evaluateTicket, type SlaPolicySet } from '../../domain/sla/index.js';
import type { TicketWithHistory } from '../../domain/types.js';
import type { Store } from '../../store/index.js';
import { getAgent } from '../../store/repos/agents.js';
import { localTime } from '../../ui/time.js';

/** The agent as replies present them (display name, signature); just the name when not in the agents table. */
export async function agentOf(store: Store, name: string): Promise<AgentProfile & { email?: string }> {
  try {
    const a = await getAgent(store.db, name);
    return { name: a.name, email: a.email, display_name: a.display_name, signature: a.signature };
  } catch (err) {
    if (err instanceof NotFoundError) return { name };
    throw err;
  }
}

export type DueText = (ticket: TicketWithHistory) => Promise<string | null>;

/**
 * The first-response due time of a ticket as a customer should read it, "2026-03-30 10:30
 * (Europe/Berlin)", or null when no policy is configured or no first-response clock runs. The
 * policy file is read once per returned function.
 */
export function firstResponseDueText(ctx: Ctx): DueText {
  let policy: Promise<{ set: SlaPolicySet; zone: string } | null> | undefined;
  const load = async () => {
    if (!(await ctx.config()).sla) return null;
    const { loadPolicy, agentTimeZone } = await import('../sla/policy-file.js');
    return { set: await loadPolicy(ctx, undefined), zone: await agentTimeZone(ctx) };
  };
  return async (ticket) => {
    const p = await (policy ??= load());
    if (!p) return null;
    const due = evaluateTicket(p.set, ticket, ctx.now()).sla.first_response?.due_at;
    return due ? `${localTime(due, p.zone)} (${p.zone})` : null;
  };
}

/**
 * Variables for `body`. The SLA policy is read only when the body mentions `sla.`, so a broken
 * policy file never stands between an agent and a reply that does not use it.
 */
export async function variablesFor(ctx: Ctx, store: Store, ticket: TicketWithHistory, actor: string, body: string): Promise<ReplyVariables> {
  const variables = replyVariables({
    ticket,
    agent: await agentOf(store, actor),
    firstResponseDue: /\bsla\./.test(body) ? await firstResponseDueText(ctx)(ticket) : null,
  });
  // The agent's signature may use the variables too: {{ agent.signature }} is it filled in.
  if (variables.agent.signature.includes('{')) {
    variables.agent.signature = await renderTemplate('your signature', variables.agent.signature, variables);
  }
  return variables;
}
