// Builders for ticket histories in SLA tests: only what a clock reads, with readable defaults.
import type { Message, Status, TicketEvent, TicketWithHistory } from '../../../src/domain/types.js';
import { policySetFrom, type SlaPolicySet } from '../../../src/domain/sla/policy.js';

let seq = 0;

export function inbound(date: string, extra: Partial<Message> = {}): Message {
  return { message_id: `<in-${++seq}@example.com>`, direction: 'in', from: 'customer@example.com', date, text: 'hello', ...extra };
}

export function outbound(date: string, extra: Partial<Message> = {}): Message {
  return { message_id: `<out-${++seq}@desk.example>`, direction: 'out', from: 'support@desk.example', date, text: 'hi', author: 'ana', ...extra };
}

export function statusChange(at: string, from: Status, to: Status): TicketEvent {
  return { at, actor: 'ana', type: 'status', from, to };
}

export function note(at: string, text = 'internal'): TicketEvent {
  return { at, actor: 'ana', type: 'note', text };
}

/** A ticket created at `created_at`; its status is what its last status event says unless given. */
export function ticket(partial: Partial<TicketWithHistory> & { created_at: string }): TicketWithHistory {
  const events = partial.events ?? [];
  const lastStatus = [...events].reverse().find((e) => e.type === 'status')?.to as Status | undefined;
  return {
    id: partial.id ?? ++seq,
    subject: 'Export fails',
    status: lastStatus ?? 'open',
    priority: 'normal',
    tier: 'L1',
    queue: 'tech',
    assignee: 'ana',
    tags: [],
    requester: { email: 'customer@example.com' },
    updated_at: partial.created_at,
    messages: [],
    ...partial,
    events,
  };
}

/** Mon–Fri 09:00–17:00 in a zone, one policy with the given targets. */
export function officeHours(timezone: string, targets: Record<string, string>, extra: { holidays?: string[]; pause?: string[] } = {}): SlaPolicySet {
  const day = ['09:00-17:00'];
  return policySetFrom({
    calendars: { office: { timezone, hours: { mon: day, tue: day, wed: day, thu: day, fri: day }, holidays: extra.holidays ?? [] } },
    policies: [{ name: 'default', match: {}, calendar: 'office', ...targets }],
    pause_statuses: extra.pause ?? ['pending', 'on_hold'],
  }, 'test policy');
}

export const at = (iso: string) => new Date(iso);
/** epoch seconds */
export const s = (iso: string) => Math.floor(Date.parse(iso) / 1000);
export const H = 3600;
