// Customers and organisations (migration 15): rows in, plain objects out. Customers are made by
// the one write module (../writes.ts linkCustomers) as tickets come in; here they are read,
// renamed, given addresses, merged, and put into organisations by hand or by domain rule.
import { sql, type Kysely } from 'kysely';
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { orgByDomain } from '../../domain/customers/org-rules.js';
import { safeLine } from '../../domain/safe-text.js';
import type { Ticket } from '../../domain/types.js';
import type { DB } from '../schema.js';
import type { DialectOps } from '../dialect/types.js';
import { domainRules, linkCustomers } from '../writes.js';
import { listTickets, upsertRequester } from './tickets.js';
import type { CustomerLine, OrgLine } from '../../domain/customers/interchange.js';
import { ratingsOfCustomer, type CustomerRating } from './csat.js';

type Db = Kysely<DB>;

export interface Customer {
  id: number;
  name: string | null;
  addresses: string[];
  organisation: string | null;
  /** the organisation was set by hand (no domain rule moves the customer) */
  org_by_hand: boolean;
  notes: string | null;
  created_at: string;
}

export interface Organisation {
  id: number;
  name: string;
  domains: string[];
  notes: string | null;
  created_at: string;
}

/** Satisfaction ratings of a customer's tickets (csat); null while none is recorded. */
export interface Satisfaction {
  ratings: number;
  /** share of good ratings (4 or 5, or good), 0..1 */
  good: number;
  /** mean rating on 1..5 (good counts 5, bad 1) */
  average: number;
  /** the latest ratings, newest first (at most 5) */
  last: CustomerRating[];
}

// ---- reading ------------------------------------------------------------------------------


/** A customer by id (`42`, `#42`) or by one of its addresses (any case); NotFoundError otherwise. */
export async function findCustomer(db: Db, key: string): Promise<Customer> {
  const k = key.trim();
  let id: number | undefined;
  if (/^#?\d{1,15}$/.test(k)) {
    const row = await db.selectFrom('customers').select('id').where('id', '=', Number(k.replace('#', ''))).executeTakeFirst();
    id = row ? Number(row.id) : undefined;
  } else {
    const row = await db.selectFrom('customer_addresses').select('customer_id').where('address', '=', k.toLowerCase()).executeTakeFirst();
    id = row ? Number(row.customer_id) : undefined;
  }
  if (id === undefined) {
    throw new NotFoundError(`no customer '${safeLine(k)}'`, '`desk customer list` shows the customers; give an id or one of their addresses');
  }
  return (await customersByIds(db, [id]))[0]!;
}

async function customersByIds(db: Db, ids: number[]): Promise<Customer[]> {
  if (!ids.length) return [];
  const out: Customer[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const rows = await db.selectFrom('customers as c').leftJoin('organisations as o', 'o.id', 'c.org_id')
      .select(['c.id', 'c.name', 'c.notes', 'c.created_at', 'c.org_by_hand', 'o.name as organisation'])
      .where('c.id', 'in', part).orderBy('c.id').execute();
    const addrs = await db.selectFrom('customer_addresses').select(['customer_id', 'address'])
      .where('customer_id', 'in', part).orderBy('address').execute();
    const byId = new Map<number, string[]>();
    for (const a of addrs) byId.set(Number(a.customer_id), [...(byId.get(Number(a.customer_id)) ?? []), a.address]);
    for (const r of rows) {
      out.push({
        id: Number(r.id), name: r.name, addresses: byId.get(Number(r.id)) ?? [], organisation: r.organisation ?? null,
        org_by_hand: Number(r.org_by_hand) === 1, notes: r.notes, created_at: r.created_at,
      });
    }
  }
  return out;
}

/** Customers, by name then id; of one organisation when `orgId` is given. */
export async function listCustomers(db: Db, orgId?: number, limit?: number): Promise<Customer[]> {
  let q = db.selectFrom('customers').select('id').orderBy(sql`coalesce(name, '')`).orderBy('id');
  if (orgId !== undefined) q = q.where('org_id', '=', orgId);
  if (limit !== undefined) q = q.limit(limit);
  const ids = (await q.execute()).map((r) => Number(r.id));
  const byId = new Map((await customersByIds(db, ids)).map((c) => [c.id, c]));
  return ids.map((id) => byId.get(id)!);
}

/** Ticket ids of a customer's addresses (newest first), unfinished ones only when `open`. */
async function customerTicketIds(db: Db, customerId: number, open: boolean, limit: number): Promise<number[]> {
  let q = db.selectFrom('tickets as t').innerJoin('requesters as r', 'r.id', 't.requester_id')
    .innerJoin('customer_addresses as ca', 'ca.address', 'r.email')
    .select('t.id').where('ca.customer_id', '=', customerId)
    .orderBy('t.updated_at', 'desc').orderBy('t.id', 'desc').limit(limit);
  if (open) q = q.where('t.status', 'not in', ['solved', 'closed']);
  return (await q.execute()).map((r) => Number(r.id));
}

/** A customer's unfinished tickets and its most recent ones (any status), newest first. */
export async function customerTickets(db: Db, customerId: number, recent = 10): Promise<{ open: Ticket[]; recent: Ticket[] }> {
  const openIds = await customerTicketIds(db, customerId, true, 1000);
  const recentIds = await customerTicketIds(db, customerId, false, recent);
  const load = async (ids: number[]) => (ids.length ? listTickets(db, { ids }, 'updated') : []);
  return { open: await load(openIds), recent: await load(recentIds) };
}

/**
 * How satisfied the customer was (the ratings of its tickets' surveys, repos/csat.ts): null while
 * no rating is recorded; `desk customer show` says "no ratings yet" for null.
 */
export async function customerSatisfaction(db: Db, customerId: number): Promise<Satisfaction | null> {
  const all = await ratingsOfCustomer(db, customerId);
  if (!all.length) return null;
  const good = all.filter((r) => r.score >= 4).length;
  const sum = all.reduce((a, r) => a + r.score, 0);
  return { ratings: all.length, good: Math.round((good / all.length) * 10000) / 10000, average: Math.round((sum / all.length) * 100) / 100, last: all.slice(0, 5) };
}

/** An organisation by name (case ignored); NotFoundError naming `where` otherwise. */
export async function findOrg(db: Db, name: string, where?: string): Promise<Organisation> {
  const n = name.trim();
  const rows = await db.selectFrom('organisations').selectAll().where(sql<boolean>`lower(name) = ${n.toLowerCase()}`).execute();
  const row = rows.find((r) => r.name === n) ?? rows[0];
  if (!row) {
    throw new NotFoundError(`${where ? `${where}: ` : ''}no organisation '${safeLine(n)}'`, '`desk org list` shows the organisations; `desk org add NAME` creates one');
  }
  return (await orgsByIds(db, [Number(row.id)]))[0]!;
}

/** The id of the organisation named by a filter flag (exit 3 for none). */
export async function orgIdOf(db: Db, name: string, flag: string): Promise<number> {
  return (await findOrg(db, name, flag)).id;
}

async function orgsByIds(db: Db, ids?: number[]): Promise<Organisation[]> {
  let q = db.selectFrom('organisations').selectAll().orderBy('name');
  if (ids) q = q.where('id', 'in', ids.length ? ids : [-1]);
  const rows = await q.execute();
  const domains = await db.selectFrom('org_domains').select(['org_id', 'domain']).orderBy('domain').execute();
  const byOrg = new Map<number, string[]>();
  for (const d of domains) byOrg.set(Number(d.org_id), [...(byOrg.get(Number(d.org_id)) ?? []), d.domain]);
  return rows.map((r) => ({ id: Number(r.id), name: r.name, domains: byOrg.get(Number(r.id)) ?? [], notes: r.notes, created_at: r.created_at }));
}

export async function listOrgs(db: Db): Promise<Organisation[]> {
  return orgsByIds(db);
}

/** Per organisation id: how many customers, and how many unfinished tickets they have. */
export async function orgCounts(db: Db): Promise<Map<number, { customers: number; open_tickets: number }>> {
  const out = new Map<number, { customers: number; open_tickets: number }>();
  const customers = await db.selectFrom('customers').select(['org_id', (eb) => eb.fn.countAll().as('n')])
    .where('org_id', 'is not', null).groupBy('org_id').execute();
  for (const r of customers) out.set(Number(r.org_id), { customers: Number(r.n), open_tickets: 0 });
  const open = await db.selectFrom('tickets as t').innerJoin('requesters as r', 'r.id', 't.requester_id')
    .innerJoin('customer_addresses as ca', 'ca.address', 'r.email').innerJoin('customers as c', 'c.id', 'ca.customer_id')
    .select(['c.org_id', (eb) => eb.fn.countAll().as('n')])
    .where('c.org_id', 'is not', null).where('t.status', 'not in', ['solved', 'closed']).groupBy('c.org_id').execute();
  for (const r of open) {
    const e = out.get(Number(r.org_id)) ?? { customers: 0, open_tickets: 0 };
    e.open_tickets = Number(r.n);
    out.set(Number(r.org_id), e);
  }
  return out;
}

// ---- customers: writes ----------------------------------------------------------------------

export async function renameCustomer(tx: Db, id: number, name: string | null): Promise<void> {
  await tx.updateTable('customers').set({ name }).where('id', '=', id).execute();
}

export async function setCustomerNotes(tx: Db, id: number, notes: string | null): Promise<void> {
  await tx.updateTable('customers').set({ notes }).where('id', '=', id).execute();
}

/**
 * Gives a customer another address. An address of another customer is a conflict (exit 4; merge
 * the two instead); one the customer has already changes nothing (false).
 */
export async function addAddress(tx: Db, id: number, address: string): Promise<boolean> {
  const owner = await tx.selectFrom('customer_addresses').select('customer_id').where('address', '=', address).executeTakeFirst();
  if (owner && Number(owner.customer_id) === id) return false;
  if (owner) {
    throw new ConflictError(`${safeLine(address)} belongs to customer #${owner.customer_id}`,
      `\`desk customer merge ${id} ${owner.customer_id}\` makes the two one customer`);
  }
  await tx.insertInto('customer_addresses').values({ address, customer_id: id }).execute();
  await applyDomainRules(tx, [id]);
  return true;
}

/** Makes `from` part of `into`: its addresses move over, its notes are appended, it is gone. */
export async function mergeCustomers(tx: Db, into: Customer, from: Customer): Promise<void> {
  if (into.id === from.id) throw new UsageError(`customer #${into.id} cannot be merged with itself`);
  await tx.updateTable('customer_addresses').set({ customer_id: into.id }).where('customer_id', '=', from.id).execute();
  const notes = [into.notes, from.notes].filter((n): n is string => !!n).join('\n') || null;
  const row = await tx.selectFrom('customers').select(['org_id', 'org_by_hand']).where('id', '=', from.id).executeTakeFirstOrThrow();
  const set: { notes: string | null; name?: string | null; org_id?: number | null; org_by_hand?: number } = { notes };
  if (!into.name && from.name) set.name = from.name;
  if (!into.org_by_hand && Number(row.org_by_hand) === 1) Object.assign(set, { org_id: row.org_id, org_by_hand: 1 });
  await tx.updateTable('customers').set(set).where('id', '=', into.id).execute();
  await tx.deleteFrom('customers').where('id', '=', from.id).execute();
  await applyDomainRules(tx, [into.id]);
}

/** Puts customers into an organisation by hand (null: out of any, by hand too). */
export async function assignOrg(tx: Db, customerIds: number[], orgId: number | null): Promise<void> {
  if (!customerIds.length) return;
  await tx.updateTable('customers').set({ org_id: orgId, org_by_hand: 1 }).where('id', 'in', customerIds).execute();
}

/** Lets the domain rules decide a customer's organisation again (undoes a by-hand assignment). */
export async function releaseOrg(tx: Db, customerId: number): Promise<void> {
  await tx.updateTable('customers').set({ org_by_hand: 0 }).where('id', '=', customerId).execute();
  await applyDomainRules(tx, [customerId]);
}

/**
 * The domain rules applied again to these customers (all of them when undefined), except those
 * put into an organisation by hand: each joins the organisation its addresses' most specific
 * rule names (its addresses in order), or none.
 */
export async function applyDomainRules(tx: Db, customerIds?: number[]): Promise<void> {
  let q = tx.selectFrom('customer_addresses as ca').innerJoin('customers as c', 'c.id', 'ca.customer_id')
    .select(['c.id', 'c.org_id', 'ca.address']).where('c.org_by_hand', '=', 0).orderBy('c.id').orderBy('ca.address');
  if (customerIds) q = q.where('c.id', 'in', customerIds.length ? customerIds : [-1]);
  const rows = await q.execute();
  const rules = await domainRules(tx, rows.map((r) => r.address));
  const want = new Map<number, { now: number | null; org: number | null }>();
  for (const r of rows) {
    const id = Number(r.id);
    const e = want.get(id) ?? { now: r.org_id === null ? null : Number(r.org_id), org: null };
    if (e.org === null) e.org = orgByDomain(r.address, rules);
    want.set(id, e);
  }
  const moves = new Map<number | null, number[]>();
  for (const [id, e] of want) if (e.now !== e.org) moves.set(e.org, [...(moves.get(e.org) ?? []), id]);
  for (const [org, ids] of moves) {
    for (let i = 0; i < ids.length; i += 500) await tx.updateTable('customers').set({ org_id: org }).where('id', 'in', ids.slice(i, i + 500)).execute();
  }
}

// ---- organisations: writes ----------------------------------------------------------------

/** A new organisation (a name taken, case ignored, is exit 4); its domain rules take effect at once. */
export async function addOrg(tx: Db, name: string, domains: string[], notes: string | null, at: string): Promise<number> {
  const taken = await tx.selectFrom('organisations').select('name').where(sql<boolean>`lower(name) = ${name.toLowerCase()}`).executeTakeFirst();
  if (taken) throw new ConflictError(`an organisation '${safeLine(taken.name)}' exists already`, `\`desk org edit '${safeLine(taken.name)}'\` changes it`);
  const row = await tx.insertInto('organisations').values({ name, notes, created_at: at }).returning('id').executeTakeFirstOrThrow();
  const id = Number(row.id);
  await addDomains(tx, id, domains);
  return id;
}

/** Domain rules for an organisation: a domain another organisation has is exit 4; the rules apply at once. */
export async function addDomains(tx: Db, orgId: number, domains: string[]): Promise<void> {
  if (!domains.length) return;
  const owners = await tx.selectFrom('org_domains as d').innerJoin('organisations as o', 'o.id', 'd.org_id')
    .select(['d.domain', 'd.org_id', 'o.name']).where('d.domain', 'in', domains).execute();
  const other = owners.find((o) => Number(o.org_id) !== orgId);
  if (other) throw new ConflictError(`the domain ${safeLine(other.domain)} is a rule of '${safeLine(other.name)}' already`, `\`desk org edit '${safeLine(other.name)}' --domain -${safeLine(other.domain)}\` frees it`);
  const have = new Set(owners.map((o) => o.domain));
  const fresh = [...new Set(domains)].filter((d) => !have.has(d));
  if (fresh.length) await tx.insertInto('org_domains').values(fresh.map((domain) => ({ domain, org_id: orgId }))).execute();
  await applyDomainRules(tx, await customersAt(tx, fresh));
}

export async function removeDomains(tx: Db, orgId: number, domains: string[]): Promise<void> {
  if (!domains.length) return;
  await tx.deleteFrom('org_domains').where('org_id', '=', orgId).where('domain', 'in', domains).execute();
  const members = await tx.selectFrom('customers').select('id').where('org_id', '=', orgId).where('org_by_hand', '=', 0).execute();
  await applyDomainRules(tx, members.map((m) => Number(m.id)));
}

export async function setOrgNotes(tx: Db, orgId: number, notes: string | null): Promise<void> {
  await tx.updateTable('organisations').set({ notes }).where('id', '=', orgId).execute();
}

/** Customers with an address at one of these domains or below. */
async function customersAt(tx: Db, domains: string[]): Promise<number[]> {
  const ids = new Set<number>();
  for (const d of domains) {
    const rows = await tx.selectFrom('customer_addresses').select('customer_id')
      // A wildcard in a domain only widens the candidates: applyDomainRules decides exactly.
      .where((eb) => eb.or([eb('address', 'like', `%@${d}`), eb('address', 'like', `%.${d}`)]))
      .execute();
    for (const r of rows) ids.add(Number(r.customer_id));
  }
  return [...ids];
}

/** The organisation of this name, created (without domain rules) when missing: for imports. */
export async function ensureOrg(tx: Db, name: string, at: string): Promise<number> {
  const found = await tx.selectFrom('organisations').select('id').where(sql<boolean>`lower(name) = ${name.toLowerCase()}`).executeTakeFirst();
  if (found) return Number(found.id);
  const row = await tx.insertInto('organisations').values({ name, notes: null, created_at: at }).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

// ---- import and export (docs/interchange.md) ---------------------------------------------

/** The organisation and customer lines an export writes (of one organisation when `orgId` is given). */
export async function exportedLines(db: Db, orgId?: number): Promise<{ orgs: OrgLine[]; customers: CustomerLine[] }> {
  const orgs = (await listOrgs(db)).filter((o) => orgId === undefined || o.id === orgId);
  let q = db.selectFrom('customers as c').select('c.id').where((eb) => eb.or([
    eb('c.notes', 'is not', null),
    eb('c.org_by_hand', '=', 1),
    eb('c.id', 'in', eb.selectFrom('customer_addresses').select('customer_id').groupBy('customer_id').having((h) => h.fn.countAll(), '>', 1)),
  ]));
  if (orgId !== undefined) q = q.where('c.org_id', '=', orgId);
  const ids = (await q.execute()).map((r) => Number(r.id));
  const customers = (await customersByIds(db, ids)).sort((a, b) => ((a.addresses[0] ?? '') < (b.addresses[0] ?? '') ? -1 : 1));
  return {
    orgs: orgs.map((o) => ({ name: o.name, domains: o.domains, notes: o.notes })),
    customers: customers.map((c) => ({ name: c.name, addresses: c.addresses, organisation: c.organisation, organisation_by_hand: c.org_by_hand, notes: c.notes })),
  };
}

/**
 * An organisation line: the organisation made when missing (found by name, case ignored), its
 * domain rules added, its notes set when the line has some. A domain another organisation has
 * is a conflict (the caller reports the line).
 */
export async function importOrgLine(tx: Db, line: OrgLine, at: string): Promise<void> {
  const id = await ensureOrg(tx, line.name, at);
  await addDomains(tx, id, line.domains);
  if (line.notes !== null) await setOrgNotes(tx, id, line.notes);
}

/**
 * A customer line: the customer of its first known address (made, as a new requester's is,
 * when none of its addresses is known), given the line's other addresses, name, notes and
 * organisation. An address of another customer is a conflict (the caller reports the line).
 */
export async function importCustomerLine(tx: Db, ops: DialectOps, line: CustomerLine, at: string): Promise<void> {
  const known = await tx.selectFrom('customer_addresses').select(['address', 'customer_id']).where('address', 'in', line.addresses).execute();
  let id: number;
  if (known.length) id = Number(known.find((k) => k.address === line.addresses[0])?.customer_id ?? known[0]!.customer_id);
  else {
    const requesterId = await upsertRequester(tx, line.addresses[0]!, line.name);
    await linkCustomers(tx, ops, [{ requester_id: requesterId, created_at: at }]);
    id = requesterId;
  }
  for (const a of line.addresses) await addAddress(tx, id, a);
  if (line.name !== null) await renameCustomer(tx, id, line.name);
  if (line.notes !== null) await setCustomerNotes(tx, id, line.notes);
  if (line.organisation !== null && line.organisation_by_hand) await assignOrg(tx, [id], await ensureOrg(tx, line.organisation, at));
  else if (line.organisation !== null) {
    const org = await ensureOrg(tx, line.organisation, at);
    const row = await tx.selectFrom('customers').select('org_id').where('id', '=', id).executeTakeFirstOrThrow();
    if (row.org_id === null || Number(row.org_id) !== org) await assignOrg(tx, [id], org);
  }
}

/**
 * What ticket lines say of their requester's customer (`customer` {name, organisation}): the
 * name when given, and the organisation when given and not the one the customer is in (made
 * when missing, and set by hand). Looked up a batch at a time; nothing written when all agree.
 */
export async function applyTicketCustomers(tx: Db, tickets: readonly Pick<Ticket, 'requester' | 'customer'>[], at: string): Promise<void> {
  const want = new Map<string, NonNullable<Ticket['customer']>>();
  for (const t of tickets) if (t.customer && (t.customer.name !== null || t.customer.organisation !== null)) want.set(t.requester.email, t.customer);
  const emails = [...want.keys()];
  for (let i = 0; i < emails.length; i += 500) {
    const rows = await tx.selectFrom('customer_addresses as ca').innerJoin('customers as c', 'c.id', 'ca.customer_id')
      .leftJoin('organisations as o', 'o.id', 'c.org_id')
      .select(['ca.address', 'c.id', 'c.name', 'o.name as org']).where('ca.address', 'in', emails.slice(i, i + 500)).execute();
    for (const r of rows) {
      const w = want.get(r.address)!;
      if (w.name !== null && w.name !== r.name) await renameCustomer(tx, Number(r.id), w.name);
      if (w.organisation !== null && w.organisation.toLowerCase() !== r.org?.toLowerCase()) {
        await assignOrg(tx, [Number(r.id)], await ensureOrg(tx, w.organisation, at));
      }
    }
  }
}
