// The CC list and a reply's recipients, for every address a header can hold: generated strings
// of the characters that matter (controls, line breaks, quotes, brackets, commas, bidi, spaces)
// never reach the list unless desk can send to them, never name us or the requester twice, and a
// reply composed to the whole list has exactly one To and one Cc header and no Bcc.
import { describe, expect, it } from '@jest/globals';
import { ccFromMail, ccPeople, isPlainAddress, replyRecipients } from '../../src/domain/cc.js';
import { composeMail } from '../../src/mail/compose.js';
import { createRng } from '../helpers/mailgen.js';

const ALPHABET = ['a', 'b', 'Z', '0', '.', '-', '+', '@', '@', ' ', '\t', '\r', '\n', '\r\n', '"', '<', '>', ',', ';', ':', '(', ')', '\\', '\u0000', '\u0007', '\u202e', '\u2028', 'é', '=?', '?='];

function generated(seed: number, count: number): string[] {
  const rng = createRng(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    const len = 1 + Math.floor(rng.next() * 24);
    for (let j = 0; j < len; j++) s += ALPHABET[Math.floor(rng.next() * ALPHABET.length)];
    // Half of them look like addresses, so the interesting ones are near the boundary.
    out.push(rng.next() < 0.5 ? `${s}@example.com` : s);
  }
  return out;
}

describe('the CC list', () => {
  it('keeps only sendable addresses, never ours or the requester, each once', () => {
    const ours = new Set(['support@desk.test']);
    const candidates = [
      ...generated(1, 3000).map((email) => ({ email, name: email })),
      { email: 'SUPPORT@desk.test' }, { email: 'Joao@Example.com' }, { email: 'ok@example.com' }, { email: 'OK@example.com', name: 'second' },
    ];
    const kept = ccPeople(candidates, 'joao@example.com', ours);
    expect(kept.length).toBeGreaterThan(10);
    for (const p of kept) {
      expect([p.email, isPlainAddress(p.email), p.email === p.email.toLowerCase()]).toEqual([p.email, true, true]);
      expect(/[\u0000-\u001f\u007f-\u009f\u2028\u202e]/u.test(p.name ?? '')).toBe(false);
    }
    const emails = kept.map((p) => p.email);
    expect(new Set(emails).size).toBe(emails.length);
    expect(emails).not.toContain('support@desk.test');
    expect(emails).not.toContain('joao@example.com');
    expect(kept.find((p) => p.email === 'ok@example.com')?.name).toBeNull(); // the first one seen stays
  });

  it("takes a customer mail's sender (unless the requester) and its To and Cc", () => {
    const list = ccFromMail({
      from: { email: 'bob@example.com', name: 'Bob' },
      to: [{ email: 'support@desk.test', name: null }, { email: 'ana@example.com', name: 'Ana' }],
      cc: [{ email: 'joao@example.com', name: null }],
    }, 'joao@example.com', new Set(['support@desk.test']));
    expect(list).toEqual([{ email: 'bob@example.com', name: 'Bob' }, { email: 'ana@example.com', name: 'Ana' }]);
  });

  it('makes replies whose only recipient headers are one To and one Cc, whatever the list held', async () => {
    const ours = new Set(['support@desk.test']);
    const addresses = generated(2, 3000);
    const ticketCc = ccPeople(addresses.map((email) => ({ email, name: `${email}\r\nBcc: thief@evil.example` })), 'joao@example.com', ours);
    const { cc, bcc } = replyRecipients({
      requester: { email: 'joao@example.com' }, ticketCc, keepCc: true, addCc: [{ email: 'new@example.com' }],
      bcc: ['lead@example.com', 'new@example.com', 'joao@example.com'], ours,
    });
    expect(bcc).toEqual(['lead@example.com']); // not again whoever is in To or Cc
    expect(cc.at(-1)?.email).toBe('new@example.com');
    const mail = await composeMail({
      from: { address: 'support@desk.test' }, to: { address: 'joao@example.com' },
      cc: cc.map((p) => ({ address: p.email, name: p.name })), bcc,
      subject: 'Re: [#1] x', text: 'hi\n', messageId: '<desk.1.a@desk.test>', date: new Date('2026-03-30T08:00:00Z'),
    });
    const head = mail.raw.toString('latin1').split('\r\n\r\n')[0]!.replace(/\r\n[ \t]/g, ' ').split('\r\n');
    const names = head.map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
    expect(names.filter((n) => ['to', 'cc', 'bcc'].includes(n))).toEqual(['to', 'cc']);
    expect(names.every((n) => /^[a-z-]+$/.test(n))).toBe(true);
    expect(mail.envelope.to.sort()).toEqual(['joao@example.com', 'lead@example.com', ...cc.map((p) => p.email)].sort());
  });

  it('drops the ticket list with keepCc false, keeping what was added', () => {
    const r = replyRecipients({ requester: { email: 'j@x.example' }, ticketCc: [{ email: 'a@x.example' }], keepCc: false, addCc: [{ email: 'b@x.example' }], bcc: [], ours: new Set() });
    expect(r.cc.map((p) => p.email)).toEqual(['b@x.example']);
  });
});
