// Organisations (migration 15): a name, notes and domain rules; customers join by rule or by
// hand (./customers.ts). A rule added or removed applies to the customers already there.
import { sql, type Kysely } from 'kysely';
import { ConflictError, NotFoundError } from '../../errors.js';
import { safeLine } from '../../domain/safe-text.js';
import type { DB } from '../schema.js';
import { applyDomainRules, byText } from './customers.js';

type Db = Kysely<DB>;

export interface Organisation {
  id: number;
  name: string;
  domains: string[];
  notes: string | null;
  created_at: string;
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
  let q = db.selectFrom('organisations').selectAll();
  if (ids) q = q.where('id', 'in', ids.length ? ids : [-1]);
  const rows = (await q.execute()).sort((a, b) => byText(a.name, b.name));
  const domains = await db.selectFrom('org_domains').select(['org_id', 'domain']).execute();
  const byOrg = new Map<number, string[]>();
  for (const d of domains) byOrg.set(Number(d.org_id), [...(byOrg.get(Number(d.org_id)) ?? []), d.domain]);
  for (const list of byOrg.values()) list.sort(byText);
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
