// A small desk of tickets made to tell the query language's terms apart (test/cli/query.test.ts,
// bench/): each ticket differs from the others in a field or two that a query looks at.
export const QUERY_NOW = '2026-11-10T12:00:00Z';

interface Spec {
  id: number;
  subject: string;
  status: string;
  priority: string;
  tier: string;
  queue: string | null;
  assignee: string | null;
  tags: string[];
  from: string;
  created: string;
  updated: string;
  /** [direction, date, text, attachment?] */
  messages: [('in' | 'out'), string, string, boolean?][];
  events?: Record<string, unknown>[];
}

const SPECS: Spec[] = [
  { id: 1, subject: 'Export fails with error 500', status: 'open', priority: 'high', tier: 'L1', queue: 'tech', assignee: 'ana', tags: ['api', 'export'], from: 'joe@acme.com',
    created: '2026-11-01T09:00:00Z', updated: '2026-11-09T10:00:00Z', messages: [['in', '2026-11-01T09:00:00Z', 'The export crashes every night', true], ['out', '2026-11-09T10:00:00Z', 'We are on it']] },
  { id: 2, subject: 'Invoice wrong', status: 'pending', priority: 'normal', tier: 'L1', queue: 'billing', assignee: null, tags: ['vip'], from: 'ann@acme.com',
    created: '2026-10-20T08:00:00Z', updated: '2026-11-10T08:00:00Z', messages: [['in', '2026-10-20T08:00:00Z', 'The invoice total is wrong'], ['in', '2026-11-10T08:00:00Z', 'Any news?']] },
  { id: 3, subject: 'Login broken after update', status: 'closed', priority: 'urgent', tier: 'L2', queue: 'tech', assignee: 'sam', tags: [], from: 'bob@other.org',
    created: '2026-11-05T10:00:00Z', updated: '2026-11-06T10:00:00Z', messages: [['in', '2026-11-05T10:00:00Z', 'I cannot log in since the update'], ['out', '2026-11-06T10:00:00Z', 'Fixed, sorry']] },
  { id: 4, subject: 'Café crème order', status: 'new', priority: 'low', tier: 'L1', queue: null, assignee: null, tags: ['vip', 'api'], from: 'zoe@beta.io',
    created: '2026-11-09T23:30:00Z', updated: '2026-11-09T23:30:00Z', messages: [['in', '2026-11-09T23:30:00Z', 'Une crème brûlée, s’il vous plaît']] },
  { id: 5, subject: 'Exporter question', status: 'solved', priority: 'normal', tier: 'L3', queue: 'tech', assignee: 'ana', tags: ['export'], from: 'joe@acme.com',
    created: '2026-09-01T08:00:00Z', updated: '2026-09-02T08:00:00Z', messages: [['in', '2026-09-01T08:00:00Z', 'How do I go about exporting data?'], ['out', '2026-09-02T08:00:00Z', 'Use the export menu']] },
  { id: 6, subject: 'Refund later please', status: 'open', priority: 'normal', tier: 'L1', queue: 'billing', assignee: 'ana', tags: [], from: 'carl@acme.com',
    created: '2026-11-08T08:00:00Z', updated: '2026-11-09T00:00:00Z', messages: [['in', '2026-11-08T08:00:00Z', 'Please refund order 7 next week']],
    events: [{ at: '2026-11-09T00:00:00Z', actor: 'ana', type: 'snooze', to: '2026-11-12T00:00:00Z' }] },
  { id: 7, subject: 'Refund now', status: 'open', priority: 'high', tier: 'L2', queue: 'billing', assignee: 'sam', tags: ['refund'], from: 'dora@other.org',
    created: '2026-11-07T08:00:00Z', updated: '2026-11-08T00:00:00Z', messages: [['in', '2026-11-07T08:00:00Z', 'Refund order 8 right away']],
    events: [{ at: '2026-11-08T00:00:00Z', actor: 'sam', type: 'snooze', to: '2026-11-09T00:00:00Z' }] },
  { id: 8, subject: 'Question about API limits', status: 'on_hold', priority: 'low', tier: 'L2', queue: 'tech', assignee: 'sam', tags: ['api'], from: 'eve@sub.acme.com',
    created: '2026-11-10T09:00:00Z', updated: '2026-11-10T09:00:00Z', messages: [['in', '2026-11-10T09:00:00Z', 'What are the rate limits of the API? export too']] },
];

export function queryDataLines(): string {
  return SPECS.map((s) => JSON.stringify({
    id: s.id, subject: s.subject, status: s.status, priority: s.priority, tier: s.tier, queue: s.queue, assignee: s.assignee, tags: s.tags,
    requester: { email: s.from, name: null }, created_at: s.created, updated_at: s.updated,
    messages: s.messages.map(([direction, date, text, att], i) => ({
      message_id: `<q${s.id}.${i}@test.example>`, in_reply_to: null, references: [], direction,
      from: direction === 'in' ? s.from : 'support@desk.example', from_name: null,
      to: [direction === 'in' ? 'support@desk.example' : s.from], cc: [], date,
      subject: i ? `Re: ${s.subject}` : s.subject, text, html: null,
      attachments: att ? [{ filename: 'log.txt', content_type: 'text/plain', size: 10, sha256: 'a'.repeat(64) }] : [],
      ...(direction === 'out' ? { author: s.assignee ?? 'ana' } : {}),
    })),
    events: s.events ?? [],
  })).join('\n') + '\n';
}
