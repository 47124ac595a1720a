// The variables a canned reply can use, built from the ticket, the agent and the SLA due time.
// A value the desk does not know (a requester without a name, an agent without an address) is
// left out rather than set to '' so that `{{customer.first_name}}` is refused before sending, not
// mailed as "Hi ,", while `{{customer.first_name | default: "there"}}` still falls back.
import type { Ticket } from '../types.js';
import { displayNameOf, signatureOf, type AgentProfile } from './signature.js';
import { trimChars } from '../linear-text.js';

export interface ReplyVariables {
  customer: { email: string; name?: string; first_name?: string };
  ticket: { id: number; subject: string; status: string; priority: string };
  /** name: the display name ("Ana Costa", else the login name); login: the short name */
  agent: { name: string; login: string; email?: string; signature: string };
  sla: { first_response_due: string };
}

/** The names a template may use, for error hints and `desk canned` help. */
export const VARIABLE_NAMES = [
  'customer.first_name', 'customer.name', 'customer.email',
  'ticket.id', 'ticket.subject', 'ticket.status', 'ticket.priority',
  'agent.name', 'agent.login', 'agent.email', 'agent.signature', 'sla.first_response_due',
] as const;

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;

function clean(s: string | null | undefined): string | undefined {
  const v = String(s ?? '').replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim();
  return v || undefined;
}

const HONORIFIC = /^(mr|mrs|ms|mx|dr|prof|sr|sra|herr|frau)\.?$/i;

/**
 * The given name in a display name: "João Silva" → "João", "Silva, João" → "João",
 * "Dr. Jane Doe" → "Jane". Undefined when there is no usable name (none, or an address).
 */
export function firstNameOf(displayName: string | null | undefined): string | undefined {
  const raw = clean(displayName);
  const name = raw === undefined ? undefined : trimChars(raw, `"'`).trim();
  if (!name || name.includes('@')) return undefined;
  const comma = name.indexOf(',');
  const given = comma > 0 ? name.slice(comma + 1).trim() : name;
  const words = given.split(' ').filter(Boolean);
  while (words.length > 1 && HONORIFIC.test(words[0]!)) words.shift();
  return words[0] || undefined;
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export interface ReplyVariableInput {
  ticket: Pick<Ticket, 'id' | 'subject' | 'status' | 'priority' | 'requester'>;
  agent: AgentProfile & { email?: string | null };
  /** The first-response due time as the agent should read it, or null when none applies. */
  firstResponseDue: string | null;
}

export function replyVariables({ ticket, agent, firstResponseDue }: ReplyVariableInput): ReplyVariables {
  const name = clean(ticket.requester.name);
  return {
    customer: withoutUndefined({
      email: ticket.requester.email,
      name: name && !name.includes('@') ? name : undefined,
      first_name: firstNameOf(name),
    }),
    ticket: { id: ticket.id, subject: clean(ticket.subject) ?? '', status: ticket.status, priority: ticket.priority },
    agent: withoutUndefined({ name: displayNameOf(agent), login: agent.name, email: clean(agent.email), signature: signatureOf(agent) }),
    sla: { first_response_due: firstResponseDue ?? '' },
  };
}
