// Customers (migration 15): rows in, plain objects out. Customers are made by the one write
// module (../writes.ts linkCustomers) as tickets come in; here they are read, renamed, given
// addresses, merged, and put into organisations by hand or by the domain rules.
import { type Kysely } from 'kysely';
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { orgByDomain } from '../../domain/customers/org-rules.js';
import { safeLine } from '../../domain/safe-text.js';
import { isSatisfied } from '../../domain/csat/settings.js';
import type { Ticket } from '../../domain/types.js';
import type { DB } from '../schema.js';
import { domainRules } from '../writes.js';
import { listTickets } from './tickets.js';
import { ratingsOfCustomer, type CustomerRating } from './csat.js';

type Db = Kysely<DB>;

/** One order on every backend (code units, as JavaScript compares), whatever the database's collation. */
export const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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

export async function customersByIds(db: Db, ids: number[]): Promise<Customer[]> {
  if (!ids.length) return [];
  const out: Customer[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const rows = await db.selectFrom('customers as c').leftJoin('organisations as o', 'o.id', 'c.org_id')
      .select(['c.id', 'c.name', 'c.notes', 'c.created_at', 'c.org_by_hand', 'o.name as organisation'])
      .where('c.id', 'in', part).orderBy('c.id').execute();
    const addrs = await db.selectFrom('customer_addresses').select(['customer_id', 'address'])
      .where('customer_id', 'in', part).execute();
    const byId = new Map<number, string[]>();
    for (const a of addrs) byId.set(Number(a.customer_id), [...(byId.get(Number(a.customer_id)) ?? []), a.address]);
    for (const list of byId.values()) list.sort(byText);
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
  let q = db.selectFrom('customers').select(['id', 'name']);
  if (orgId !== undefined) q = q.where('org_id', '=', orgId);
  const rows = (await q.execute()).sort((a, b) => byText(a.name ?? '', b.name ?? '') || Number(a.id) - Number(b.id));
  const ids = rows.slice(0, limit ?? rows.length).map((r) => Number(r.id));
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
  const good = all.filter((r) => isSatisfied(r.score)).length;
  const sum = all.reduce((a, r) => a + r.score, 0);
  return { ratings: all.length, good: Math.round((good / all.length) * 10000) / 10000, average: Math.round((sum / all.length) * 100) / 100, last: all.slice(0, 5) };
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
