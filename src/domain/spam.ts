// Is a mail spam? One pure decision from what the mail says (its sender, the spam flag header the
// admin names, what our own receiving server found when it checked SPF, DKIM and DMARC) and the
// sender lists (the config's and the database's, `desk spam block|allow`).
//
// Order (docs/cli.md, Spam):
//  1. an authentication check our own server failed, with that check's policy `spam`: spam. The
//     failure says the From address is not to be believed, so no list keyed by it can rescue it;
//  2. an allowed address or domain: not spam (allow beats block, and the spam flag);
//  3. a blocked address or domain: spam;
//  4. the spam flag header with the admin's value: spam;
//  5. an authentication check failed with policy `mark`: not spam, but marked (a tag on the ticket);
//  6. otherwise: not spam.
//
// Patterns: `name@example.com` (that address) or `@example.com` (that domain and every subdomain
// of it: `@acme.com` matches `x.acme.com`, since whoever owns a domain owns its subdomains, and
// spammers rotate them). Compared lowercased, Unicode NFC, with international domain names in
// their ASCII (punycode) form, so `@bücher.example` and `@xn--bcher-kva.example` are one pattern.
// Cost: a set lookup per label of the sender's domain, which is at most 253 characters: linear.
import { domainToASCII } from 'node:url';

export const SPAM_POLICIES = ['spam', 'mark', 'ignore'] as const;
export type SpamPolicy = (typeof SPAM_POLICIES)[number];

/** What our receiving server found, per method: the result word (pass, fail, softfail, none…). */
export interface AuthFindings {
  spf?: string | null;
  dkim?: string | null;
  dmarc?: string | null;
}

export interface SpamFacts {
  /** the From address as parsed */
  from: string;
  /** values of the spam flag header the admin names, as the mail has them (none: []) */
  flagValues: readonly string[];
  /** from the Authentication-Results of our own server (its authserv-id), or null: nothing trusted */
  auth: AuthFindings | null;
}

export interface SpamPolicySet {
  /** the spam flag: a header's name and the value that means spam (compared case-insensitively) */
  header?: { name: string; value: string } | null;
  spfFail?: SpamPolicy;
  dkimFail?: SpamPolicy;
  dmarcFail?: SpamPolicy;
}

export interface SpamLists {
  /** normalised patterns (normalisePattern) */
  block: ReadonlySet<string>;
  allow: ReadonlySet<string>;
}

export interface SpamVerdict {
  spam: boolean;
  /** marked as suspect (a failed check with policy `mark`), only when not spam */
  suspect: boolean;
  /** one line for people: why (empty when nothing applied) */
  reason: string;
}

/** Longest domain name (RFC 1035); longer text is no domain and matches no domain pattern. */
const MAX_DOMAIN = 253;
const MAX_ADDRESS = 320;

function normaliseDomain(domain: string): string | null {
  const d = domain.normalize('NFC').toLowerCase().replace(/\.$/, '');
  if (!d || d.length > MAX_DOMAIN * 4) return null;
  // ASCII domains stay as they are (domainToASCII refuses some that mail uses, like underscores).
  const ascii = isAscii(d) ? d : domainToASCII(d);
  if (!ascii || ascii.length > MAX_DOMAIN) return null;
  return ascii;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7e) return false;
  return true;
}

function hasBadChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x2c || c === 0x3b || c === 0x2a || (c >= 0x80 && c <= 0x9f)) return true;
  }
  return false;
}

/** An address as compared: lowercased, NFC, its domain in ASCII form; null when it is none. */
export function normaliseAddress(address: string): string | null {
  const a = address.trim();
  const at = a.lastIndexOf('@');
  if (at <= 0 || at === a.length - 1 || a.length > MAX_ADDRESS) return null;
  const local = a.slice(0, at).normalize('NFC').toLowerCase();
  const domain = normaliseDomain(a.slice(at + 1));
  return domain ? `${local}@${domain}` : null;
}

/**
 * A block/allow pattern as stored and compared: `name@domain` or `@domain`, normalised. Throws
 * nothing: returns the problem as text for the caller to report (exit 2).
 */
export function normalisePattern(pattern: string): { pattern: string } | { problem: string } {
  const p = pattern.trim();
  const shape = "an address (name@example.com) or a domain (@example.com)";
  if (!p) return { problem: `is empty: give ${shape}` };
  if (hasBadChar(p)) return { problem: `'${p.slice(0, 80)}' has a space, control character or one of < > , ; *: give ${shape}` };
  const at = p.indexOf('@');
  if (at < 0 || p.indexOf('@', at + 1) >= 0) return { problem: `'${p.slice(0, 80)}' is not ${shape}` };
  const domain = normaliseDomain(p.slice(at + 1));
  if (!domain || !domain.includes('.') || domain.startsWith('.') || domain.includes('..')) {
    return { problem: `'${p.slice(0, 80)}' has no valid domain after @: give ${shape}` };
  }
  if (at === 0) return { pattern: `@${domain}` };
  const local = p.slice(0, at).normalize('NFC').toLowerCase();
  if (local.length > 64 * 4) return { problem: `'${p.slice(0, 80)}…' is too long` };
  return { pattern: `${local}@${domain}` };
}

/** Which pattern of the set names this address: the address itself, else its domain or a parent domain. */
export function matchingPattern(address: string | null, patterns: ReadonlySet<string>): string | null {
  if (!address || patterns.size === 0) return null;
  if (patterns.has(address)) return address;
  let domain = address.slice(address.lastIndexOf('@') + 1);
  // x.y.acme.com → @x.y.acme.com, @y.acme.com, @acme.com, @com: one lookup per label.
  for (;;) {
    if (patterns.has(`@${domain}`)) return `@${domain}`;
    const dot = domain.indexOf('.');
    if (dot < 0) return null;
    domain = domain.slice(dot + 1);
  }
}

const failed = (result: string | null | undefined) => {
  const r = (result ?? '').toLowerCase();
  return r === 'fail' || r === 'permerror';
};

/** The verdict; pure and linear in the size of the facts. */
export function spamVerdict(facts: SpamFacts, lists: SpamLists, policy: SpamPolicySet): SpamVerdict {
  const from = normaliseAddress(facts.from);
  const fails: { method: string; policy: SpamPolicy }[] = [];
  if (facts.auth) {
    const checks: [keyof AuthFindings, SpamPolicy | undefined][] = [['dmarc', policy.dmarcFail], ['spf', policy.spfFail], ['dkim', policy.dkimFail]];
    for (const [method, p] of checks) if (p && p !== 'ignore' && failed(facts.auth[method])) fails.push({ method, policy: p });
  }
  const hard = fails.find((f) => f.policy === 'spam');
  if (hard) return { spam: true, suspect: false, reason: `${hard.method}=${facts.auth![hard.method as keyof AuthFindings]!.toLowerCase()} from our receiving server` };
  const allowed = matchingPattern(from, lists.allow);
  if (allowed) return { spam: false, suspect: false, reason: `allowed: ${allowed}` };
  const blocked = matchingPattern(from, lists.block);
  if (blocked) return { spam: true, suspect: false, reason: `blocked: ${blocked}` };
  const h = policy.header;
  if (h) {
    const want = h.value.trim().toLowerCase();
    if (facts.flagValues.some((v) => v.trim().toLowerCase() === want)) return { spam: true, suspect: false, reason: `${h.name}: ${h.value}` };
  }
  const soft = fails[0];
  if (soft) return { spam: false, suspect: true, reason: `${soft.method}=${facts.auth![soft.method as keyof AuthFindings]!.toLowerCase()} from our receiving server` };
  return { spam: false, suspect: false, reason: '' };
}

/** `X-Spam-Flag: YES` → name and value; null when it is not `Name: value`. */
export function parseSpamHeader(text: string): { name: string; value: string } | null {
  const colon = text.indexOf(':');
  if (colon <= 0) return null;
  const name = text.slice(0, colon).trim();
  const value = text.slice(colon + 1).trim();
  if (!name || !value || !/^[!-9;-~]+$/.test(name)) return null;
  return { name, value };
}

/** `30d`, `12h`, `2w` → milliseconds; null when it is none of those. */
export function parseAge(text: string): number | null {
  const m = /^(\d{1,5})([hdw])$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] === 'h' ? 3600_000 : m[2] === 'd' ? 86400_000 : 7 * 86400_000;
  return n * unit;
}
