// A lead's patterns on the linear-time engine: JavaScript-style writing keeps its meaning where
// RE2 can run it, and what it cannot run is refused with the reason.
import { keywordPattern, userRegex } from '../../../src/domain/rules/text-match.js';
import { parseRules } from '../../../src/domain/rules/parse.js';

test('bare patterns ignore case; /pattern/flags follow the flags', () => {
  expect(userRegex('^\\[p1\\]').test('[P1] outage')).toBe(true);
  expect(userRegex('/^\\[p1\\]/').test('[P1] outage')).toBe(false);
  expect(userRegex('/^order$/m').test('hello\norder\nbye')).toBe(true);
  expect(userRegex('/^order$/').test('hello\norder\nbye')).toBe(false);
  expect(userRegex('/a.b/').test('a\nb')).toBe(false);
  expect(userRegex('/a.b/s').test('a\nb')).toBe(true);
  expect(userRegex('/order #\\d+/gu').test('your order #42')).toBe(true);
  expect(userRegex('/a/b/').test('a/b')).toBe(true); // the last slash ends the pattern
});

test('JavaScript escapes and Unicode classes work', () => {
  expect(userRegex('caf\\u00e9').test('Café!')).toBe(true);
  expect(userRegex('/\\u{1F600}/u').test('hi 😀')).toBe(true);
  expect(userRegex('^\\p{Lu}').test('Ärger')).toBe(true);
  expect(userRegex('(?<year>\\d{4})-\\d{2}').test('since 2026-03')).toBe(true);
});

test('catastrophic patterns of a backtracking engine run in linear time', () => {
  const text = 'a'.repeat(1_000_000) + '!';
  const started = Date.now();
  for (const p of ['(a+)+$', '(a|aa)+$', '(a*)*b', '(.*a){20}$', '^(\\w+\\s?)*$']) expect(userRegex(p).test(text)).toBe(false);
  expect(Date.now() - started).toBeLessThan(20_000);
});

test.each([
  ['(a)\\1', 'no backreferences or lookaround'],
  ['(?=a)', 'no backreferences or lookaround'],
  ['(?<=a)b', 'no backreferences or lookaround'],
  ['a{1001}', 'invalid repeat count'],
  ['(unclosed', 'missing closing )'],
  ['/x/v', "flag 'v' is not supported"],
])('%s is refused when the rules are read: %s', (pattern, reason) => {
  const yaml = `triage:\n  - name: r\n    match: { subject_regex: ${JSON.stringify(pattern)} }\n    set: { priority: high }\n`;
  expect(() => parseRules(yaml, { source: 'rules.yaml' })).toThrow(
    new RegExp(`triage rule #1 'r', field 'match.subject_regex': bad regular expression .*${reason.replace(/[()]/g, '\\$&')}`),
  );
});

test('keywords and phrases read a megabyte of near-misses in linear time', () => {
  const inputs = ['a '.repeat(500_000), 'a\n'.repeat(500_000), 'is  '.repeat(250_000), ' '.repeat(1_000_000) + 'a', 'a'.repeat(1_000_000)];
  const started = Date.now();
  for (const k of ['a a a a b', 'is down', 'a', 'aa b']) {
    const p = keywordPattern(k);
    for (const input of inputs) p.test(input);
  }
  expect(keywordPattern('is down').test('the site IS\n DOWN again')).toBe(true);
  expect(keywordPattern('down').test('download')).toBe(false);
  expect(Date.now() - started).toBeLessThan(20_000);
});
