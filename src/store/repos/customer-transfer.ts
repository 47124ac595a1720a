// Customers and organisations in the JSON Lines of docs/interchange.md: the organisation and
// customer lines an export writes, and what import makes of them and of ticket lines' `customer`.
import { type Kysely } from 'kysely';
import type { CustomerLine, OrgLine } from '../../domain/customers/interchange.js';
import type { Ticket } from '../../domain/types.js';
import type { DialectOps } from '../dialect/types.js';
import type { DB } from '../schema.js';
import { linkCustomers } from '../writes.js';
import { addAddress, assignOrg, byText, customersByIds, renameCustomer, setCustomerNotes } from './customers.js';
import { addDomains, ensureOrg, listOrgs, setOrgNotes } from './organisations.js';
import { upsertRequester } from './tickets.js';

type Db = Kysely<DB>;

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
  const customers = (await customersByIds(db, ids)).sort((a, b) => byText(a.addresses[0] ?? '', b.addresses[0] ?? ''));
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

/** Whether a ticket line says something of its requester's customer (its name or organisation). */
export const namesCustomer = (t: Pick<Ticket, 'customer'>): boolean => !!t.customer && (t.customer.name !== null || t.customer.organisation !== null);

/**
 * What ticket lines say of their requester's customer (`customer` {name, organisation}): the
 * name when given, and the organisation when given and not the one the customer is in (made
 * when missing, and set by hand). Looked up a batch at a time; nothing written when all agree.
 */
export async function applyTicketCustomers(tx: Db, tickets: readonly Pick<Ticket, 'requester' | 'customer'>[], at: string): Promise<void> {
  const want = new Map<string, NonNullable<Ticket['customer']>>();
  for (const t of tickets) if (namesCustomer(t)) want.set(t.requester.email, t.customer!);
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
