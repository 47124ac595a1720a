import { UsageError } from '../../../src/errors.js';
import { parseRules, validateRules } from '../../../src/domain/rules/index.js';

const opts = { source: 'rules.yaml' };

function errorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error('expected a UsageError');
}

const yaml = `
timezone: Europe/Berlin
leads:
  L2: l2-lead@example.com
  L3: [cto@example.com, ops@example.com]
queues:
  billing: [ana, ben]
triage:
  - name: bigcorp is vip
    match:
      from: [bigcorp.com, boss@partner.org]
      keywords: [outage, not working]
    set:
      priority: urgent
      tags: [VIP Customer]
      tier: L2
      assignee: round-robin
    stop: true
  - name: invoices to billing
    match:
      subject_regex: "/^\\\\[INV-\\\\d+\\\\]/"
      time: { days: [sat, Sunday], hours: "18:00-08:00" }
    set:
      queue: billing
      assignee: { strategy: least-loaded, among: [ana] }
escalation:
  - name: l1 slow
    when: { tier: L1, resolution_used: 80% }
    then: { escalate: next, notify: lead }
  - name: urgent breach
    when: { priority: urgent, breached: first_response }
    then: { escalate: L3, notify: [lead, duty@example.com] }
  - name: customer waiting
    when: { unanswered_for: 24h, status: [open, new] }
    then: { priority: raise }
`;

describe('parseRules', () => {
  it('reads a complete YAML rules file into rules the engine can run', () => {
    const rules = parseRules(yaml, opts);
    expect(rules.timezone).toBe('Europe/Berlin');
    expect(rules.leads).toEqual({ L2: ['l2-lead@example.com'], L3: ['cto@example.com', 'ops@example.com'] });
    expect(rules.queueAgents).toEqual({ billing: ['ana', 'ben'] });
    expect(rules.triage.map((r) => r.name)).toEqual(['bigcorp is vip', 'invoices to billing']);

    const vip = rules.triage[0]!;
    expect(vip.stop).toBe(true);
    expect(vip.match.from).toEqual([
      { kind: 'domain', domain: 'bigcorp.com' },
      { kind: 'address', address: 'boss@partner.org' },
    ]);
    expect(vip.set).toEqual({ priority: 'urgent', tags: ['vip-customer'], tier: 'L2', assignee: { kind: 'strategy', strategy: 'round-robin' } });

    const invoices = rules.triage[1]!;
    expect(invoices.match.subjectRegex!.test('[INV-123] due')).toBe(true);
    expect(invoices.match.subjectRegex!.test('re: [INV-123] due')).toBe(false);
    expect(invoices.match.time).toEqual({ timezone: 'Europe/Berlin', days: ['sat', 'sun'], spans: [{ start: 18 * 60, end: 8 * 60 }] });
    expect(invoices.set.assignee).toEqual({ kind: 'strategy', strategy: 'least-loaded', among: ['ana'] });

    expect(rules.escalation.map((r) => [r.name, r.when, r.then])).toEqual([
      ['l1 slow', { tiers: ['L1'], used: { resolution: 0.8 } }, { escalate: 'next', notify: [{ kind: 'lead' }] }],
      ['urgent breach', { priorities: ['urgent'], breached: ['first_response'] },
        { escalate: 'L3', notify: [{ kind: 'lead' }, { kind: 'address', address: 'duty@example.com' }] }],
      ['customer waiting', { unansweredForS: 24 * 3600, statuses: ['open', 'new'] }, { priority: 'raise' }],
    ]);
  });

  it('reads JSON when the file is .json, with the same meaning', () => {
    const json = JSON.stringify({ triage: [{ name: 'a', match: { queue: [null, 'sales'] }, set: { assignee: 'ana' } }] });
    const rules = parseRules(json, { source: 'rules.json' });
    expect(rules.triage[0]!.match.queue).toEqual([null, 'sales']);
    expect(rules.triage[0]!.set.assignee).toEqual({ kind: 'agent', name: 'ana' });
  });

  it('accepts an empty file as no rules', () => {
    expect(parseRules('', opts)).toEqual({ timezone: undefined, leads: {}, queueAgents: {}, tierAssignment: {}, triage: [], escalation: [] });
  });

  it('says the file cannot be read when the syntax is broken', () => {
    expect(errorOf(() => parseRules('{"triage": [', { source: 'r.json' })).message).toMatch(/^rules file r\.json: cannot be read as JSON/);
    expect(errorOf(() => parseRules('triage: [a\n  b: c', opts)).message).toMatch(/^rules file rules\.yaml: cannot be read as YAML/);
  });

  it.each([
    [{ triage: [{ name: 'vip', match: { sendr: 'x.com' }, set: { priority: 'high' } }] },
      "rules file rules.yaml: triage rule #1 'vip', field 'match.sendr': unknown field (known: from, subject, body, keywords, subject_regex, body_regex, queue, time, query)"],
    [{ triage: [{ name: 'vip', set: { priority: 'hgih' } }] },
      "rules file rules.yaml: triage rule #1 'vip', field 'set.priority': 'hgih' is not one of urgent, high, normal, low"],
    [{ triage: [{ name: 'a', set: { tier: 'L1' } }, { name: 'b', set: { tier: 'L9' } }] },
      "rules file rules.yaml: triage rule #2 'b', field 'set.tier': 'L9' is not one of L1, L2, L3"],
    [{ triage: [{ name: 'a', match: { from: 'not an address' }, set: { tier: 'L1' } }] },
      "rules file rules.yaml: triage rule #1 'a', field 'match.from': 'not an address' is neither an address (ana@example.com) nor a domain (example.com)"],
    [{ triage: [{ name: 'a', match: { body_regex: '(unclosed' }, set: { tier: 'L1' } }] },
      /triage rule #1 'a', field 'match.body_regex': bad regular expression '\(unclosed'/],
    [{ triage: [{ name: 'a', match: { time: { hours: '25:00-26:00' } }, set: { tier: 'L1' } }] },
      /triage rule #1 'a', field 'match.time.hours': '25:00-26:00' is not a span/],
    [{ triage: [{ name: 'a', match: { time: { days: ['funday'] } }, set: { tier: 'L1' } }] },
      /field 'match.time.days': 'funday' is not a weekday/],
    [{ triage: [{ name: 'a', match: { time: { days: ['mon'], timezone: 'Mars/Olympus' } }, set: { tier: 'L1' } }] },
      /field 'match.time.timezone': unknown time zone 'Mars\/Olympus'/],
    [{ triage: [{ name: 'a', match: { time: {} }, set: { tier: 'L1' } }] }, /field 'match.time': give days, hours or both/],
    [{ triage: [{ name: 'a', match: {} }] }, /triage rule #1 'a', field 'set': expected a mapping of fields/],
    [{ triage: [{ name: 'a', set: {} }] }, /field 'set': a rule must set something/],
    [{ triage: [{ name: 'a', set: { assignee: { strategy: 'random' } } }] },
      /field 'set.assignee.strategy': 'random' is not one of round-robin, least-loaded/],
    [{ triage: [{ set: { tier: 'L1' } }] }, "rules file rules.yaml: triage rule #1, field 'name': expected text, got undefined"],
    [{ triage: [{ name: 'a\u001b[2J', set: { tier: 'L1' } }] }, /field 'name': must be one line without control characters/],
    [{ triage: [{ name: 'same', set: { tier: 'L1' } }], escalation: [{ name: 'same', when: { tier: 'L1' }, then: { escalate: 'L2' } }] },
      /escalation rule #1 'same', field 'name': another rule is already named 'same'/],
    [{ triage: [{ name: 'a', set: { tier: 'L1' }, stop: 'yes' }] }, /field 'stop': expected true or false/],
    [{ triage: 'everything' }, "rules file rules.yaml: triage: expected a list of rules"],
    [{ triage: ['just text'] }, /triage rule #1: expected a mapping with name/],
    [{ escalation: [{ name: 'e', when: { resolution_used: 80 }, then: { escalate: 'L2' } }] },
      "rules file rules.yaml: escalation rule #1 'e', field 'when.resolution_used': 80 is not a share of the target (write 80% or 0.8)"],
    [{ escalation: [{ name: 'e', when: { unanswered_for: '1 day' }, then: { priority: 'raise' } }] },
      /field 'when.unanswered_for': '1 day' is not a duration of business time/],
    [{ escalation: [{ name: 'e', when: { breached: 'resolutoin' }, then: { priority: 'raise' } }] },
      /field 'when.breached': 'resolutoin' is not one of first_response, next_response, resolution/],
    [{ escalation: [{ name: 'e', when: {}, then: { priority: 'raise' } }] }, /field 'when': give at least one condition/],
    [{ escalation: [{ name: 'e', when: { tier: 'L1' }, then: {} }] }, /field 'then': a rule must do something/],
    [{ escalation: [{ name: 'e', when: { tier: 'L1' }, then: { notify: 'boss' } }] },
      /field 'then.notify': 'boss' is neither 'lead' \(the lead of the tier\) nor an email address/],
    [{ escalation: [{ name: 'e', when: { tier: 'L1' }, then: { escalate: 'L3', notify: 'lead' } }] },
      /field 'then.notify': no lead is given for tier L3/],
    [{ leads: { L9: 'x@example.com' } }, "rules file rules.yaml: top level, field 'leads.L9': unknown tier (tiers: L1, L2, L3)"],
    [{ leads: { L2: 'nobody' } }, /top level, field 'leads.L2': 'nobody' is not an email address/],
    [{ triggers: [] }, "rules file rules.yaml: top level, field 'triggers': unknown field (known: timezone, leads, queues, tier_assignment, triage, escalation, csat)"],
    [['a list'], /top level: expected a mapping/],
  ])('refuses a bad file with a message naming the rule and field (%#)', (data, expected) => {
    const err = errorOf(() => validateRules(data, opts));
    if (typeof expected === 'string') expect(err.message).toBe(expected);
    else expect(err.message).toMatch(expected);
  });

  it('validates tier names against the desk\'s configured tiers', () => {
    const data = { triage: [{ name: 'a', set: { tier: 'second-line' } }] };
    expect(validateRules(data, { ...opts, tiers: ['first-line', 'second-line'] }).triage[0]!.set.tier).toBe('second-line');
    expect(errorOf(() => validateRules(data, opts)).message).toMatch(/'second-line' is not one of L1, L2, L3/);
  });

  it('gives time-of-day conditions the file zone, else the default zone, unless they name their own', () => {
    const rule = (zone?: string) => ({ name: 'n', match: { time: { hours: '09:00-17:00', ...(zone ? { timezone: zone } : {}) } }, set: { tier: 'L1' } });
    expect(validateRules({ triage: [rule()] }, opts).triage[0]!.match.time!.timezone).toBe('UTC');
    expect(validateRules({ triage: [rule()] }, { ...opts, defaultTimezone: 'America/New_York' }).triage[0]!.match.time!.timezone).toBe('America/New_York');
    expect(validateRules({ timezone: 'Asia/Tokyo', triage: [rule()] }, opts).triage[0]!.match.time!.timezone).toBe('Asia/Tokyo');
    expect(validateRules({ timezone: 'Asia/Tokyo', triage: [rule('Europe/Lisbon')] }, opts).triage[0]!.match.time!.timezone).toBe('Europe/Lisbon');
  });
});

describe('the documented example', () => {
  it('is a valid rules file', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../../src/domain/rules/README.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    const rules = parseRules(example, opts);
    expect(rules.triage.map((r) => r.name)).toEqual(['bigcorp outage']);
    expect(rules.escalation.map((r) => r.name)).toEqual(['L1 slow', 'urgent first response breached', 'customer waiting', 'key accounts at risk']);
    expect(rules.triage[0]!.match.query?.source).toBe('-tag:internal (has:attachment OR prio:urgent,high)');
    expect(rules.triage[0]!.match.queue).toEqual(['tech', null]);
  });
});
