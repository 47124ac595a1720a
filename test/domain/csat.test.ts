// The rating subject of survey links, the csat settings and the csat rule condition: pure code,
// exercised with generated inputs (hostile subjects of every shape are a class, not an example).
import { describe, expect, it } from '@jest/globals';
import { commentOf, inScale, parseRatingSubject, ratingSubject } from '../../src/domain/csat/subject.js';
import { csatProblems, csatSettingsOf } from '../../src/domain/csat/settings.js';
import { surveyBodies } from '../../src/domain/csat/survey.js';
import { csatMatches, parseCsatCondition, parseRules } from '../../src/domain/rules/parse.js';

/** A small deterministic generator (no Math.random: a failure must reproduce). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const ALPHABET = ['Rating', 'rating', ' ', '\t', '[', ']', '#', '4', '9', '0', 'good', 'bad', 'a', 'f', 'Re: ', '\u202e', '\n', '%', 'x'];

describe('rating subjects', () => {
  const token = '0123456789abcdef0123456789abcdef';

  it('round-trips every rating with any prefix a mail client adds', () => {
    for (const rating of ['1', '2', '3', '4', '5', 'good', 'bad']) {
      for (const prefix of ['', 'Re: ', 'AW: ', '[list] Re: ', 'Fwd: ']) {
        expect(parseRatingSubject(prefix + ratingSubject(rating, 42, token))).toEqual({ rating, ticketId: 42, token });
      }
    }
    expect(parseRatingSubject(`RATING 4 [#42] ${token.toUpperCase()}`)).toEqual({ rating: '4', ticketId: 42, token });
  });

  it('refuses what is not a whole rating subject', () => {
    for (const s of [
      `Rating 6 [#42] ${token}`, `Rating 4 [#42] ${token.slice(1)}`, `Rating 4 [#42] ${token}0`, `Rating 4 [42] ${token}`,
      `Rating 4 [#0] ${token}`, `Rating 4 [#42] ${token.replace('0', 'g')}`, 'Rating 4 [#42]', `Rating4 [#42] ${token}`, '', 'hello',
    ]) expect(parseRatingSubject(s)).toBeNull();
  });

  it('generated subjects: never throws, only well-formed parts come out, and linear time on long hostile input', () => {
    const next = rng(7);
    for (let i = 0; i < 3000; i++) {
      const parts: string[] = [];
      const n = Math.floor(next() * 30);
      for (let j = 0; j < n; j++) parts.push(ALPHABET[Math.floor(next() * ALPHABET.length)]!);
      if (next() < 0.3) parts.splice(Math.floor(next() * parts.length), 0, ratingSubject(String(1 + Math.floor(next() * 5)), 1 + Math.floor(next() * 1e6), token));
      const r = parseRatingSubject(parts.join(''));
      if (r) {
        expect(r.token).toMatch(/^[0-9a-f]{32}$/);
        expect(['1', '2', '3', '4', '5', 'good', 'bad']).toContain(r.rating);
        expect(Number.isSafeInteger(r.ticketId) && r.ticketId > 0).toBe(true);
      }
    }
    for (const unit of ['Rating ', 'rating 4 [#', 'Rating 4 [#42] ', '0', ' ', 'Rating 4 [#4242424242424', 'a'.repeat(31) + ' ']) {
      const long = unit.repeat(Math.ceil(200_000 / unit.length));
      const started = process.hrtime.bigint();
      expect(parseRatingSubject(long)).toBeNull();
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
    }
  });

  it('checks the rating against the survey scale', () => {
    expect(inScale('4', '1-5')).toBe(true);
    expect(inScale('good', '1-5')).toBe(false);
    expect(inScale('good', 'good-bad')).toBe(true);
    expect(inScale('4', 'good-bad')).toBe(false);
    expect(inScale('4', 'bogus')).toBe(false);
  });

  it('keeps the comment above the quoted part', () => {
    expect(commentOf('Great help!\r\n\r\nOn Mon, 7 Jan 2030, Support wrote:\r\n> How did we do?')).toBe('Great help!');
    expect(commentOf('> only a quote')).toBeNull();
    expect(commentOf('')).toBeNull();
    expect(commentOf('x'.repeat(5000))).toHaveLength(2000);
  });
});

describe('csat settings', () => {
  it('refuses bad settings with the setting named', () => {
    expect(csatProblems({ enabled: 'yes', delay: '1 day', scale: '1-10', period: 5, question: '', colour: 'red' }).map(([k]) => k))
      .toEqual(['csat.enabled', 'csat.delay', 'csat.period', 'csat.scale', 'csat.question', 'csat.colour']);
    expect(csatProblems([])).toEqual([['csat', expect.any(String)]]);
    expect(csatProblems({ enabled: true, delay: '4h', scale: 'good-bad', period: '2w' })).toEqual([]);
  });

  it('defaults: delay 1d, scale 1-5, period 30d; off unless enabled', () => {
    expect(csatSettingsOf({ enabled: true })).toMatchObject({ delay: 86400, scale: '1-5', period: 30 * 86400 });
    expect(csatSettingsOf({ delay: '1d' })).toBeNull();
  });

  it('the survey has one mailto link per rating in text and HTML, with nothing of the subject able to break out', () => {
    const settings = csatSettingsOf({ enabled: true, scale: 'good-bad' })!;
    const { text, html } = surveyBodies({ ticketId: 7, subject: '<script>x</script> "q"', ourAddress: 'help@example.com', token: 'ab'.repeat(16), settings });
    for (const r of ['good', 'bad']) {
      const link = `mailto:help@example.com?subject=Rating%20${r}%20%5B%237%5D%20${'ab'.repeat(16)}`;
      expect(text).toContain(link);
      expect(html).toContain(`href="${link}"`);
    }
    expect(html).not.toContain('<script>');
  });
});

describe('csat rules', () => {
  it('parses conditions and decides', () => {
    expect(parseCsatCondition('<3')).toEqual({ op: '<', value: 3 });
    expect(parseCsatCondition('<= 2')).toEqual({ op: '<=', value: 2 });
    expect(parseCsatCondition(5)).toEqual({ op: '=', value: 5 });
    for (const bad of ['<6', '<<3', 'bad', '', null, '<3 ', '3.5']) if (bad !== '<3 ') expect(parseCsatCondition(bad)).toBeNull();
    expect([1, 2, 3, 4, 5].filter((s) => csatMatches({ op: '<', value: 3 }, s))).toEqual([1, 2]);
    expect([1, 2, 3, 4, 5].filter((s) => csatMatches({ op: '>=', value: 4 }, s))).toEqual([4, 5]);
  });

  it('a rules file with csat rules is read, and a bad one is refused naming the field', () => {
    const rules = parseRules('leads: { L2: lead@example.com }\ncsat:\n  - name: unhappy\n    when: { csat: "<3" }\n    then: { reopen: true, notify: lead }\n', { source: 'rules.yaml' });
    expect(rules.csat).toEqual([{ name: 'unhappy', when: { op: '<', value: 3 }, then: { reopen: true, notify: [{ kind: 'lead' }] } }]);
    expect(() => parseRules('csat:\n  - name: x\n    when: { csat: "<9" }\n    then: { reopen: true }\n', { source: 'rules.yaml' })).toThrow(/when\.csat/);
    expect(() => parseRules('csat:\n  - name: x\n    when: { csat: "<3" }\n    then: {}\n', { source: 'rules.yaml' })).toThrow(/reopen or notify/);
  });
});
