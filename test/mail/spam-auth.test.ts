// What the spam verdict reads of Authentication-Results (trustedFindings): only the topmost header
// with our receiving server's authserv-id counts. Generated forgeries — fails below ours, in
// another server's name, inside comments or quoted strings, in odd case — never change it.
import { describe, expect, it } from '@jest/globals';
import { trustedFindings } from '../../src/mail/auth-results.js';

const OURS = 'mx.desk.test';
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const rand = rng(7);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
const RESULTS = ['pass', 'fail', 'none', 'softfail', 'neutral', 'temperror', 'permerror'] as const;

/** A header the sender could have written: a fail in many shapes, never above ours. */
function forgery(): string {
  const id = pick([OURS, OURS.toUpperCase(), 'mx.evil.test', `"${OURS}"`, 'desk.test']);
  const claim = pick(['dmarc=fail header.from=bank.test', 'spf=fail smtp.mailfrom=bank.test', 'dkim=fail header.d=bank.test']);
  return pick([
    `${id}; ${claim}`,
    `mx.evil.test (${OURS}; ${claim}); ${claim}`,
    `mx.evil.test; x-note="${OURS}; ${claim}"`,
    `${id} 1; ${claim}; ${claim}`,
  ]);
}

describe('trustedFindings', () => {
  it("reads the topmost header of our authserv-id and nothing the sender wrote", () => {
    for (let i = 0; i < 500; i++) {
      const ours = { dmarc: pick(RESULTS), spf: pick(RESULTS), dkim: pick(RESULTS) };
      const top = `${pick([OURS, OURS.toUpperCase()])}; spf=${ours.spf} smtp.mailfrom=bank.test; dkim=${ours.dkim} header.d=bank.test; dmarc=${ours.dmarc} header.from=bank.test`;
      // Other servers' headers may sit above ours (a relay after us); forgeries sit below.
      const above = Array.from({ length: Math.floor(rand() * 2) }, () => `mx.relay.test; dmarc=${pick(RESULTS)}`);
      const below = Array.from({ length: 1 + Math.floor(rand() * 4) }, forgery);
      expect(trustedFindings([...above, top, ...below], { authservId: OURS })).toEqual(ours);
    }
  });

  it('without a header of ours, or without trust configured, nothing is trusted', () => {
    for (let i = 0; i < 200; i++) {
      const only = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => forgery()).filter((h) => !h.toLowerCase().startsWith(OURS) && !h.startsWith(`"${OURS}"`));
      expect(trustedFindings(only, { authservId: OURS })).toBeNull();
      expect(trustedFindings([`${OURS}; dmarc=fail`, ...only], null)).toBeNull();
    }
  });
});
