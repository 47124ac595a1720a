// The rules' verdicts on mail text are worked out once, before the write transaction; evaluating
// the rules inside it then runs no pattern and decides exactly as a full evaluation would.
import { evaluateTriage, validateRules, type TriageInput } from '../../../src/domain/rules/index.js';
import { JudgedMail } from '../../../src/domain/rules/judged.js';

const rules = validateRules({
  triage: [
    { name: 'outage', match: { keywords: ['outage'], subject_regex: '^\\[p1\\]' }, set: { priority: 'urgent', queue: 'ops' } },
    { name: 'ops after outage', match: { queue: 'ops', body_regex: '/order #\\d+/' }, set: { tags: 'order' } },
    { name: 'vip', match: { from: 'bigcorp.com' }, set: { tier: 'L2' } },
  ],
}, { source: 'rules.yaml' });

const ticket: TriageInput['ticket'] = {
  subject: '[P1] outage', priority: 'normal', tier: 'L1', queue: null, assignee: null, tags: [], requester: { email: 'a@bigcorp.com' },
};
const env = { agents: [], loads: {}, cursor: {}, now: new Date('2026-03-30T10:00:00Z') };

test.each([
  [{ from: 'a@bigcorp.com', subject: '[P1] total outage', text: 'order #12 fails' }],
  [{ from: 'a@other.com', subject: '[P1] total outage', text: 'no order' }],
  [{ from: 'a@bigcorp.com', subject: 'question', text: 'order #1' }],
  [null],
])('judged beforehand or not, the outcome is the same: %j', (message) => {
  const judged = new JudgedMail(rules);
  judged.add(message, ticket);
  const before = judged.get(message, ticket);
  expect(before).toBeDefined();
  expect(evaluateTriage(rules, { ticket, message, judged: before }, env)).toEqual(evaluateTriage(rules, { ticket, message }, env));
});

test('with the verdicts given, evaluating runs no pattern', () => {
  let runs = 0;
  const counting = { ...rules, triage: rules.triage.map((r) => ({ ...r, match: { ...r.match, ...(r.match.bodyRegex ? { bodyRegex: { source: 'x', test: () => (runs++, true) } } : {}) } })) };
  const message = { from: 'a@bigcorp.com', subject: '[P1] outage', text: 'order #1' };
  const judged = new JudgedMail(counting);
  judged.add(message, ticket);
  expect(runs).toBe(1);
  const out = evaluateTriage(counting, { ticket, message, judged: judged.get(message, ticket) }, env);
  expect(runs).toBe(1);
  expect(out.matched).toEqual(['outage', 'ops after outage', 'vip']);
});

test('a mail not judged beforehand is not found (the caller judges every mail that may open a ticket)', () => {
  const judged = new JudgedMail(rules);
  judged.add({ from: 'a@b.example', subject: 's', text: 't' }, ticket);
  expect(judged.get({ from: 'a@b.example', subject: 's', text: 'other' }, ticket)).toBeUndefined();
});
