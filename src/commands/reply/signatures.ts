// How a reply is signed: the agent's signature, then the team's: the signature of the ticket's
// queue (config `queues.<name>.signature`), else of the mail account (`accounts[].signature`) whose
// tickets land in that queue, else of the account the reply is sent from. Each is Liquid, filled
// in with the variables of canned replies for this ticket.
import type { Config } from '../../config.js';
import { renderTemplate } from '../../domain/canned/render.js';
import type { ReplyVariables } from '../../domain/canned/variables.js';

export interface TeamSignature {
  /** names it in errors: "the signature of queue billing" */
  what: string;
  template: string;
}

const given = (s: unknown): s is string => typeof s === 'string' && s.trim() !== '';

/** The team's signature for a ticket of `queue` answered from `fromAddress`, or null when none is set. */
export function teamSignatureOf(config: Config, queue: string | null, fromAddress: string): TeamSignature | null {
  const q = queue !== null ? config.queues?.[queue] : undefined;
  if (q && given(q.signature)) return { what: `the signature of queue ${queue}`, template: q.signature };
  const accounts = config.accounts ?? [];
  const byQueue = queue !== null ? accounts.find((a) => a?.queue === queue && given(a.signature)) : undefined;
  const from = fromAddress.toLowerCase();
  const account = byQueue ?? accounts.find((a) => typeof a?.address === 'string' && a.address.toLowerCase() === from && given(a.signature));
  return account ? { what: `the signature of account ${account.name}`, template: account.signature! } : null;
}

/** Both signatures rendered for this reply: the agent's (null when not wanted) and the team's. */
export async function renderSignatures(
  agent: string | null,
  team: TeamSignature | null,
  variables: ReplyVariables,
): Promise<{ agent: string | null; team: string | null }> {
  const clean = (s: string) => s.replace(/\r\n/g, '\n').split('\n').map((l) => l.trimEnd()).join('\n').trim();
  return {
    agent: agent === null ? null : clean(await renderTemplate('your signature', agent, variables)) || null,
    team: team === null ? null : clean(await renderTemplate(team.what, team.template, variables)) || null,
  };
}
