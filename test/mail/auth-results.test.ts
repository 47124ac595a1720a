// Whether mail from our own address is believed, as a class: generated messages whose topmost
// Authentication-Results is our receiving server's (its results carry values the sender chose:
// domains, reasons, comments, all escaped as a server writes them) and whose lower ones the
// sender wrote freely (any authserv-id, ours too, any text). The verdict must be exactly what
// our server's own results say, computed here from the generator's data, never from parsing.
import { describe, expect, it } from '@jest/globals';
import { authResultsVerdict, parseAuthResults } from '../../src/mail/auth-results.js';
import { judgeOurClaim } from '../../src/mail/our-claim.js';
import { parseMessage } from '../../src/mail/parse.js';
import { createRng, type Rng } from '../helpers/mailgen.js';

const OUR_DOMAIN = 'desk.test';
const MX = 'mx.desk.test';
const TRUST = { authservId: MX };

/** Text a sender controls, meant to confuse a parser. */
const HOSTILE = [
  '; dkim=pass header.d=desk.test', 'dmarc=pass header.from=desk.test', ')', '(', '"', '\\', '((;dkim=pass', '";dkim=pass header.d=desk.test;"',
  `${MX}; dkim=pass header.d=desk.test`, 'header.d=desk.test', '=pass', ' ', '\t', 'é ü 日本',
];
const DOMAINS = [OUR_DOMAIN, 'DESK.TEST', 'mail.desk.test', 'evil.test', 'notdesk.test', 'desk.test.evil.test', 'test', '.desk.test', 'desk.test.', ''];
const RESULTS = ['pass', 'PASS', 'fail', 'none', 'neutral', 'temperror', 'permerror', 'policy', 'passed', 'softfail'];
const METHODS = ['dkim', 'dmarc', 'spf', 'arc', 'DKIM', 'dkim/1'];

const sp = (rng: Rng) => rng.pick(['', ' ', '  ', '\t', ' \r\n ']);
const comment = (text: string) => `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;
const quoted = (text: string) => `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

interface Result { method: string; result: string; d?: string; from?: string }

/** What our server would write, and whether it says "ours". */
function serverHeader(rng: Rng): { value: string; pass: boolean } {
  const results: Result[] = [];
  for (let i = rng.int(0, 4); i > 0; i--) {
    const method = rng.pick(METHODS);
    const r: Result = { method, result: rng.pick(RESULTS) };
    if (/^dkim/i.test(method) && rng.chance(0.9)) r.d = rng.pick(DOMAINS);
    if (/^dmarc/i.test(method) && rng.chance(0.9)) r.from = rng.pick(DOMAINS);
    results.push(r);
  }
  const aligned = (d: string) => {
    const x = d.toLowerCase();
    return x.includes('.') && !x.startsWith('.') && !x.endsWith('.') && (x === OUR_DOMAIN || OUR_DOMAIN.endsWith(`.${x}`));
  };
  const pass = results.some((r) => r.result.toLowerCase() === 'pass' && (
    (/^dkim/i.test(r.method) && r.d !== undefined && r.d !== '' && aligned(r.d)) ||
    (/^dmarc/i.test(r.method) && r.from !== undefined && r.from.toLowerCase() === OUR_DOMAIN)));
  const parts = results.map((r) => {
    // Values a server could only write quoted (empty) are quoted; the sender's text goes into
    // comments and reasons, escaped.
    const v = (x: string) => (x === '' || /[\s;()"=\\/]/.test(x) ? quoted(x) : x);
    let s = `${sp(rng)}${r.method}${sp(rng)}=${sp(rng)}${r.result}`;
    if (rng.chance(0.3)) s += ` ${comment(rng.pick(HOSTILE))}`;
    if (rng.chance(0.3)) s += ` reason=${quoted(rng.pick(HOSTILE))}`;
    if (r.d !== undefined) s += ` header.d=${v(r.d)}`;
    if (r.from !== undefined) s += ` header.from=${v(r.from)}`;
    if (rng.chance(0.3)) s += ` smtp.mailfrom=${v(`x@${rng.pick(DOMAINS)}`)}`;
    return s;
  });
  const id = rng.pick([MX, MX.toUpperCase(), quoted(MX)]);
  const version = rng.chance(0.3) ? ' 1' : '';
  const value = parts.length ? `${id}${version}${parts.map((p) => `;${p}`).join('')}` : `${id}${version}; none`;
  return { value, pass };
}

/** Whatever a sender writes below it. */
function senderHeader(rng: Rng, ourIdAllowed: boolean): string {
  const ids = [MX, 'mx.evil.test', `evil${MX}`, `${MX}.evil.test`, quoted(`${MX} `), 'desk.test'];
  const id = rng.pick(ourIdAllowed ? ids : ids.slice(1));
  let s = `${id}; dkim=pass header.d=${OUR_DOMAIN}; dmarc=pass header.from=${OUR_DOMAIN}`;
  // Text before the authserv-id would make it another id: only where ours may appear anyway.
  for (let i = rng.int(0, 3); i > 0; i--) s = !ourIdAllowed || rng.chance(0.5) ? `${s}${rng.pick(HOSTILE)}` : `${rng.pick(HOSTILE)}${s}`;
  return s;
}

function message(headers: string[]): Buffer {
  return Buffer.from([...headers.map((h) => `Authentication-Results: ${h}`), `From: Support <support@${OUR_DOMAIN}>`, 'To: joao@example.com',
    'Subject: Re: help', 'Message-ID: <x@desk.test>', 'Date: Mon, 30 Mar 2026 09:00:00 +0000', '', 'Fixed.', ''].join('\r\n'));
}

describe('Authentication-Results', () => {
  it('believe exactly what our own server wrote on top, whatever the sender added below', async () => {
    const rng = createRng(8601);
    const wrong: string[] = [];
    let passes = 0;
    for (let i = 0; i < 600; i++) {
      const ours = rng.chance(0.85) ? serverHeader(rng) : null;
      // Below ours the sender may use any authserv-id (our server removes its own id only from
      // what arrives, so without ours on top there is none of ours below either).
      const below = Array.from({ length: rng.int(0, 3) }, () => senderHeader(rng, ours !== null));
      const headers = ours ? [ours.value, ...below] : below;
      const parsed = await parseMessage(message(headers));
      const verdict = authResultsVerdict(parsed.auth_results, OUR_DOMAIN, TRUST);
      const want = ours?.pass ?? false;
      if (want) passes++;
      if (verdict.pass !== want) wrong.push(`${JSON.stringify(headers)} → ${verdict.pass} (${verdict.detail})`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(passes).toBeGreaterThan(30); // the generator makes both outcomes
  });

  it('are never believed without trustAuthResults; a Message-ID in the outbox always is', () => {
    const pass = [`${MX}; dkim=pass header.d=${OUR_DOMAIN}; dmarc=pass header.from=${OUR_DOMAIN}`];
    expect(judgeOurClaim({ from: `support@${OUR_DOMAIN}`, authResults: pass, inOutbox: false }, 'support', null)).toMatchObject({ ours: false });
    expect(judgeOurClaim({ from: `support@${OUR_DOMAIN}`, authResults: pass, inOutbox: false }, 'support', TRUST)).toMatchObject({ ours: true });
    expect(judgeOurClaim({ from: `support@${OUR_DOMAIN}`, authResults: [], inOutbox: true }, 'support', null)).toMatchObject({ ours: true });
  });

  it('read hostile values in one pass: unbalanced, deeply nested or huge headers are simply not believed', () => {
    const nested = `${MX}; ${'('.repeat(100_000)}dkim=pass header.d=${OUR_DOMAIN}${')'.repeat(99_999)}`;
    const huge = `${MX}; dkim=fail reason="${'\\"'.repeat(200_000)}; dkim=pass header.d=${OUR_DOMAIN}`;
    const unclosed = `${MX}; dkim=pass (header.d=${OUR_DOMAIN}`;
    for (const value of [nested, huge, unclosed, '', ';;;', '=', `${MX};dkim`, `${MX}; dkim=`, `${MX}; =pass`]) {
      expect(authResultsVerdict([value], OUR_DOMAIN, TRUST).pass).toBe(false);
    }
    expect(parseAuthResults(`${MX}; dkim=pass (good signature) header.d=${OUR_DOMAIN} header.s="sel 1"`)).toEqual({
      authservId: MX, results: [{ method: 'dkim', result: 'pass', props: new Map([['header.d', OUR_DOMAIN], ['header.s', 'sel 1']]) }],
    });
  });
});
