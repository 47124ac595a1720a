import { evaluateTicket, nearestDueAt } from '../../../src/domain/sla/clocks.js';
import { policySetFrom } from '../../../src/domain/sla/policy.js';
import { at, H, inbound, note, officeHours, outbound, statusChange, ticket } from './history.js';

// Berlin office hours in January 2026 (+01:00): Monday the 12th, 09:00 local = 08:00Z.
const MON_0900 = '2026-01-12T08:00:00Z';

describe('the spec', () => {
  it('worked example: created Friday 15:00 Berlin, answered Monday 10:30 after the DST change: 12600 s, met', () => {
    const set = officeHours('Europe/Berlin', { first_response: '4h' });
    const t = ticket({ id: 42, created_at: '2026-03-27T14:00:00Z', messages: [inbound('2026-03-27T14:00:00Z'), outbound('2026-03-30T08:30:00Z')] });
    expect(evaluateTicket(set, t, at('2026-04-01T00:00:00Z')).sla).toEqual({
      id: 42, subject: 'Export fails', policy: 'default',
      first_response: { target_s: 14400, elapsed_s: 12600, breached: false, stopped: true, due_at: null },
      resolution: null,
      next_response: null,
    });
  });

  it('report output example: a running resolution clock past its 16h target is breached, due when it was used up', () => {
    const set = officeHours('Europe/Berlin', { first_response: '4h', resolution: '16h' });
    const t = ticket({ id: 42, created_at: '2026-03-02T08:00:00Z', messages: [inbound('2026-03-02T08:00:00Z'), outbound('2026-03-02T09:00:00Z')] });
    const { sla } = evaluateTicket(set, t, at('2026-03-04T09:00:00Z')); // Wednesday 10:00 local
    expect(sla.first_response).toEqual({ target_s: 14400, elapsed_s: 3600, breached: false, stopped: true, due_at: null });
    // Monday 8h + Tuesday 8h + Wednesday 1h; two working days of target end Tuesday 17:00 local
    expect(sla.resolution).toEqual({ target_s: 57600, elapsed_s: 61200, breached: true, stopped: false, due_at: '2026-03-03T16:00:00Z' });
  });
});

describe('first_response', () => {
  const set = officeHours('Europe/Berlin', { first_response: '4h' });

  it('is not stopped by an internal note', () => {
    const t = ticket({ created_at: MON_0900, events: [note('2026-01-12T09:00:00Z')], messages: [inbound(MON_0900)] });
    const fr = evaluateTicket(set, t, at('2026-01-12T11:00:00Z')).sla.first_response!;
    expect(fr).toEqual({ target_s: 4 * H, elapsed_s: 3 * H, breached: false, stopped: false, due_at: '2026-01-12T12:00:00Z' });
  });

  it('is not stopped by an automatic acknowledgement, only by the first real reply', () => {
    const t = ticket({ created_at: MON_0900, messages: [inbound(MON_0900), outbound('2026-01-12T08:00:05Z', { auto: 'auto-ack' }), outbound('2026-01-12T10:00:00Z')] });
    const fr = evaluateTicket(set, t, at('2026-01-13T12:00:00Z')).sla.first_response!;
    expect(fr).toMatchObject({ elapsed_s: 2 * H, stopped: true });
  });

  it('stops when the ticket is solved without a reply', () => {
    const t = ticket({ created_at: MON_0900, events: [statusChange('2026-01-12T09:30:00Z', 'open', 'solved')] });
    expect(evaluateTicket(set, t, at('2026-01-14T12:00:00Z')).sla.first_response).toMatchObject({ elapsed_s: 1.5 * H, stopped: true, due_at: null });
  });

  it('runs until now when nothing has stopped it, with a due time in business hours', () => {
    const t = ticket({ created_at: '2026-01-12T14:00:00Z', messages: [inbound('2026-01-12T14:00:00Z')] }); // 15:00 local
    const fr = evaluateTicket(set, t, at('2026-01-12T15:30:00Z')).sla.first_response!;
    // 1.5h used; 2.5h left: 30 minutes Monday, 2h Tuesday → Tuesday 11:00 local
    expect(fr).toEqual({ target_s: 4 * H, elapsed_s: 1.5 * H, breached: false, stopped: false, due_at: '2026-01-13T10:00:00Z' });
  });

  it('is breached only when elapsed is strictly over the target', () => {
    const exact = ticket({ created_at: MON_0900, messages: [outbound('2026-01-12T12:00:00Z')] });
    expect(evaluateTicket(set, exact, at('2026-01-13T00:00:00Z')).sla.first_response).toMatchObject({ elapsed_s: 4 * H, breached: false });
    const late = ticket({ created_at: MON_0900, messages: [outbound('2026-01-12T12:00:01Z')] });
    expect(evaluateTicket(set, late, at('2026-01-13T00:00:00Z')).sla.first_response).toMatchObject({ elapsed_s: 4 * H + 1, breached: true });
  });
});

describe('pauses', () => {
  const set = officeHours('Europe/Berlin', { first_response: '8h' });

  it('inside business hours: two hours pending are not counted', () => {
    const t = ticket({
      created_at: MON_0900,
      events: [statusChange('2026-01-12T09:00:00Z', 'open', 'pending'), statusChange('2026-01-12T11:00:00Z', 'pending', 'open')],
      messages: [outbound('2026-01-12T13:00:00Z')],
    });
    // 09:00-10:00 + 12:00-14:00 local
    expect(evaluateTicket(set, t, at('2026-01-13T00:00:00Z')).sla.first_response!.elapsed_s).toBe(3 * H);
  });

  it('across the night: only the business hours inside the pause are lost', () => {
    const t = ticket({
      created_at: MON_0900,
      events: [statusChange('2026-01-12T15:00:00Z', 'open', 'on_hold'), statusChange('2026-01-13T09:00:00Z', 'on_hold', 'open')],
      messages: [outbound('2026-01-13T10:00:00Z')],
    });
    // Monday 09:00-16:00 + Tuesday 10:00-11:00 local
    expect(evaluateTicket(set, t, at('2026-01-14T00:00:00Z')).sla.first_response!.elapsed_s).toBe(8 * H);
  });

  it('a breached clock paused now has no due time either', () => {
    const t = ticket({ created_at: MON_0900, events: [statusChange('2026-01-13T10:00:00Z', 'open', 'pending')] });
    expect(evaluateTicket(set, t, at('2026-01-14T12:00:00Z')).sla.first_response).toEqual(
      { target_s: 8 * H, elapsed_s: 10 * H, breached: true, stopped: false, due_at: null });
  });

  it('a clock paused now has no due time, and gets one back when the ticket is reopened', () => {
    const events = [statusChange('2026-01-12T10:00:00Z', 'open', 'pending')];
    const paused = ticket({ created_at: MON_0900, events });
    expect(evaluateTicket(set, paused, at('2026-01-12T12:00:00Z')).sla.first_response).toMatchObject({ elapsed_s: 2 * H, stopped: false, due_at: null });
    const resumed = ticket({ created_at: MON_0900, events: [...events, statusChange('2026-01-13T08:00:00Z', 'pending', 'open')] });
    // 2h Monday, then 6h from Tuesday 09:00 local
    expect(evaluateTicket(set, resumed, at('2026-01-13T08:00:00Z')).sla.first_response!.due_at).toBe('2026-01-13T14:00:00Z');
  });
});

describe('resolution', () => {
  const set = officeHours('Europe/Berlin', { resolution: '8h' });
  const solvedTwice = ticket({
    created_at: MON_0900,
    events: [
      statusChange('2026-01-12T10:00:00Z', 'open', 'solved'), // Monday 11:00 local
      statusChange('2026-01-13T09:00:00Z', 'solved', 'open'), // reopened Tuesday 10:00 local
      statusChange('2026-01-13T11:00:00Z', 'open', 'solved'), // solved again 12:00 local
    ],
  });

  it('stops at the last solve and excludes the time spent solved before a reopen', () => {
    expect(evaluateTicket(set, solvedTwice, at('2026-01-20T00:00:00Z')).sla.resolution).toEqual(
      { target_s: 8 * H, elapsed_s: 4 * H, breached: false, stopped: true, due_at: null });
  });

  it('resumes on reopening: between reopen and the second solve it runs', () => {
    expect(evaluateTicket(set, solvedTwice, at('2026-01-13T10:00:00Z')).sla.resolution).toEqual(
      { target_s: 8 * H, elapsed_s: 3 * H, breached: false, stopped: false, due_at: '2026-01-13T15:00:00Z' }); // 5h left from 11:00 local
  });

  it('counts closed like solved and excludes paused time', () => {
    const t = ticket({
      created_at: MON_0900,
      events: [statusChange('2026-01-12T09:00:00Z', 'open', 'on_hold'), statusChange('2026-01-12T10:00:00Z', 'on_hold', 'open'), statusChange('2026-01-12T12:00:00Z', 'open', 'closed')],
    });
    expect(evaluateTicket(set, t, at('2026-01-20T00:00:00Z')).sla.resolution).toMatchObject({ elapsed_s: 3 * H, stopped: true });
  });

  it('takes a ticket imported as solved without events to have been solved at updated_at', () => {
    const t = ticket({ created_at: MON_0900, status: 'solved', updated_at: '2026-01-12T13:00:00Z' });
    expect(evaluateTicket(set, t, at('2026-01-20T00:00:00Z')).sla.resolution).toMatchObject({ elapsed_s: 5 * H, stopped: true });
  });
});

describe('next_response', () => {
  const set = policySetFrom({ policies: [{ name: '24x7', match: {}, calendar: '24x7', next_response: '2h' }], pause_statuses: ['pending'] }, 'test');
  const T0 = Date.parse('2026-01-12T08:00:00Z');
  const h = (hours: number) => new Date(T0 + hours * H * 1000).toISOString();

  it('measures each period from the customer message after a reply to the next reply; one late period breaches', () => {
    const t = ticket({
      created_at: h(0),
      messages: [inbound(h(0)), outbound(h(1)), inbound(h(3)), inbound(h(3.5)), outbound(h(4.5)), inbound(h(6)), outbound(h(9))],
    });
    const nr = evaluateTicket(set, t, at(h(24))).sla.next_response!;
    expect(nr.periods).toEqual([
      { started_at: h(3).replace('.000', ''), stopped_at: h(4.5).replace('.000', ''), elapsed_s: 1.5 * H, breached: false, due_at: null },
      { started_at: h(6).replace('.000', ''), stopped_at: h(9).replace('.000', ''), elapsed_s: 3 * H, breached: true, due_at: null },
    ]);
    expect(nr).toMatchObject({ target_s: 2 * H, elapsed_s: 3 * H, breached: true, stopped: true, due_at: null });
  });

  it('does not start before the first reply, nor on automatic mail', () => {
    const t = ticket({ created_at: h(0), messages: [inbound(h(0)), inbound(h(1)), outbound(h(2)), inbound(h(3), { auto: 'auto-reply' })] });
    expect(evaluateTicket(set, t, at(h(10))).sla.next_response!.periods).toEqual([]);
  });

  it('stops at a solve, and a "thanks" to a solved ticket starts nothing until it is reopened', () => {
    const t = ticket({
      created_at: h(0),
      messages: [outbound(h(1)), inbound(h(2)), inbound(h(5))],
      events: [statusChange(h(3), 'open', 'solved'), statusChange(h(8), 'solved', 'open')],
    });
    const nr = evaluateTicket(set, t, at(h(9))).sla.next_response!;
    expect(nr.periods.map((p) => [p.started_at, p.stopped_at, p.elapsed_s])).toEqual([
      [h(2).replace('.000', ''), h(3).replace('.000', ''), H],
      [h(8).replace('.000', ''), null, H], // starts at the reopening, still running at now
    ]);
    expect(nr).toMatchObject({ stopped: false, due_at: h(10).replace('.000', '') });
  });

  it('excludes paused time inside a period', () => {
    const t = ticket({
      created_at: h(0),
      messages: [outbound(h(1)), inbound(h(2)), outbound(h(6))],
      events: [statusChange(h(3), 'open', 'pending'), statusChange(h(5), 'pending', 'open')],
    });
    expect(evaluateTicket(set, t, at(h(9))).sla.next_response!.periods[0].elapsed_s).toBe(2 * H);
  });
});

describe('now and unmeasured clocks', () => {
  it('ignores what happened after --now, so past reports are reproducible', () => {
    const set = officeHours('Europe/Berlin', { first_response: '4h' });
    const t = ticket({ created_at: MON_0900, messages: [inbound(MON_0900), outbound('2026-01-12T15:00:00Z')] });
    expect(evaluateTicket(set, t, at('2026-01-12T10:00:00Z')).sla.first_response).toMatchObject({ elapsed_s: 2 * H, stopped: false });
    expect(evaluateTicket(set, t, at('2026-01-12T16:00:00Z')).sla.first_response).toMatchObject({ elapsed_s: 7 * H, stopped: true });
  });

  it('leaves out targets the policy does not set, and a ticket no policy matches', () => {
    const set = policySetFrom({ policies: [{ name: 'urgent', match: { priority: 'urgent' }, calendar: '24x7', resolution: '8h' }] }, 'test');
    const urgent = evaluateTicket(set, ticket({ created_at: MON_0900, priority: 'urgent' }), at('2026-01-12T09:00:00Z'));
    expect(urgent.sla).toMatchObject({ policy: 'urgent', first_response: null, next_response: null, resolution: { elapsed_s: H } });
    const normal = evaluateTicket(set, ticket({ created_at: MON_0900 }), at('2026-01-12T09:00:00Z'));
    expect(normal.sla).toMatchObject({ policy: null, first_response: null, resolution: null, next_response: null });
    expect(normal.outcome).toBe('unmeasured');
  });
});

describe('nearestDueAt (for desk list --sort sla)', () => {
  const set = officeHours('Europe/Berlin', { first_response: '2h', resolution: '8h' });

  it('is the earliest due time of the running clocks', () => {
    const t = ticket({ created_at: MON_0900, messages: [inbound(MON_0900)] });
    expect(nearestDueAt(set, t, at('2026-01-12T09:00:00Z'))).toBe('2026-01-12T10:00:00Z');
    const answered = ticket({ created_at: MON_0900, messages: [inbound(MON_0900), outbound('2026-01-12T08:30:00Z')] });
    expect(nearestDueAt(set, answered, at('2026-01-12T09:00:00Z'))).toBe('2026-01-12T16:00:00Z');
  });

  it('is null for a solved or paused ticket', () => {
    const solved = ticket({ created_at: MON_0900, events: [statusChange('2026-01-12T08:30:00Z', 'open', 'solved')] });
    expect(nearestDueAt(set, solved, at('2026-01-12T09:00:00Z'))).toBeNull();
    const paused = ticket({ created_at: MON_0900, events: [statusChange('2026-01-12T08:30:00Z', 'open', 'pending')] });
    expect(nearestDueAt(set, paused, at('2026-01-12T09:00:00Z'))).toBeNull();
  });
});
