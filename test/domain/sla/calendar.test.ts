import { policySetFrom } from '../../../src/domain/sla/policy.js';
import type { BusinessCalendar } from '../../../src/domain/sla/calendar.js';
import { ALWAYS } from '../../../src/domain/sla/calendar.js';
import { H, s } from './history.js';

function calendar(timezone: string, hours: Record<string, string[]>, holidays: string[] = []): BusinessCalendar {
  const set = policySetFrom({
    calendars: { c: { timezone, hours, holidays } },
    policies: [{ name: 'p', match: {}, calendar: 'c' }],
  }, 'test');
  return set.calendars.get('c')!;
}

const nineToFive = ['09:00-17:00'];
const weekdays = { mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: nineToFive };
const allDay = ['00:00-24:00'];
const everyDay = { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay };
const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

describe('the spec worked example', () => {
  it('counts Friday 15:00-17:00 and Monday 09:00-10:30 across the Berlin spring change: 12600 s', () => {
    const berlin = calendar('Europe/Berlin', weekdays);
    expect(berlin.count(s('2026-03-27T14:00:00Z'), s('2026-03-30T08:30:00Z'))).toBe(12600);
  });
});

describe('daylight-saving changes keep wall-clock hours', () => {
  const cases = [
    // zone, Friday 16:00 local before the change, Monday 10:00 local after it, the Sunday of the change, its length
    { zone: 'Europe/Berlin', season: 'spring', fri16: '2026-03-27T15:00:00Z', mon10: '2026-03-30T08:00:00Z', sunday: '2026-03-29', hours: 23 },
    { zone: 'Europe/Berlin', season: 'autumn', fri16: '2026-10-23T14:00:00Z', mon10: '2026-10-26T09:00:00Z', sunday: '2026-10-25', hours: 25 },
    { zone: 'America/New_York', season: 'spring', fri16: '2026-03-06T21:00:00Z', mon10: '2026-03-09T14:00:00Z', sunday: '2026-03-08', hours: 23 },
    { zone: 'America/New_York', season: 'autumn', fri16: '2026-10-30T20:00:00Z', mon10: '2026-11-02T15:00:00Z', sunday: '2026-11-01', hours: 25 },
    // southern hemisphere: summer time ends in April and starts in October
    { zone: 'Australia/Sydney', season: 'autumn', fri16: '2026-04-03T05:00:00Z', mon10: '2026-04-06T00:00:00Z', sunday: '2026-04-05', hours: 25 },
    { zone: 'Australia/Sydney', season: 'spring', fri16: '2026-10-02T06:00:00Z', mon10: '2026-10-04T23:00:00Z', sunday: '2026-10-04', hours: 23 },
  ];

  it.each(cases)('$zone $season: two office hours from Friday 16:00 end Monday 10:00 local', ({ zone, fri16, mon10 }) => {
    const cal = calendar(zone, weekdays);
    expect(iso(cal.addTime(s(fri16), 2 * H))).toBe(mon10);
    expect(cal.count(s(fri16), s(mon10))).toBe(2 * H);
  });

  it.each(cases)('$zone $season: the day of the change has $hours hours on a 00:00-24:00 calendar', ({ zone, sunday, hours }) => {
    const cal = calendar(zone, everyDay);
    const day = Date.parse(`${sunday}T00:00:00Z`) / 1000;
    // local midnight to local midnight, found through the calendar's own pieces
    const pieces = cal.pieces(day - 2 * 86400, day + 3 * 86400);
    expect(pieces).toHaveLength(1); // one unbroken counted stretch
    const sundayOnly = calendar(zone, { sun: allDay });
    expect(sundayOnly.count(day - 86400, day + 2 * 86400)).toBe(hours * H);
  });

  it('a span inside the skipped hour counts nothing (New York 02:00-03:00 on 2026-03-08)', () => {
    const cal = calendar('America/New_York', { sun: ['02:00-03:00'], mon: ['02:00-03:00'] });
    expect(cal.count(s('2026-03-08T00:00:00Z'), s('2026-03-09T00:00:00Z'))).toBe(0);
    expect(cal.count(s('2026-03-09T00:00:00Z'), s('2026-03-10T00:00:00Z'))).toBe(H);
  });

  it('09:00 Berlin is 08:00Z in winter and 07:00Z in summer', () => {
    const cal = calendar('Europe/Berlin', weekdays);
    expect(cal.pieces(s('2026-01-12T00:00:00Z'), s('2026-01-13T00:00:00Z')).find((p) => p.kind === 'counted')).toEqual(
      { from: s('2026-01-12T08:00:00Z'), to: s('2026-01-12T16:00:00Z'), kind: 'counted' });
    expect(cal.pieces(s('2026-07-13T00:00:00Z'), s('2026-07-14T00:00:00Z')).find((p) => p.kind === 'counted')).toEqual(
      { from: s('2026-07-13T07:00:00Z'), to: s('2026-07-13T15:00:00Z'), kind: 'counted' });
  });
});

describe('holidays', () => {
  const cal = calendar('Europe/Berlin', weekdays, ['2026-12-25']);

  it('count nothing on a holiday (Thursday 16-17 + Monday 9-10 around Friday 25 December)', () => {
    expect(cal.count(s('2026-12-24T15:00:00Z'), s('2026-12-28T09:00:00Z'))).toBe(2 * H);
  });

  it('are reported as a holiday piece from local midnight to local midnight', () => {
    const pieces = cal.pieces(s('2026-12-24T15:00:00Z'), s('2026-12-28T09:00:00Z'));
    expect(pieces).toContainEqual({ from: s('2026-12-24T23:00:00Z'), to: s('2026-12-25T23:00:00Z'), kind: 'holiday' });
  });

  it('push a due time past them', () => {
    expect(iso(cal.addTime(s('2026-12-24T15:00:00Z'), 2 * H))).toBe('2026-12-28T09:00:00Z');
  });
});

describe('spans', () => {
  it('"24:00" ends a span at the next local midnight, and time carries on past it', () => {
    const cal = calendar('Europe/Berlin', { fri: ['20:00-24:00'], sat: ['00:00-02:00'] });
    // Friday 2026-01-09 20:00 local = 19:00Z; Saturday 02:00 local = 01:00Z
    expect(cal.count(s('2026-01-09T19:00:00Z'), s('2026-01-10T01:00:00Z'))).toBe(6 * H);
    expect(iso(cal.addTime(s('2026-01-09T22:00:00Z'), 2 * H))).toBe('2026-01-10T00:00:00Z');
  });

  it('split days skip the lunch break', () => {
    const cal = calendar('Europe/Berlin', { mon: ['09:00-12:30', '13:30-18:00'] });
    // Monday 2026-01-12, Berlin is +01:00
    expect(cal.count(s('2026-01-12T07:00:00Z'), s('2026-01-12T18:00:00Z'))).toBe(8 * H);
    // from 12:00 local, one hour: 30 minutes before lunch, 30 after → 14:00 local
    expect(iso(cal.addTime(s('2026-01-12T11:00:00Z'), H))).toBe('2026-01-12T13:00:00Z');
    const kinds = cal.pieces(s('2026-01-12T08:00:00Z'), s('2026-01-12T17:00:00Z')).map((p) => p.kind);
    expect(kinds).toEqual(['counted', 'outside_hours', 'counted']);
  });

  it('a target used up exactly at closing time is due at closing, not the next morning', () => {
    const cal = calendar('Europe/Berlin', weekdays);
    expect(iso(cal.addTime(s('2026-01-12T08:00:00Z'), 8 * H))).toBe('2026-01-12T16:00:00Z');
  });

  it('time starting outside hours begins at the next opening', () => {
    const cal = calendar('Europe/Berlin', weekdays);
    expect(iso(cal.addTime(s('2026-01-10T12:00:00Z'), 30 * 60))).toBe('2026-01-12T08:30:00Z'); // Saturday → Monday 09:30
  });
});

describe('the precomputed index', () => {
  it('agrees with itself: counting up to the due instant gives exactly the amount, one second less gives less', () => {
    const cals = [calendar('Europe/Berlin', { ...weekdays, mon: ['09:00-12:30', '13:30-18:00'] }, ['2026-05-01']),
      calendar('Australia/Sydney', weekdays), calendar('America/New_York', { sat: ['10:00-14:00'], sun: ['22:00-24:00'] })];
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const cal of cals) {
      for (let i = 0; i < 300; i++) {
        const a = s('2026-01-01T00:00:00Z') + Math.floor(rand() * 365 * 86400);
        const n = 1 + Math.floor(rand() * 60 * H);
        const t = cal.addTime(a, n);
        expect(cal.count(a, t)).toBe(n);
        expect(cal.count(a, t - 1)).toBeLessThan(n);
      }
    }
  });

  it('covers years of history: ten years of weekdays count 8 hours each', () => {
    const cal = calendar('Europe/Berlin', weekdays);
    let weekdayCount = 0;
    for (let d = Date.UTC(2020, 0, 1); d < Date.UTC(2030, 0, 1); d += 86400000) {
      const wd = new Date(d).getUTCDay();
      if (wd >= 1 && wd <= 5) weekdayCount++;
    }
    // ask from the far end first so the index has to grow backwards too
    expect(cal.count(s('2029-06-01T00:00:00Z'), s('2029-06-02T00:00:00Z'))).toBe(8 * H);
    expect(cal.count(s('2020-01-01T00:00:00Z'), s('2030-01-01T00:00:00Z'))).toBe(weekdayCount * 8 * H);
  });

  it('24x7 counts every second', () => {
    expect(ALWAYS.count(s('2026-03-29T00:00:00Z'), s('2026-03-30T00:00:00Z'))).toBe(24 * H);
    expect(ALWAYS.addTime(100, 50)).toBe(150);
    expect(ALWAYS.count(10, 5)).toBe(0);
  });
});
