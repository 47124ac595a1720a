// The spam verdict (src/domain/spam.ts) over generated addresses and domains: case, Unicode
// domains in either form, subdomains, lookalike domains, the order of the rules, and time linear
// in the size of hostile input.
import { describe, expect, it } from '@jest/globals';
import { domainToASCII } from 'node:url';
import { matchingPattern, normaliseAddress, normalisePattern, spamVerdict, type SpamLists } from '../../src/domain/spam.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const rand = rng(20);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
const LETTERS = 'abcdefghijklmnopqrstuvwxyzäöüéñ';
const word = (n = 3 + Math.floor(rand() * 6)) => Array.from({ length: n }, () => pick([...LETTERS])).join('');
const randomCase = (s: string) => [...s].map((c) => (rand() < 0.5 ? c.toUpperCase() : c)).join('');

const pattern = (p: string) => {
  const n = normalisePattern(p);
  if ('problem' in n) throw new Error(n.problem);
  return n.pattern;
};
const lists = (block: string[], allow: string[] = []): SpamLists => ({ block: new Set(block.map(pattern)), allow: new Set(allow.map(pattern)) });
const judge = (from: string, l: SpamLists, extra: Partial<Parameters<typeof spamVerdict>[0]> = {}, policy: Parameters<typeof spamVerdict>[2] = {}) =>
  spamVerdict({ from, flagValues: [], auth: null, ...extra }, l, policy);

describe('spam verdict', () => {
  it('a blocked domain matches itself and every subdomain, in any case and either IDN form, and nothing else', () => {
    for (let i = 0; i < 300; i++) {
      const domain = `${word()}.${pick(['com', 'test', 'de', 'co.uk'])}`;
      const ascii = domainToASCII(domain);
      const l = lists([`@${rand() < 0.5 ? domain : ascii}`]);
      const sub = `${Array.from({ length: 1 + Math.floor(rand() * 3) }, () => word()).join('.')}.${domain}`;
      expect(judge(`${word()}@${randomCase(domain)}`, l).spam).toBe(true);
      expect(judge(`${word()}@${randomCase(ascii)}`, l).spam).toBe(true);
      expect(judge(`${word()}@${sub}`, l).spam).toBe(true);
      // Lookalikes: a longer label ending the same, the domain as a subdomain of another, the parent.
      expect(judge(`${word()}@x${domain}`, l).spam).toBe(false);
      expect(judge(`${word()}@${domain}.evil.test`, l).spam).toBe(false);
      expect(judge(`${word()}@${domain.slice(domain.indexOf('.') + 1)}`, l).spam).toBe(false);
    }
  });

  it('a blocked address matches only that address, in any case; allow beats block, for addresses and domains', () => {
    for (let i = 0; i < 300; i++) {
      const domain = `${word()}.test`;
      const who = `${word()}@${domain}`;
      expect(judge(randomCase(who), lists([who])).spam).toBe(true);
      expect(judge(`${word()}x@${domain}`, lists([who])).spam).toBe(false);
      expect(judge(who, lists([`@${domain}`], [who]))).toEqual({ spam: false, suspect: false, reason: `allowed: ${normaliseAddress(who)}` });
      expect(judge(who, lists([who], [`@${domain}`])).spam).toBe(false);
      expect(judge(`other@sub.${domain}`, lists([`@${domain}`], [who])).spam).toBe(true);
    }
  });

  it('the order: a failed check with policy spam beats allow; allow beats the flag; mark only marks', () => {
    const allow = lists([], ['ceo@bank.test']);
    const auth = { dmarc: 'fail', spf: 'pass', dkim: 'fail' };
    expect(judge('ceo@bank.test', allow, { auth }, { dmarcFail: 'spam' })).toMatchObject({ spam: true, reason: 'dmarc=fail from our receiving server' });
    expect(judge('ceo@bank.test', allow, { auth }, { dmarcFail: 'ignore' }).spam).toBe(false);
    expect(judge('x@y.test', lists([]), { auth }, { dkimFail: 'mark' })).toMatchObject({ spam: false, suspect: true });
    expect(judge('x@y.test', lists([]), { auth: null }, { dmarcFail: 'spam' }).spam).toBe(false); // nothing trusted: nothing decided
    const header = { name: 'X-Spam-Flag', value: 'YES' };
    expect(judge('x@y.test', lists([]), { flagValues: [' yes '] }, { header }).spam).toBe(true);
    expect(judge('x@y.test', lists([]), { flagValues: ['NO'] }, { header }).spam).toBe(false);
    expect(judge('ceo@bank.test', allow, { flagValues: ['YES'] }, { header }).spam).toBe(false);
  });

  it('refuses patterns that are not an address or a domain, with the reason', () => {
    for (const bad of ['', '@', 'acme.com', '@acme', 'a@@acme.com', '*@acme.com', 'a b@acme.com', '@acme..com', '@acme.com\u0000', 'x@<acme.com>']) {
      expect(normalisePattern(bad)).toEqual({ problem: expect.any(String) });
    }
    expect(normalisePattern(' @BÜCHER.Example ')).toEqual({ pattern: '@xn--bcher-kva.example' });
  });

  it('stays linear on hostile addresses (many labels, huge parts)', () => {
    const l = lists(['@a.test', 'x@b.test']);
    for (const n of [1_000, 100_000]) {
      const hostile = [`${'x'.repeat(n)}@${'a.'.repeat(n)}test`, `${'@'.repeat(n)}a.test`, `x@${'.'.repeat(n)}`, `${'a.'.repeat(n)}@`];
      const start = process.hrtime.bigint();
      for (const h of hostile) judge(h, l);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      expect(ms).toBeLessThan(n === 1_000 ? 50 : 500);
    }
    expect(matchingPattern(null, new Set(['@a.test']))).toBeNull();
  });
});
