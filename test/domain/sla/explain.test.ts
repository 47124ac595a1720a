import { explainTicket } from '../../../src/domain/sla/explain.js';
import { at, H, inbound, officeHours, outbound, statusChange, ticket } from './history.js';

describe('desk sla explain', () => {
  const set = officeHours('Europe/Berlin', { first_response: '4h', resolution: '8h' }, { holidays: ['2026-12-25'] });
  // Thursday 24 December 16:00 local; Friday is a holiday; pending Monday 09:30-10:30; reply Monday 12:00
  const t = ticket({
    id: 7,
    created_at: '2026-12-24T15:00:00Z',
    messages: [inbound('2026-12-24T15:00:00Z'), outbound('2026-12-28T11:00:00Z')],
    events: [statusChange('2026-12-28T08:30:00Z', 'open', 'pending'), statusChange('2026-12-28T09:30:00Z', 'pending', 'open')],
  });
  const explanation = explainTicket(set, t, at('2026-12-28T12:00:00Z'));
  const fr = explanation.clocks.find((c) => c.clock === 'first_response')!;

  it('labels every stretch of the first response: counted, outside hours, holiday, paused', () => {
    expect(fr.segments.map((s) => [s.kind, s.from, s.to, s.seconds])).toEqual([
      ['counted', '2026-12-24T15:00:00Z', '2026-12-24T16:00:00Z', H],
      ['outside_hours', '2026-12-24T16:00:00Z', '2026-12-24T23:00:00Z', 7 * H],
      ['holiday', '2026-12-24T23:00:00Z', '2026-12-25T23:00:00Z', 24 * H],
      ['outside_hours', '2026-12-25T23:00:00Z', '2026-12-28T08:00:00Z', 57 * H],
      ['counted', '2026-12-28T08:00:00Z', '2026-12-28T08:30:00Z', 0.5 * H],
      ['paused', '2026-12-28T08:30:00Z', '2026-12-28T09:30:00Z', H],
      ['counted', '2026-12-28T09:30:00Z', '2026-12-28T11:00:00Z', 1.5 * H],
    ]);
  });

  it('sums the kinds: counted is the elapsed figure, all kinds add up to the wall-clock span', () => {
    expect(fr.sums).toEqual({ counted: 3 * H, outside_hours: 64 * H, holiday: 24 * H, paused: H, solved: 0 });
    expect(fr.elapsed_s).toBe(fr.sums.counted);
    const wall = (Date.parse('2026-12-28T11:00:00Z') - Date.parse('2026-12-24T15:00:00Z')) / 1000;
    expect(Object.values(fr.sums).reduce((a, b) => a + b, 0)).toBe(wall);
  });

  it('names the policy, calendar and zone, and shows a running clock up to now', () => {
    expect(explanation).toMatchObject({ id: 7, policy: 'default', calendar: 'office', timezone: 'Europe/Berlin', now: '2026-12-28T12:00:00Z' });
    const res = explanation.clocks.find((c) => c.clock === 'resolution')!;
    expect(res).toMatchObject({ stopped_at: null, elapsed_s: 4 * H }); // Thursday 1h + Monday 0.5h + 2.5h after the pause
    expect(res.segments[res.segments.length - 1]).toMatchObject({ kind: 'counted', to: '2026-12-28T12:00:00Z' });
  });

  it('shows time spent solved before a reopen as "solved"', () => {
    const reopened = ticket({
      created_at: '2026-01-12T08:00:00Z',
      events: [statusChange('2026-01-12T09:00:00Z', 'open', 'solved'), statusChange('2026-01-12T10:00:00Z', 'solved', 'open'), statusChange('2026-01-12T11:00:00Z', 'open', 'solved')],
    });
    const res = explainTicket(set, reopened, at('2026-01-13T00:00:00Z')).clocks.find((c) => c.clock === 'resolution')!;
    expect(res.segments.map((s) => s.kind)).toEqual(['counted', 'solved', 'counted']);
    expect(res.sums).toMatchObject({ counted: 2 * H, solved: H });
  });
});
