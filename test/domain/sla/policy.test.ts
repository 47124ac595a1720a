import { UsageError } from '../../../src/errors.js';
import { matchPolicy, parsePolicyFile } from '../../../src/domain/sla/policy.js';
import { parseDuration } from '../../../src/domain/sla/duration.js';

const specExample = {
  calendars: {
    business: {
      timezone: 'Europe/Berlin',
      hours: { mon: ['09:00-12:30', '13:30-18:00'], tue: ['09:00-18:00'], sat: ['10:00-14:00'] },
      holidays: ['2026-12-25', '2026-12-26'],
    },
  },
  policies: [
    { name: 'urgent', match: { priority: 'urgent' }, calendar: '24x7', first_response: '1h', next_response: '2h', resolution: '8h' },
    { name: 'billing', match: { queue: 'billing' }, calendar: 'business', first_response: '4h', resolution: '16h' },
    { name: 'default', match: {}, calendar: 'business', first_response: '8h', resolution: '40h' },
  ],
  pause_statuses: ['on_hold', 'pending'],
};

const yamlExample = `
calendars:
  business:
    timezone: Europe/Berlin
    hours:
      mon: ["09:00-12:30", "13:30-18:00"]
      tue: ["09:00-18:00"]
      sat: ["10:00-14:00"]
    holidays: ["2026-12-25", "2026-12-26"]
policies:
  - { name: urgent, match: { priority: urgent }, calendar: 24x7, first_response: 1h, next_response: 2h, resolution: 8h }
  - { name: billing, match: { queue: billing }, calendar: business, first_response: 4h, resolution: 16h }
  - { name: default, match: {}, calendar: business, first_response: 8h, resolution: 40h }
pause_statuses: [on_hold, pending]
`;

const t = (over: object = {}) => ({ priority: 'normal' as const, queue: 'tech' as string | null, tier: 'L1', tags: [] as string[], ...over });

describe('policy file', () => {
  it('reads the spec example as JSON and as YAML to the same policies', () => {
    for (const text of [JSON.stringify(specExample), yamlExample]) {
      const set = parsePolicyFile(text, 'sla.yaml');
      expect(set.policies.map((p) => [p.name, p.calendar.name, p.targets])).toEqual([
        ['urgent', '24x7', { first_response: 3600, next_response: 7200, resolution: 28800 }],
        ['billing', 'business', { first_response: 14400, resolution: 57600 }],
        ['default', 'business', { first_response: 28800, resolution: 144000 }],
      ]);
      expect([...set.pauseStatuses].sort()).toEqual(['on_hold', 'pending']);
      expect(set.calendars.get('business')!.timeZone).toBe('Europe/Berlin');
    }
  });

  it('gives a ticket the first policy whose fields all match; {} matches everything', () => {
    const set = parsePolicyFile(JSON.stringify(specExample), 'sla.json');
    expect(matchPolicy(set, t({ priority: 'urgent', queue: 'billing' }))!.name).toBe('urgent');
    expect(matchPolicy(set, t({ queue: 'billing' }))!.name).toBe('billing');
    expect(matchPolicy(set, t({ queue: null }))!.name).toBe('default');
  });

  it('matches on tier and tag too, and finds no policy when none applies', () => {
    const set = parsePolicyFile(JSON.stringify({
      policies: [
        { name: 'vip', match: { tag: 'vip', tier: 'L2' }, calendar: '24x7', first_response: '30m' },
      ],
    }), 'sla.json');
    expect(matchPolicy(set, t({ tags: ['vip'], tier: 'L2' }))!.name).toBe('vip');
    expect(matchPolicy(set, t({ tags: ['vip'], tier: 'L1' }))).toBeNull();
    expect(matchPolicy(set, t({ tags: [], tier: 'L2' }))).toBeNull();
  });

  const broken: [string, (doc: any) => void, RegExp][] = [
    ['an unknown time zone', (d) => { d.calendars.business.timezone = 'Europe/Berln'; }, /calendars\.business\.timezone: unknown time zone 'Europe\/Berln'/],
    ['a fixed offset instead of a zone', (d) => { d.calendars.business.timezone = '+01:00'; }, /calendars\.business\.timezone: unknown time zone/],
    ['overlapping spans', (d) => { d.calendars.business.hours.mon = ['09:00-12:30', '12:00-18:00']; }, /calendars\.business\.hours\.mon: spans 09:00-12:30 and 12:00-18:00 overlap/],
    ['a span ending before it starts', (d) => { d.calendars.business.hours.tue = ['18:00-09:00']; }, /hours\.tue\[0\]: span '18:00-09:00' ends before it starts/],
    ['24:00 as a start', (d) => { d.calendars.business.hours.tue = ['24:00-24:00']; }, /hours\.tue\[0\]: bad time '24:00'/],
    ['an unknown weekday', (d) => { d.calendars.business.hours.monday = ['09:00-17:00']; }, /hours\.monday: unknown field/],
    ['a bad holiday', (d) => { d.calendars.business.holidays = ['2026-02-30']; }, /holidays\[0\]: bad date '2026-02-30'/],
    ['a bad duration', (d) => { d.policies[1].first_response = '4 hours'; }, /policies\[1\]\.first_response: bad duration '4 hours'/],
    ['a zero duration', (d) => { d.policies[1].resolution = '0h'; }, /policies\[1\]\.resolution: bad duration '0h'/],
    ['an unknown calendar', (d) => { d.policies[2].calendar = 'office'; }, /policies\[2\]\.calendar: unknown calendar 'office'/],
    ['a misspelt target', (d) => { d.policies[0].first_reponse = '1h'; }, /policies\[0\]\.first_reponse: unknown field/],
    ['an unknown priority', (d) => { d.policies[0].match.priority = 'critical'; }, /policies\[0\]\.match\.priority: unknown priority 'critical'/],
    ['a duplicate name', (d) => { d.policies[2].name = 'urgent'; }, /policies\[2\]\.name: duplicate policy name 'urgent'/],
    ['an unknown pause status', (d) => { d.pause_statuses = ['waiting']; }, /pause_statuses\[0\]: unknown status 'waiting'/],
    ['solved as a pause status', (d) => { d.pause_statuses = ['solved']; }, /pause_statuses\[0\]: 'solved' already stops the clocks/],
    ['a calendar without hours', (d) => { d.calendars.business.hours = {}; }, /calendars\.business\.hours: no working hours/],
    ['redefining 24x7', (d) => { d.calendars['24x7'] = d.calendars.business; }, /calendars\.24x7: "24x7" is built in/],
    ['no policies', (d) => { d.policies = []; }, /policies: no policies/],
  ];

  it.each(broken)('rejects %s with a usage error naming the field', (_what, breakIt, message) => {
    const doc = structuredClone(specExample) as any;
    breakIt(doc);
    let error: unknown;
    try {
      parsePolicyFile(JSON.stringify(doc), 'sla.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/^sla\.json: /);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects text that is neither JSON nor YAML', () => {
    expect(() => parsePolicyFile('policies: [ {', 'sla.yaml')).toThrow(/sla\.yaml: not valid JSON or YAML/);
  });
});

describe('durations', () => {
  it.each([['90m', 5400], ['8h', 28800], ['1h30m', 5400], ['45s', 45], ['2h0m', 7200]])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
  it.each(['', '1d', '1.5h', 'h', '30m1h', '0m', '-1h'])('%p is not a duration', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});
