// Organisations' domain rules and names, pure. A customer whose address is at a rule's domain,
// or below it (a rule for acme.example takes eu.acme.example too), joins the rule's
// organisation; of several rules the most specific domain wins. A customer put into an
// organisation by hand stays there whatever the rules say.
import { UsageError } from '../../errors.js';
import { identifierProblem } from '../identifiers.js';
import { safeLine } from '../safe-text.js';

/** An address's domain and each parent domain, most specific first (`a@eu.acme.example` → eu.acme.example, acme.example, example). */
export function domainCandidates(address: string): string[] {
  const at = address.lastIndexOf('@');
  if (at < 0) return [];
  const labels = address.slice(at + 1).toLowerCase().split('.');
  const out: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    const d = labels.slice(i).join('.');
    if (d) out.push(d);
  }
  return out;
}

/** The organisation the rules give an address: the rule of its most specific domain; null when none. */
export function orgByDomain<T>(address: string, rules: ReadonlyMap<string, T>): T | null {
  for (const d of domainCandidates(address)) {
    const org = rules.get(d);
    if (org !== undefined) return org;
  }
  return null;
}

/**
 * A domain as a rule keeps it: lower case, without a leading `@`; `where` names the flag or field.
 * Refused (UsageError): empty labels, spaces, `@` inside, control characters.
 */
export function normaliseDomain(text: string, where: string): string {
  const d = text.trim().replace(/^@/, '').toLowerCase();
  const bad = (why: string) => new UsageError(`invalid value for ${where}: '${safeLine(text)}' is not a domain (${why})`, 'give a domain like acme.example');
  if (!d) throw bad('it is empty');
  if (identifierProblem('name of an organisation', d)) throw bad('it holds control characters');
  for (const ch of d) if (ch === '@' || ch === ' ' || ch === '\t' || ch === '/' || ch === ',') throw bad(`it holds '${ch}'`);
  if (d.split('.').some((label) => label === '')) throw bad('a label is empty');
  return d;
}

/** An organisation's name as given: trimmed, non-empty, plain text (exit 2 naming `where` otherwise). */
export function checkOrgName(text: string, where: string): string {
  const name = text.trim();
  if (!name) throw new UsageError(`invalid value for ${where}: an organisation's name cannot be empty`);
  const problem = identifierProblem('name of an organisation', name);
  if (problem) throw new UsageError(`invalid value for ${where}: ${problem}`);
  return name;
}

/** An address typed by a user, as desk compares addresses (lower case); exit 2 when it is none. */
export function normaliseAddress(text: string, where: string): string {
  const a = text.trim().toLowerCase();
  const at = a.indexOf('@');
  if (at <= 0 || at !== a.lastIndexOf('@') || at === a.length - 1 || identifierProblem('name of an organisation', a) || /\s/.test(a)) {
    throw new UsageError(`invalid value for ${where}: '${safeLine(text)}' is not an e-mail address`);
  }
  return a;
}
