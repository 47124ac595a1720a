import { formatDuration, formatPercent, parseDuration, parseFraction } from '../../../src/domain/rules/index.js';
import { inTimeWindow, parseSpan } from '../../../src/domain/rules/time-of-day.js';

describe('durations and shares in the rules file', () => {
  it('reads durations the way the SLA policy writes them', () => {
    expect(parseDuration('24h')).toBe(86400);
    expect(parseDuration('90m')).toBe(5400);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('45s')).toBe(45);
    for (const bad of ['', 'h', '1d', '1.5h', '30m1h', '24 hours']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('reads shares as percentages or fractions, refusing a bare 80 that surely meant 80%', () => {
    expect(parseFraction('80%')).toBeCloseTo(0.8);
    expect(parseFraction('120%')).toBeCloseTo(1.2);
    expect(parseFraction(0.8)).toBe(0.8);
    for (const bad of [80, 0, '0%', '-5%', 'eighty', null]) expect(parseFraction(bad)).toBeUndefined();
  });

  it('writes them back for explanations', () => {
    expect(formatPercent(0.825)).toBe('82.5%');
    expect(formatDuration(93600)).toBe('26h');
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0m');
  });
});

describe('time-of-day windows', () => {
  it('reads spans, allowing 24:00 as an end and wrapping past midnight', () => {
    expect(parseSpan('09:00-17:30')).toEqual({ start: 540, end: 1050 });
    expect(parseSpan('18:00-24:00')).toEqual({ start: 1080, end: 1440 });
    expect(parseSpan('22:00-06:00')).toEqual({ start: 1320, end: 360 });
    for (const bad of ['9-17', '09:00-09:00', '24:00-01:00', '09:60-10:00', '10:00']) expect(parseSpan(bad)).toBeUndefined();
  });

  it('keeps wall-clock hours across a daylight-saving change', () => {
    const office = { timezone: 'Europe/Berlin', spans: [{ start: 9 * 60, end: 17 * 60 }] };
    expect(inTimeWindow(new Date('2026-03-27T08:00:00Z'), office)).toBe(true); // Fri 09:00 CET
    expect(inTimeWindow(new Date('2026-03-27T07:59:00Z'), office)).toBe(false);
    expect(inTimeWindow(new Date('2026-03-30T07:00:00Z'), office)).toBe(true); // Mon 09:00 CEST
    expect(inTimeWindow(new Date('2026-03-30T06:59:00Z'), office)).toBe(false);
    expect(inTimeWindow(new Date('2026-03-30T15:00:00Z'), office)).toBe(false); // Mon 17:00 CEST, end excluded
  });

  it('checks the day in the zone, not in UTC', () => {
    const saturday = { timezone: 'Pacific/Auckland', days: ['sat' as const] };
    expect(inTimeWindow(new Date('2026-03-27T12:00:00Z'), saturday)).toBe(true); // Sat 01:00 in Auckland
    expect(inTimeWindow(new Date('2026-03-27T10:00:00Z'), saturday)).toBe(false); // Fri 23:00 there
  });
});
