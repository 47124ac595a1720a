// Hooks (docs/cli.md, Hooks): which events desk tells the outside world about, what a hook
// subscribes to, the event JSON every hook receives, the sample `desk hooks test` sends, the
// back-off of deliveries, and which SLA clocks are due a `sla.at_risk` / `sla.breached` event.
// Pure: the time is passed in.
import { AT_RISK_WITHIN_S, type AtRiskClock } from './sla/at-risk.js';

export const HOOK_EVENTS = [
  'ticket.created', 'ticket.changed', 'message.received', 'reply.sent', 'sla.at_risk', 'sla.breached', 'mention',
] as const;
export type HookEventName = (typeof HOOK_EVENTS)[number];

export const isHookEvent = (name: unknown): name is HookEventName => typeof name === 'string' && (HOOK_EVENTS as readonly string[]).includes(name);

/** What a hook listens to: a list of event names, or '*' for all of them. */
export type HookOn = readonly HookEventName[] | '*';

export const hookWants = (on: HookOn, event: HookEventName): boolean => on === '*' || on.includes(event);

/** Where a delivery goes: a command run through the shell, or a URL POSTed to. */
export type HookKind = 'command' | 'url';

/**
 * One destination of a configured hook, as the store records deliveries to it: a hook with both
 * a command and a url is two destinations. `hook` is the hook's name (its `name`, else "hooks.N").
 */
export interface HookTarget {
  hook: string;
  kind: HookKind;
  target: string;
  on: HookOn;
}

/** The ticket as an event carries it (the interchange field names, with the store's version). */
export interface HookTicket {
  id: number;
  version: number;
  subject: string;
  status: string;
  priority: string;
  tier: string;
  queue: string | null;
  assignee: string | null;
  tags: string[];
  requester: { email: string; name: string | null };
  created_at: string;
  updated_at: string;
}

export interface HookMessage {
  message_id: string;
  from: string;
  from_name: string | null;
  subject: string | null;
  date: string;
  /** the text, cut at MESSAGE_TEXT_LIMIT characters (text_truncated says so) */
  text: string;
  text_truncated: boolean;
}

export interface HookChange {
  type: string;
  from: string | null;
  to: string | null;
  actor: string;
  at: string;
  reason: string | null;
  text: string | null;
}

export interface HookSla {
  clock: string;
  policy: string;
  target_s: number;
  elapsed_s: number;
  due_at: string;
  remaining_s: number;
}

export interface HookMention {
  /** the agent mentioned (without the @) */
  name: string;
  /** who wrote the mention */
  by: string;
  text: string;
}

/** The JSON a hook receives (stdin of a command, body of a POST). Keys absent where they do not apply. */
export interface HookEvent {
  event: HookEventName;
  /** the event's number in this desk (the same for every hook it goes to) */
  id: number;
  at: string;
  /** true only for `desk hooks test` */
  test?: boolean;
  ticket?: HookTicket;
  /** ticket.changed: what changed, oldest first */
  changes?: HookChange[];
  /** message.received, reply.sent, and ticket.created when the ticket came with a message */
  message?: HookMessage;
  sla?: HookSla;
  mention?: HookMention;
}

export const MESSAGE_TEXT_LIMIT = 10_000;

export function hookMessage(m: { message_id: string; from: string; from_name?: string | null; subject?: string | null; date: string; text: string }): HookMessage {
  const cut = m.text.length > MESSAGE_TEXT_LIMIT;
  return {
    message_id: m.message_id, from: m.from, from_name: m.from_name ?? null, subject: m.subject ?? null, date: m.date,
    text: cut ? m.text.slice(0, MESSAGE_TEXT_LIMIT) : m.text, text_truncated: cut,
  };
}

// ---- deliveries ----------------------------------------------------------------------------

export const DELIVERY_STATES = ['pending', 'sending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** After this many failed attempts a delivery is given up (`failed`), and stays listed. */
export const GIVE_UP_AFTER = 10;

/** 1 min, 2, 4, … capped at an hour (about 6 hours in all before giving up). */
export function hookBackoffMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

// ---- SLA events ------------------------------------------------------------------------------

/** A running clock about to breach (or breached) is warned of this long before its due time. */
export { AT_RISK_WITHIN_S };

/** One SLA event due for a ticket's clock; `cycle` (the clock's start) tells the clock's runs apart. */
export interface SlaFiring {
  kind: 'at_risk' | 'breached';
  ticketId: number;
  clock: string;
  cycle: number;
  sla: HookSla;
}

/**
 * The SLA events that running clocks call for (as `collectAtRisk` lists them: due within
 * AT_RISK_WITHIN_S, breached ones included): `breached` for a clock past its target, else
 * `at_risk`. The caller fires each (ticket, clock, cycle, kind) once.
 */
export function slaFirings(clocks: readonly AtRiskClock[]): SlaFiring[] {
  return clocks.map((c) => ({
    kind: c.breached ? 'breached' : 'at_risk', ticketId: c.id, clock: c.clock, cycle: Date.parse(c.started_at) / 1000,
    sla: { clock: c.clock, policy: c.policy, target_s: c.target_s, elapsed_s: c.elapsed_s, due_at: c.due_at, remaining_s: c.remaining_s },
  }));
}

// ---- samples ---------------------------------------------------------------------------------

/** The event `desk hooks test EVENT` sends: the shape of the real one, marked test: true. */
export function sampleEvent(event: HookEventName, at: string): HookEvent {
  const ticket: HookTicket = {
    id: 0, version: 1, subject: 'Sample ticket from desk hooks test', status: 'open', priority: 'normal', tier: 'L1',
    queue: null, assignee: null, tags: [], requester: { email: 'customer@example.com', name: 'Sample Customer' },
    created_at: at, updated_at: at,
  };
  const message = hookMessage({ message_id: '<sample@desk.invalid>', from: 'customer@example.com', from_name: 'Sample Customer', subject: ticket.subject, date: at, text: 'This is a sample message.' });
  const base: HookEvent = { event, id: 0, at, test: true, ticket };
  switch (event) {
    case 'ticket.created': return { ...base, message };
    case 'ticket.changed': return { ...base, changes: [{ type: 'status', from: 'new', to: 'open', actor: 'desk', at, reason: null, text: null }] };
    case 'message.received': return { ...base, message };
    case 'reply.sent': return { ...base, message: { ...message, from: 'support@example.com', from_name: null, text: 'This is a sample reply.' } };
    case 'sla.at_risk': return { ...base, sla: { clock: 'first_response', policy: 'sample', target_s: 3600, elapsed_s: 3000, due_at: at, remaining_s: 600 } };
    case 'sla.breached': return { ...base, sla: { clock: 'first_response', policy: 'sample', target_s: 3600, elapsed_s: 3900, due_at: at, remaining_s: -300 } };
    case 'mention': return { ...base, mention: { name: 'sample-agent', by: 'desk', text: 'a sample note mentioning @sample-agent' } };
  }
}
