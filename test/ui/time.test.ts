// UTC times are formatted without Intl (start-up: ICU's first formatter costs ~12 ms); the text
// must be exactly Intl's, for every instant, and the cheap time-zone check must agree with Intl.
import { localTime, readableTime } from '../../src/ui/time.js';
import { isValidTimeZone } from '../../src/domain/time-zone.js';
import { isKnownTimeZone } from '../../src/domain/sla/local-days.js';

function intlLocal(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour') === '24' ? '00' : get('hour')}:${get('minute')}`;
}

function intlReadable(iso: string, timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
  const p = Object.fromEntries(f.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.weekday} ${p.day} ${p.month} ${p.year} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

/** Instants across the years desk can meet: midnights, ends of months and years, and random ones (seeded). */
function instants(): string[] {
  let seed = 20261125;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out = ['2026-03-05T00:07:00Z', '2026-12-31T23:59:59Z', '2024-02-29T00:00:00Z', '1000-01-01T00:00:00Z', '9999-12-31T23:59:00Z', '0999-12-31T23:59:00Z', '1970-01-01T00:00:00.000Z'];
  const lo = Date.UTC(900, 0, 1), hi = Date.UTC(2200, 0, 1);
  for (let i = 0; i < 3000; i++) out.push(new Date(lo + Math.floor(rnd() * (hi - lo))).toISOString());
  for (let i = 0; i < 500; i++) out.push(new Date(Date.UTC(2000 + (i % 60), i % 12, 1 + (i % 28), i % 2 ? 0 : 23, i % 60)).toISOString());
  return out;
}

describe('times in UTC', () => {
  it('read exactly as Intl formats them, for every instant', () => {
    for (const zone of ['UTC', 'Etc/UTC']) {
      for (const iso of instants()) {
        expect([zone, iso, localTime(iso, zone)]).toEqual([zone, iso, intlLocal(iso, zone)]);
        expect([zone, iso, readableTime(iso, zone)]).toEqual([zone, iso, intlReadable(iso, zone)]);
      }
    }
  });
});

describe('the time-zone check', () => {
  const intlKnows = (zone: string) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  };

  it('says what Intl says, for every zone the runtime lists, aliases, other spellings and bad names', () => {
    const names = [
      ...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC', 'GMT', 'US/Eastern', 'Asia/Calcutta', 'europe/berlin', 'EUROPE/BERLIN',
      'Mars/Olympus_Mons', 'Europe/Berlin ', ' UTC', '', 'Europe', 'Europe/', '/Berlin', 'Berlin', '+01:00', 'Etc/GMT+5', 'Europe/Berlin\u0000',
    ];
    for (const n of names) expect([n, isValidTimeZone(n)]).toEqual([n, intlKnows(n)]);
    expect(isKnownTimeZone('+01:00')).toBe(false);
    expect(isKnownTimeZone('Europe/Berlin')).toBe(true);
  });
});
