import { evaluateTicket, type TicketEvaluation } from '../../../src/domain/sla/clocks.js';
import { policySetFrom } from '../../../src/domain/sla/policy.js';
import { buildReport, SlaReportBuilder } from '../../../src/domain/sla/report.js';
import { periodKey } from '../../../src/domain/sla/periods.js';
import { dayOfIsoDate } from '../../../src/domain/sla/local-days.js';
import { percentile } from '../../../src/domain/sla/stats.js';
import { atRiskClocks, sortAtRisk } from '../../../src/domain/sla/at-risk.js';
import { at, H, inbound, outbound, statusChange, ticket } from './history.js';

const set = policySetFrom({ policies: [{ name: 'all', match: {}, calendar: '24x7', first_response: '1h', resolution: '4h' }], pause_statuses: ['pending'] }, 'test');
const NOW = at('2026-01-21T12:00:00Z');
const plus = (iso: string, hours: number) => new Date(Date.parse(iso) + hours * H * 1000).toISOString();

function solvedTicket(id: number, priority: 'urgent' | 'normal' | 'low', assignee: string | null, created: string, replies: number[], solvedAfter: number) {
  return ticket({
    id, priority, assignee, created_at: created,
    messages: [inbound(created), ...replies.map((r) => outbound(plus(created, r)))],
    events: [statusChange(plus(created, solvedAfter), 'open', 'solved')],
  });
}

// A: urgent, answered in 30m, solved in 2h, one reply → met, first contact
// B: urgent, answered in 2h (late), solved in 3h → breached
// C: normal, answered in 10m, resolution running 3h at now → in progress
// D: normal, unanswered for 2h at now → breached while running
// E: low, two replies, solved in 1h → met, not first contact
const tickets = [
  solvedTicket(1, 'urgent', 'ana', '2026-01-12T08:00:00Z', [0.5], 2),
  solvedTicket(2, 'urgent', 'bo', '2026-01-13T08:00:00Z', [2], 3),
  ticket({ id: 3, priority: 'normal', assignee: 'ana', created_at: '2026-01-21T09:00:00Z', messages: [inbound('2026-01-21T09:00:00Z'), outbound('2026-01-21T09:10:00Z')] }),
  ticket({ id: 4, priority: 'normal', assignee: null, created_at: '2026-01-21T10:00:00Z', messages: [inbound('2026-01-21T10:00:00Z')] }),
  solvedTicket(5, 'low', 'ana', '2026-01-14T08:00:00Z', [1 / 3, 2 / 3], 1),
];
const evaluations: TicketEvaluation[] = tickets.map((t) => evaluateTicket(set, t, NOW));
const report = (by: Parameters<typeof buildReport>[1]['by'], timeZone = 'UTC') => buildReport(evaluations, { by, timeZone, now: NOW });

describe('sla report figures', () => {
  it('by priority: outcomes, compliance, nearest-rank median and p90, first-contact resolution', () => {
    const r = report('priority');
    expect(r.groups).toEqual([
      { key: 'urgent', tickets: 2, met: 1, breached: 1, in_progress: 0, compliance: 0.5,
        first_response_median_s: 1800, first_response_p90_s: 7200, resolution_median_s: 7200, resolution_p90_s: 10800, solved: 2, fcr_rate: 1, csat_surveys: 0, csat_responses: 0, csat_response_rate: null, csat_average: null, csat_score: null },
      // D's running first response is left out of the times (not final); C's running resolution too
      { key: 'normal', tickets: 2, met: 0, breached: 1, in_progress: 1, compliance: 0,
        first_response_median_s: 600, first_response_p90_s: 600, resolution_median_s: null, resolution_p90_s: null, solved: 0, fcr_rate: null, csat_surveys: 0, csat_responses: 0, csat_response_rate: null, csat_average: null, csat_score: null },
      { key: 'low', tickets: 1, met: 1, breached: 0, in_progress: 0, compliance: 1,
        first_response_median_s: 1200, first_response_p90_s: 1200, resolution_median_s: 3600, resolution_p90_s: 3600, solved: 1, fcr_rate: 0, csat_surveys: 0, csat_responses: 0, csat_response_rate: null, csat_average: null, csat_score: null },
    ]);
    expect(r.total).toEqual({ key: '(total)', tickets: 5, met: 2, breached: 2, in_progress: 1, compliance: 0.5,
      first_response_median_s: 1200, first_response_p90_s: 7200, resolution_median_s: 7200, resolution_p90_s: 10800, solved: 3, fcr_rate: 0.6667, csat_surveys: 0, csat_responses: 0, csat_response_rate: null, csat_average: null, csat_score: null });
  });

  it('by agent puts the unassigned last', () => {
    expect(report('agent').groups.map((g) => [g.key, g.tickets])).toEqual([['ana', 3], ['bo', 1], ['(unassigned)', 1]]);
  });

  it('by week uses ISO weeks of the creation date, and the breakdown falls back to priority', () => {
    const r = report('week');
    expect(r.groups.map((g) => [g.key, g.tickets])).toEqual([['2026-W03', 3], ['2026-W04', 2]]);
    expect(r.breakdown.by).toBe('priority');
    expect(r.trend.period).toBe('week');
  });

  it('by day reads the creation date in the report zone', () => {
    const late = evaluateTicket(set, ticket({ created_at: '2026-01-21T03:00:00Z' }), NOW);
    const days = (zone: string) => buildReport([late], { by: 'day', timeZone: zone, now: NOW }).groups.map((g) => g.key);
    expect(days('UTC')).toEqual(['2026-01-21']);
    expect(days('America/New_York')).toEqual(['2026-01-20']);
  });

  it('by ticket lists the spec objects and keeps a trend by day for a short span', () => {
    const r = report('ticket');
    expect(r.tickets.map((t) => t.id)).toEqual([1, 2, 3, 4, 5]);
    expect(r.tickets[3]).toEqual({ id: 4, subject: 'Export fails', policy: 'all',
      first_response: { target_s: 3600, elapsed_s: 7200, breached: true, stopped: false, due_at: '2026-01-21T11:00:00Z' },
      resolution: { target_s: 14400, elapsed_s: 7200, breached: false, stopped: false, due_at: '2026-01-21T14:00:00Z' },
      next_response: null });
    expect(r.trend.period).toBe('day');
    expect(r.trend.points.map((p) => [p.key, p.compliance])).toEqual([
      ['2026-01-12', 1], ['2026-01-13', 0], ['2026-01-14', 1], ['2026-01-21', 0],
    ]);
  });

  it('a different policy on the same history gives different compliance (what-if for a new contract)', () => {
    const looser = policySetFrom({ policies: [{ name: 'loose', match: {}, calendar: '24x7', first_response: '3h', resolution: '8h' }] }, 'test');
    const r = buildReport(tickets.map((t) => evaluateTicket(looser, t, NOW)), { by: 'priority', timeZone: 'UTC', now: NOW });
    expect(r.total).toMatchObject({ met: 3, breached: 0, in_progress: 2, compliance: 1 });
  });
});

describe('report state across threads', () => {
  it.each(['priority', 'ticket', 'week', 'agent'] as const)('two builders merged give the report of one (by %s)', (by) => {
    const opts = { by, timeZone: 'UTC', now: NOW };
    const lower = new SlaReportBuilder(opts), upper = new SlaReportBuilder(opts);
    evaluations.slice(0, 2).forEach((e) => lower.add(e));
    evaluations.slice(2).forEach((e) => upper.add(e));
    // what crosses a thread boundary is plain data: simulate it
    lower.merge(structuredClone(upper.state()));
    expect(lower.finish()).toEqual(report(by));
  });
});

describe('periods and percentiles', () => {
  it.each([['2026-01-01', '2026-W01'], ['2027-01-01', '2026-W53'], ['2024-12-30', '2025-W01'], ['2026-03-29', '2026-W13']])('%s is in ISO week %s', (date, week) => {
    expect(periodKey(dayOfIsoDate(date)!, 'week')).toBe(week);
  });

  it('nearest-rank percentiles are values that occurred', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([5], 90)).toBe(5);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('at-risk clocks', () => {
  it('lists running clocks due within the window, most urgent first, leaving out breached and paused ones', () => {
    const now = at('2026-02-02T10:00:00Z');
    const list = [
      ticket({ id: 10, created_at: '2026-02-02T09:30:00Z' }), // first response due 10:30
      ticket({ id: 11, created_at: '2026-02-02T09:10:00Z' }), // due 10:10
      ticket({ id: 12, created_at: '2026-02-02T07:00:00Z' }), // first response breached at 08:00; resolution due 11:00
      ticket({ id: 13, created_at: '2026-02-02T09:50:00Z', events: [statusChange('2026-02-02T09:55:00Z', 'open', 'pending')] }),
    ].map((t) => evaluateTicket(set, t, now));
    const risky = sortAtRisk(list.flatMap((e) => atRiskClocks(e, { within: 2 * H })));
    expect(risky.map((r) => [r.id, r.clock, r.due_at, r.remaining_s])).toEqual([
      [11, 'first_response', '2026-02-02T10:10:00Z', 600],
      [10, 'first_response', '2026-02-02T10:30:00Z', 1800],
      [12, 'resolution', '2026-02-02T11:00:00Z', 3600],
    ]);
    const withBreached = sortAtRisk(list.flatMap((e) => atRiskClocks(e, { within: 2 * H, includeBreached: true })));
    expect(withBreached[0]).toMatchObject({ id: 12, clock: 'first_response', breached: true, remaining_s: -2 * H });
  });
});
