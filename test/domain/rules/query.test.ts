// A rule's query: relative times count from when the rule runs, not from when the file was read.
import { ruleQuery } from '../../../src/domain/rules/query.js';
import { queryMatches, type QueryFacts } from '../../../src/domain/query/evaluate.js';

const facts: QueryFacts = {
  id: 1, status: 'open', priority: 'normal', tier: 'L1', queue: null, assignee: null, tags: [], requester: 'a@b.example', org: null,
  subject: 'Hello', created_at: '2026-11-20T10:00:00Z', updated_at: '2026-11-20T10:00:00Z', documents: ['Hello\n\nworld'],
  hasAttachment: false, unanswered: true, snoozed: false, csat: null, linked: [], clocks: [],
};

test('age: and due: are read at each run\'s now', () => {
  const q = ruleQuery('age:>2d', { tiers: ['L1', 'L2'], timeZone: 'UTC' });
  expect(queryMatches(q.at(new Date('2026-11-21T10:00:00Z')), facts, new Date('2026-11-21T10:00:00Z'))).toBe(false);
  expect(queryMatches(q.at(new Date('2026-11-23T10:00:00Z')), facts, new Date('2026-11-23T10:00:00Z'))).toBe(true);
  const due = ruleQuery('due:<1h', { tiers: ['L1'], timeZone: 'UTC' });
  const clocked = { ...facts, clocks: [{ due_at: '2026-11-23T12:00:00Z', breached: false }] };
  expect(queryMatches(due.at(new Date('2026-11-23T10:00:00Z')), clocked, new Date('2026-11-23T10:00:00Z'))).toBe(false);
  expect(queryMatches(due.at(new Date('2026-11-23T11:30:00Z')), clocked, new Date('2026-11-23T11:30:00Z'))).toBe(true);
});

test('a field the rule cannot know is refused with the reason; a bad query keeps its caret', () => {
  expect(() => ruleQuery('tag:x linked:3', { tiers: ['L1'], timeZone: 'UTC', unknown: { linked: 'cannot hold yet' } })).toThrow('linked: cannot hold yet');
  try {
    ruleQuery('tag:x (', { tiers: ['L1'], timeZone: 'UTC' });
    throw new Error('not refused');
  } catch (e) {
    expect((e as Error).message).toBe("query: expected a term but found the end of the query at column 8");
    expect((e as { detail?: string }).detail).toBe('tag:x (\n       ^');
  }
});
