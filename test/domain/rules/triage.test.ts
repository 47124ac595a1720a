import { evaluateTriage, validateRules, type AgentInfo, type TriageInput } from '../../../src/domain/rules/index.js';

const rulesOf = (data: unknown) => validateRules(data, { source: 'rules.yaml' });

function ticket(over: Partial<TriageInput['ticket']> = {}): TriageInput['ticket'] {
  return {
    subject: 'Export fails with error 500',
    priority: 'normal',
    tier: 'L1',
    queue: 'tech',
    assignee: null,
    tags: [],
    requester: { email: 'joao@example.com' },
    ...over,
  };
}

const mail = (from: string, subject: string, text = '') => ({ from, subject, text });

const agents: AgentInfo[] = [
  { name: 'ana', tier: 'L1', away: false },
  { name: 'ben', tier: 'L1', away: false },
  { name: 'cai', tier: 'L1', away: true },
  { name: 'dee', tier: 'L2', away: false },
];

const env = (over: Partial<Parameters<typeof evaluateTriage>[2]> = {}) => ({
  agents, loads: {}, cursor: {}, now: new Date('2026-03-30T10:00:00Z'), ...over,
});

describe('evaluateTriage: matching', () => {
  const rules = rulesOf({
    triage: [
      { name: 'bigcorp', match: { from: 'bigcorp.com' }, set: { tags: 'bigcorp' } },
      { name: 'ceo', match: { from: 'ceo@partner.org' }, set: { tags: 'ceo' } },
      { name: 'outage', match: { keywords: ['outage', 'is down'] }, set: { tags: 'outage' } },
      { name: 'refund', match: { subject: 'refund' }, set: { tags: 'refund' } },
      { name: 'stacktrace', match: { body: 'stack trace' }, set: { tags: 'trace' } },
      { name: 'invoice number', match: { subject_regex: 'INV-\\d{4}' }, set: { tags: 'invoice' } },
      { name: 'unqueued', match: { queue: null }, set: { tags: 'no-queue' } },
    ],
  });
  const tagsFor = (m: ReturnType<typeof mail>, t = ticket()) =>
    evaluateTriage(rules, { ticket: t, message: m }, env()).changes.map((c) => (c.type === 'tag' ? c.tag : c.type));

  it('matches a sender domain, its subdomains, and exact addresses, in any case', () => {
    expect(tagsFor(mail('Joe@BigCorp.com', 'hi'))).toEqual(['bigcorp']);
    expect(tagsFor(mail('joe@eu.bigcorp.com', 'hi'))).toEqual(['bigcorp']);
    expect(tagsFor(mail('joe@notbigcorp.com', 'hi'))).toEqual([]);
    expect(tagsFor(mail('CEO@partner.org', 'hi'))).toEqual(['ceo']);
    expect(tagsFor(mail('cfo@partner.org', 'hi'))).toEqual([]);
  });

  it('matches keywords as whole words or phrases in subject or body, in any case', () => {
    expect(tagsFor(mail('a@x.com', 'OUTAGE in eu-west'))).toEqual(['outage']);
    expect(tagsFor(mail('a@x.com', 'hello', 'our site\nis   down since 9'))).toEqual(['outage']);
    expect(tagsFor(mail('a@x.com', 'Download fails', 'the site is downloading slowly'))).toEqual([]);
  });

  it('looks for subject keywords only in the subject and body keywords only in the body', () => {
    expect(tagsFor(mail('a@x.com', 'Refund please'))).toEqual(['refund']);
    expect(tagsFor(mail('a@x.com', 'Question', 'I want a refund'))).toEqual([]);
    expect(tagsFor(mail('a@x.com', 'Error', 'here is the Stack Trace:'))).toEqual(['trace']);
    expect(tagsFor(mail('a@x.com', 'stack trace attached'))).toEqual([]);
  });

  it('matches a regular expression on the subject', () => {
    expect(tagsFor(mail('a@x.com', 'About inv-2026 payment'))).toEqual(['invoice']);
    expect(tagsFor(mail('a@x.com', 'About INV-26'))).toEqual([]);
  });

  it('matches a ticket without a queue when the rule lists none', () => {
    expect(tagsFor(mail('a@x.com', 'hi'), ticket({ queue: null }))).toEqual(['no-queue']);
  });

  it('falls back to the ticket subject and requester when there is no message', () => {
    const out = evaluateTriage(rules, { ticket: ticket({ subject: 'Refund', requester: { email: 'x@bigcorp.com' } }) }, env());
    expect(out.matched).toEqual(['bigcorp', 'refund']);
  });

  it('requires every condition of one rule to hold', () => {
    const both = rulesOf({ triage: [{ name: 'vip outage', match: { from: 'bigcorp.com', keywords: 'outage' }, set: { priority: 'urgent' } }] });
    expect(evaluateTriage(both, { ticket: ticket(), message: mail('a@bigcorp.com', 'outage') }, env()).matched).toEqual(['vip outage']);
    expect(evaluateTriage(both, { ticket: ticket(), message: mail('a@bigcorp.com', 'question') }, env()).matched).toEqual([]);
    expect(evaluateTriage(both, { ticket: ticket(), message: mail('a@other.com', 'outage') }, env()).matched).toEqual([]);
  });

  it('matches by local time of day in the rule\'s zone, across midnight and on listed days', () => {
    const afterHours = rulesOf({
      triage: [{ name: 'after hours', match: { time: { hours: '18:00-08:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'], timezone: 'Europe/Berlin' } }, set: { queue: 'on-call' } }],
    });
    const at = (iso: string) => evaluateTriage(afterHours, { ticket: ticket(), message: mail('a@x.com', 's') }, env({ now: new Date(iso) })).matched;
    expect(at('2026-03-30T16:30:00Z')).toEqual(['after hours']); // Monday 18:30 summer time
    expect(at('2026-03-30T15:30:00Z')).toEqual([]); // Monday 17:30
    expect(at('2026-03-31T05:59:00Z')).toEqual(['after hours']); // Tuesday 07:59
    expect(at('2026-03-31T06:00:00Z')).toEqual([]); // Tuesday 08:00
    expect(at('2026-03-28T20:00:00Z')).toEqual([]); // Saturday night: not a listed day
  });
});

describe('evaluateTriage: actions', () => {
  it('turns each rule\'s settings into changes carrying the rule name, skipping what is already so', () => {
    const rules = rulesOf({
      triage: [{ name: 'vip', match: { from: 'bigcorp.com' }, set: { priority: 'urgent', queue: 'tech', tier: 'L2', tags: ['vip', 'Key Account'], assignee: 'dee' } }],
    });
    const out = evaluateTriage(rules, { ticket: ticket({ tags: ['vip'] }), message: mail('a@bigcorp.com', 'hi') }, env());
    expect(out.changes).toEqual([
      { type: 'escalate', to: 'L2', reason: 'vip' },
      { type: 'priority', to: 'urgent', reason: 'vip' },
      { type: 'tag', tag: 'key-account', reason: 'vip' },
      { type: 'assign', to: 'dee', reason: 'vip' },
    ]);
    expect(out.warnings).toEqual([]);
  });

  it('lets later rules see what earlier rules set, and records each rule\'s own change', () => {
    const rules = rulesOf({
      triage: [
        { name: 'billing words', match: { keywords: 'invoice' }, set: { queue: 'billing', priority: 'high' } },
        { name: 'billing is L2', match: { queue: 'billing' }, set: { tier: 'L2', priority: 'urgent' } },
      ],
    });
    const out = evaluateTriage(rules, { ticket: ticket(), message: mail('a@x.com', 'Invoice wrong') }, env());
    expect(out.matched).toEqual(['billing words', 'billing is L2']);
    expect(out.changes).toEqual([
      { type: 'queue', to: 'billing', reason: 'billing words' },
      { type: 'priority', to: 'high', reason: 'billing words' },
      { type: 'escalate', to: 'L2', reason: 'billing is L2' },
      { type: 'priority', to: 'urgent', reason: 'billing is L2' },
    ]);
  });

  it('stops at a matching rule marked stop', () => {
    const rules = rulesOf({
      triage: [
        { name: 'spam', match: { subject: 'lottery' }, set: { tags: 'spam', priority: 'low' }, stop: true },
        { name: 'everything', set: { tags: 'seen' } },
      ],
    });
    expect(evaluateTriage(rules, { ticket: ticket(), message: mail('a@x.com', 'You won the lottery') }, env()).matched).toEqual(['spam']);
    expect(evaluateTriage(rules, { ticket: ticket(), message: mail('a@x.com', 'Hello') }, env()).matched).toEqual(['everything']);
  });

  it('warns instead of assigning an agent who does not exist or is away', () => {
    const rules = rulesOf({ triage: [{ name: 'to zed', set: { assignee: 'zed' } }, { name: 'to cai', set: { assignee: 'cai' } }] });
    const out = evaluateTriage(rules, { ticket: ticket() }, env());
    expect(out.changes).toEqual([]);
    expect(out.warnings).toEqual([
      "rule 'to zed': no agent named 'zed'; the ticket stays unassigned",
      "rule 'to cai': 'cai' is away; the ticket is not assigned to them",
    ]);
  });
});

describe('evaluateTriage: assignment strategies', () => {
  const roundRobin = rulesOf({ triage: [{ name: 'rr', set: { assignee: 'round-robin' } }] });

  it('round-robin takes turns among the present agents of the ticket\'s tier, carrying the cursor between tickets', () => {
    let cursor = {};
    const picked: string[] = [];
    for (let i = 0; i < 4; i++) {
      const out = evaluateTriage(roundRobin, { ticket: ticket() }, env({ cursor }));
      picked.push(out.changes.map((c) => (c.type === 'assign' ? c.to : '?')).join());
      cursor = out.cursor;
    }
    expect(picked).toEqual(['ana', 'ben', 'ana', 'ben']); // cai is away, dee is L2
  });

  it('round-robin picks in the tier the same rule just set', () => {
    const rules = rulesOf({ triage: [{ name: 'to L2', set: { tier: 'L2', assignee: 'round-robin' } }] });
    const out = evaluateTriage(rules, { ticket: ticket() }, env());
    expect(out.changes).toEqual([
      { type: 'escalate', to: 'L2', reason: 'to L2' },
      { type: 'assign', to: 'dee', reason: 'to L2' },
    ]);
  });

  it('least-loaded picks the present agent with the fewest open tickets', () => {
    const rules = rulesOf({ triage: [{ name: 'll', set: { assignee: 'least-loaded' } }] });
    const out = evaluateTriage(rules, { ticket: ticket() }, env({ loads: { ana: 5, ben: 2, cai: 0 } }));
    expect(out.changes).toEqual([{ type: 'assign', to: 'ben', reason: 'll' }]);
  });

  it('keeps to the agents the rules file lists for the ticket\'s queue', () => {
    const rules = rulesOf({ queues: { tech: ['ben'] }, triage: [{ name: 'll', set: { assignee: 'least-loaded' } }] });
    const out = evaluateTriage(rules, { ticket: ticket() }, env({ loads: { ana: 0, ben: 9 } }));
    expect(out.changes).toEqual([{ type: 'assign', to: 'ben', reason: 'll' }]);
  });

  it('never takes a ticket away from its assignee', () => {
    const out = evaluateTriage(roundRobin, { ticket: ticket({ assignee: 'dee' }) }, env());
    expect(out.changes).toEqual([]);
    expect(out.cursor).toEqual({});
  });

  it('warns when nobody can be assigned', () => {
    const rules = rulesOf({ triage: [{ name: 'L3 rr', set: { tier: 'L3', assignee: 'round-robin' } }] });
    const out = evaluateTriage(rules, { ticket: ticket() }, env());
    expect(out.changes).toEqual([{ type: 'escalate', to: 'L3', reason: 'L3 rr' }]);
    expect(out.warnings).toEqual(["rule 'L3 rr': nobody to assign by round-robin (no agent of tier L3 in queue tech who is not away)"]);
  });

  it('does not change the cursor it was given', () => {
    const cursor = { 'rr|L1/tech': 'ana' };
    const out = evaluateTriage(roundRobin, { ticket: ticket() }, env({ cursor }));
    expect(out.changes).toEqual([{ type: 'assign', to: 'ben', reason: 'rr' }]);
    expect(cursor).toEqual({ 'rr|L1/tech': 'ana' });
    expect(out.cursor).toEqual({ 'rr|L1/tech': 'ben' });
  });
});
