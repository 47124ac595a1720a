// The organisation and customer lines of docs/interchange.md: `desk export` writes them before
// the tickets (organisations, then the customers a ticket line cannot describe: several
// addresses, notes, or an organisation set by hand); `desk import` reads them in any order.
// Ticket lines tell the rest (their `customer` {name, organisation}).
import { LineError } from '../interchange.js';
import { identifierProblem } from '../identifiers.js';
import { safeLine } from '../safe-text.js';

export interface OrgLine {
  name: string;
  domains: string[];
  notes: string | null;
}

export interface CustomerLine {
  name: string | null;
  addresses: string[];
  organisation: string | null;
  organisation_by_hand: boolean;
  notes: string | null;
}

/** The kind of a parsed line: `organisation`, `customer`, or a ticket (no `type`). */
export function lineKind(value: unknown): 'organisation' | 'customer' | 'ticket' {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'ticket';
  const type = (value as Record<string, unknown>).type;
  if (type === undefined) return 'ticket';
  if (type === 'organisation' || type === 'customer') return type;
  throw new LineError(`'type' must be organisation or customer (a ticket line has no type), not ${JSON.stringify(type)}`);
}

export function orgLineJson(o: OrgLine): Record<string, unknown> {
  return { type: 'organisation', name: o.name, domains: o.domains, notes: o.notes };
}

export function customerLineJson(c: CustomerLine): Record<string, unknown> {
  return { type: 'customer', name: c.name, addresses: c.addresses, organisation: c.organisation, organisation_by_hand: c.organisation_by_hand, notes: c.notes };
}

function text(v: unknown, field: string, required: boolean): string | null {
  if (v === undefined || v === null) {
    if (required) throw new LineError(`'${field}' is missing`);
    return null;
  }
  if (typeof v !== 'string') throw new LineError(`'${field}' must be text`);
  return v;
}

function orgName(v: unknown, field: string, required: boolean): string | null {
  const name = text(v, field, required)?.trim() ?? null;
  if (name === null || name === '') {
    if (required) throw new LineError(`'${field}' is empty`);
    return null;
  }
  const problem = identifierProblem('name of an organisation', name);
  if (problem) throw new LineError(`'${field}': ${problem}`);
  return name;
}

function list(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new LineError(`'${field}' must be a list of text`);
  return v as string[];
}

function domainOf(d: string, field: string): string {
  const x = d.trim().replace(/^@/, '').toLowerCase();
  if (!x || x.split('.').some((l) => !l) || [...x].some((ch) => ch === '@' || ch === ' ' || ch === ',') || identifierProblem('name of an organisation', x)) {
    throw new LineError(`'${field}': '${safeLine(d)}' is not a domain`);
  }
  return x;
}

function addressOf(a: string, field: string): string {
  const x = a.trim().toLowerCase();
  const at = x.indexOf('@');
  if (at <= 0 || at !== x.lastIndexOf('@') || at === x.length - 1 || /\s/.test(x) || identifierProblem('name of an organisation', x)) {
    throw new LineError(`'${field}': '${safeLine(a)}' is not an e-mail address`);
  }
  return x;
}

export function parseOrgLine(value: unknown): OrgLine {
  const o = value as Record<string, unknown>;
  return {
    name: orgName(o.name, 'name', true)!,
    domains: [...new Set(list(o.domains, 'domains').map((d, i) => domainOf(d, `domains[${i}]`)))],
    notes: text(o.notes, 'notes', false),
  };
}

export function parseCustomerLine(value: unknown): CustomerLine {
  const c = value as Record<string, unknown>;
  const addresses = [...new Set(list(c.addresses, 'addresses').map((a, i) => addressOf(a, `addresses[${i}]`)))];
  if (!addresses.length) throw new LineError("'addresses' must hold at least one address");
  if (c.organisation_by_hand !== undefined && c.organisation_by_hand !== null && typeof c.organisation_by_hand !== 'boolean') {
    throw new LineError("'organisation_by_hand' must be true or false");
  }
  return {
    name: text(c.name, 'name', false),
    addresses,
    organisation: orgName(c.organisation, 'organisation', false),
    organisation_by_hand: c.organisation_by_hand === true,
    notes: text(c.notes, 'notes', false),
  };
}
