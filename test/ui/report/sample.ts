// A small report over tickets with subjects a hostile sender might choose, for the format tests.
import { evaluateTicket } from '../../../src/domain/sla/clocks.js';
import { policySetFrom } from '../../../src/domain/sla/policy.js';
import { buildReport, type GroupBy, type SlaReport } from '../../../src/domain/sla/report.js';
import type { Message, TicketEvent, TicketWithHistory } from '../../../src/domain/types.js';

export const NOW = new Date('2026-03-10T12:00:00Z');
export const HOSTILE_SUBJECTS = {
  script: '<script>alert("x")</script> & more',
  formula: '=HYPERLINK("http://evil.example","click")',
  escape: 'red \u001b[31malert\u001b[0m, "quoted"',
  pipe: 'a | b, c',
};

const set = policySetFrom({
  calendars: { office: { timezone: 'Europe/Berlin', hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] } } },
  policies: [
    { name: 'urgent', match: { priority: 'urgent' }, calendar: '24x7', first_response: '1h', resolution: '8h' },
    { name: 'default', match: {}, calendar: 'office', first_response: '4h', resolution: '16h', next_response: '4h' },
  ],
  pause_statuses: ['pending'],
}, 'test');

function t(id: number, subject: string, priority: TicketWithHistory['priority'], created: string, messages: Message[], events: TicketEvent[] = []): TicketWithHistory {
  const last = [...events].reverse().find((e) => e.type === 'status');
  return {
    id, subject, priority, status: (last?.to as TicketWithHistory['status']) ?? 'open', tier: 'L1', queue: 'tech', assignee: id % 2 ? 'ana' : null,
    tags: [], requester: { email: 'c@example.com' }, created_at: created, updated_at: created, messages, events,
  };
}
const msg = (direction: 'in' | 'out', date: string): Message => ({ message_id: `<${direction}-${date}@x>`, direction, from: 'x@example.com', date, text: '' });
const solved = (at: string): TicketEvent => ({ at, actor: 'ana', type: 'status', from: 'open', to: 'solved' });

export const TICKETS: TicketWithHistory[] = [
  t(1, HOSTILE_SUBJECTS.script, 'urgent', '2026-02-02T08:00:00Z', [msg('in', '2026-02-02T08:00:00Z'), msg('out', '2026-02-02T08:20:00Z')], [solved('2026-02-02T10:00:00Z')]),
  t(2, HOSTILE_SUBJECTS.formula, 'urgent', '2026-02-10T08:00:00Z', [msg('in', '2026-02-10T08:00:00Z'), msg('out', '2026-02-10T10:00:00Z')], [solved('2026-02-10T12:00:00Z')]),
  t(3, HOSTILE_SUBJECTS.escape, 'normal', '2026-02-17T08:00:00Z', [msg('in', '2026-02-17T08:00:00Z'), msg('out', '2026-02-17T09:00:00Z')], [solved('2026-02-18T09:00:00Z')]),
  t(4, HOSTILE_SUBJECTS.pipe, 'low', '2026-03-09T08:00:00Z', [msg('in', '2026-03-09T08:00:00Z')]),
  t(5, 'Printer on fire', 'normal', '2026-03-02T08:00:00Z', [msg('in', '2026-03-02T08:00:00Z'), msg('out', '2026-03-02T09:00:00Z')]),
];

export function sampleReport(by: GroupBy): SlaReport {
  return buildReport(TICKETS.map((x) => evaluateTicket(set, x, NOW)), { by, timeZone: 'Europe/Berlin', now: NOW });
}

export function sampleEvaluations(now = NOW) {
  return TICKETS.map((x) => evaluateTicket(set, x, now));
}

export const samplePolicies = set;
