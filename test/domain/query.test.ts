// The query language as a pure function: text in, AST (or an error at a column) out.
import { UsageError } from '../../src/errors.js';
import { timesALinearPass } from '../helpers/linear-time.js';
import { parseQuery, QueryError, type QueryNode } from '../../src/domain/query/index.js';

const NOW = new Date('2026-11-10T12:00:00Z');
const ctx = { now: NOW, me: 'ana', tiers: ['L1', 'L2', 'L3'] };
const parse = (q: string) => parseQuery(q, ctx);
const term = (t: object): QueryNode => ({ kind: 'term', term: t } as QueryNode);

test.each<[string, QueryNode]>([
  ['', { kind: 'and', items: [] }],
  ['status:open,pending', term({ field: 'status', values: ['open', 'pending'] })],
  ['prio:high', term({ field: 'priority', values: ['high'] })],
  ['priority:URGENT', term({ field: 'priority', values: ['urgent'] })],
  ['queue:billing,none', term({ field: 'queue', values: ['billing', null] })],
  ['tier:L2', term({ field: 'tier', values: ['L2'] })],
  ['tag:VIP', term({ field: 'tag', values: ['vip'] })],
  ['-tag:vip', { kind: 'not', item: term({ field: 'tag', values: ['vip'] }) }],
  ['assignee:me', term({ field: 'assignee', value: 'ana' })],
  ['assignee:none', term({ field: 'assignee', value: null })],
  ['assignee:sam', term({ field: 'assignee', value: 'sam' })],
  ['from:@Acme.com', term({ field: 'requester', match: 'contains', value: '@acme.com' })],
  ['from:joe@acme.com', term({ field: 'requester', match: 'exact', value: 'joe@acme.com' })],
  ['subject:"export fails"', term({ field: 'subject', value: 'export fails' })],
  ['has:attachment', term({ field: 'has', value: 'attachment' })],
  ['is:snoozed', term({ field: 'is', value: 'snoozed' })],
  ['is:breached OR is:AT-RISK', { kind: 'or', items: [term({ field: 'sla', value: 'breached' }), term({ field: 'sla', value: 'at-risk' })] }],
  ['created:>2026-11-01', term({ field: 'created', op: '>=', at: '2026-11-02T00:00:00Z' })],
  ['created:<2026-11-01', term({ field: 'created', op: '<', at: '2026-11-01T00:00:00Z' })],
  ['created:2026-11-01', { kind: 'and', items: [term({ field: 'created', op: '>=', at: '2026-11-01T00:00:00Z' }), term({ field: 'created', op: '<', at: '2026-11-02T00:00:00Z' })] }],
  ['updated:<2d', term({ field: 'updated', op: '>', at: '2026-11-08T12:00:00Z' })],
  ['age:>3d', term({ field: 'created', op: '<', at: '2026-11-07T12:00:00Z' })],
  ['updated:>=2026-11-09T08:30Z', term({ field: 'updated', op: '>=', at: '2026-11-09T08:30:00Z' })],
  ['export', { kind: 'word', text: 'export', prefix: true }],
  ['"export fails"', { kind: 'phrase', text: 'export fails' }],
  ['export fails', { kind: 'and', items: [{ kind: 'word', text: 'export', prefix: false }, { kind: 'word', text: 'fails', prefix: true }] }],
  ['status:open OR prio:high', { kind: 'or', items: [term({ field: 'status', values: ['open'] }), term({ field: 'priority', values: ['high'] })] }],
  ['a b OR c', { kind: 'or', items: [{ kind: 'and', items: [{ kind: 'word', text: 'a', prefix: false }, { kind: 'word', text: 'b', prefix: false }] }, { kind: 'word', text: 'c', prefix: true }] }],
  ['tag:x AND (prio:low OR -status:new)', {
    kind: 'and',
    items: [term({ field: 'tag', values: ['x'] }), { kind: 'or', items: [term({ field: 'priority', values: ['low'] }), { kind: 'not', item: term({ field: 'status', values: ['new'] }) }] }],
  }],
  ['-(a OR b)', { kind: 'not', item: { kind: 'or', items: [{ kind: 'word', text: 'a', prefix: false }, { kind: 'word', text: 'b', prefix: true }] } }],
  ['id:#3,4', term({ field: 'id', values: [3, 4] })],
])('%s', (q, ast) => {
  expect(parse(q)).toEqual(ast);
});

test('dates are days of the desk time zone', () => {
  expect(parseQuery('created:2026-11-01', { ...ctx, timeZone: 'Europe/Berlin' })).toEqual({
    kind: 'and',
    items: [term({ field: 'created', op: '>=', at: '2026-10-31T23:00:00Z' }), term({ field: 'created', op: '<', at: '2026-11-01T23:00:00Z' })],
  });
});

test.each<[string, number, string]>([
  ['status: OR x', 8, "expected a value after 'status:'"],
  ['status:', 8, "expected a value after 'status:'"],
  ['status:opn', 8, "invalid value 'opn' for status: (allowed: new, open, pending, on_hold, solved, closed)"],
  ['prio:high,', 6, 'expected a value between commas'],
  ['colour:red', 1, "unknown field 'colour:' (fields: status, prio, queue, tier, tag, assignee, from, org, csat, subject, has, is, created, updated, due, age, id, linked"],
  ['tier:L9', 6, "invalid value 'L9' for tier: (allowed: L1, L2, L3)"],
  ['(status:open', 13, "expected ')' to close the '(' at column 1"],
  ['status:open)', 12, "unexpected ')' (no '(' to close)"],
  ['OR x', 1, "expected a term before 'OR'"],
  ['x OR', 5, "expected a term after 'OR'"],
  ['x OR OR y', 6, "expected a term after 'OR'"],
  ['()', 2, "expected a term inside '( )'"],
  ['a "b c', 3, "expected a closing '\"' for this quote"],
  ['created:>tomorrow', 9, 'expected a date (2026-11-01), a time (2026-11-01T09:00Z) or an age (<2d) for created:'],
  ['age:2026-11-01', 5, 'expected a duration like <3d or >2h for age:'],
  ['updated:2d', 9, "expected < or > before the duration '2d'"],
  ['has:pdf', 5, "invalid value 'pdf' for has: (allowed: attachment)"],
  ['is:late', 4, "invalid value 'late' for is: (allowed: snoozed, unanswered, breached, at-risk)"],
  ['a - ', 3, 'expected a word with letters or digits'],
  ['x AND', 3, "expected a term on both sides of 'AND'"],
  ['é status:', 10, "expected a value after 'status:'"],
])('%s → column %i', (q, column, what) => {
  let err: unknown;
  try {
    parse(q);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(QueryError);
  expect((err as QueryError).column).toBe(column);
  expect((err as QueryError).message).toContain(`query: ${what}`);
  expect((err as QueryError).message).toContain(`at column ${column}`);
  // the caret line points at the column
  expect((err as QueryError).hint!.split('\n')[1]).toBe(`${' '.repeat(column - 1)}^`);
});

test('assignee:me without an agent is refused at its column', () => {
  expect(() => parseQuery('tag:a assignee:me', { now: NOW })).toThrow(/assignee:me needs to know who you are .* at column 16/);
});

// A tiny deterministic generator: the same strings on every run.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const ALPHABET = ['(', ')', '"', '-', ':', ',', ' ', ' ', 'OR', 'AND', 'a', 'é', '1', '<', '>', '=', 'status', 'prio', 'tag', 'created', 'age', '2d', '2026-11-01', 'open', '\t', '\n', '@', '#', '\u0000', '🙂'];

test('any text parses or fails with a UsageError, never anything else', () => {
  const next = rng(42);
  let failed = 0;
  for (let n = 0; n < 5000; n++) {
    const len = Math.floor(next() * 24);
    let q = '';
    for (let i = 0; i < len; i++) q += ALPHABET[Math.floor(next() * ALPHABET.length)];
    try {
      parse(q);
    } catch (e) {
      if (!(e instanceof UsageError)) throw new Error(`${JSON.stringify(q)} threw ${String(e)}`);
      expect((e as QueryError).column).toBeGreaterThanOrEqual(1);
      expect((e as QueryError).column).toBeLessThanOrEqual([...q].length + 1);
      failed++;
    }
  }
  expect(failed).toBeGreaterThan(100); // the generator does make bad queries
});

test('parsing takes time linear in the query length (nesting bounded)', () => {
  const parseOrRefuse = (q: string) => {
    try {
      parse(q);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
    }
  };
  for (const unit of ['a ', 'status:open OR ', '(', '-', '"', 'tag:x,', '(a) ', 'a:b:c ', '- ']) {
    const q = unit.repeat(Math.ceil(400_000 / unit.length));
    const times = timesALinearPass(q, () => parseOrRefuse(q));
    // Linear parsing takes 1.5–5× the pass here; a quadratic one, over 200,000 tokens, hundreds of times.
    const what = `${JSON.stringify(unit)}: parsing 400 KB took ${times.toFixed(1)}× a linear pass over it`;
    expect({ what, linear: times < 30 }).toEqual({ what, linear: true });
  }
  expect(() => parse('('.repeat(60) + 'a' + ')'.repeat(60))).toThrow(/nested deeper than 50/);
});
