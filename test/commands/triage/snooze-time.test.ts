import { parseSnoozeUntil } from '../../../src/commands/triage/snooze-time.js';

const NOW = new Date('2026-03-30T14:20:00Z'); // Monday; 16:20 in Berlin (summer time)
const iso = (d: Date | undefined) => d?.toISOString();

describe('snooze until', () => {
  it('reads spans from now', () => {
    expect(iso(parseSnoozeUntil('2h', NOW))).toBe('2026-03-30T16:20:00.000Z');
    expect(iso(parseSnoozeUntil('1h30m', NOW))).toBe('2026-03-30T15:50:00.000Z');
    expect(iso(parseSnoozeUntil('1d', NOW))).toBe('2026-03-31T14:20:00.000Z');
    expect(iso(parseSnoozeUntil('1w', NOW))).toBe('2026-04-06T14:20:00.000Z');
  });

  it('reads tomorrow, weekdays and dates as local times in the desk\'s zone (09:00 unless given)', () => {
    expect(iso(parseSnoozeUntil('tomorrow', NOW, 'Europe/Berlin'))).toBe('2026-03-31T07:00:00.000Z');
    expect(iso(parseSnoozeUntil('tomorrow 14:30', NOW, 'Europe/Berlin'))).toBe('2026-03-31T12:30:00.000Z');
    expect(iso(parseSnoozeUntil('mon', NOW, 'Europe/Berlin'))).toBe('2026-04-06T07:00:00.000Z'); // next Monday, not today
    expect(iso(parseSnoozeUntil('Friday 10:00', NOW, 'Europe/Berlin'))).toBe('2026-04-03T08:00:00.000Z');
    expect(iso(parseSnoozeUntil('2026-04-02', NOW, 'Europe/Berlin'))).toBe('2026-04-02T07:00:00.000Z');
    expect(iso(parseSnoozeUntil('2026-04-02 17:45', NOW, 'America/New_York'))).toBe('2026-04-02T21:45:00.000Z');
    expect(iso(parseSnoozeUntil('2026-04-02T10:00:00Z', NOW))).toBe('2026-04-02T10:00:00.000Z');
  });

  it('refuses the past, nonsense and impossible times', () => {
    for (const bad of ['', '0m', 'yesterday', '2026-03-01', 'tomorrow 25:00', 'soon', '2026-03-30T10:00:00Z']) {
      expect(parseSnoozeUntil(bad, NOW, 'Europe/Berlin')).toBeUndefined();
    }
  });
});
