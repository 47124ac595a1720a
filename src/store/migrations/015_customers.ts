// Migration 15: customers and organisations. A customer is a person with one or more addresses
// (customer_addresses: each address belongs to one customer, lower-cased as requesters' are) and
// a name; an organisation groups customers, by a rule on their addresses' domains (org_domains)
// or by hand (customers.org_by_hand = 1: no domain rule moves such a customer).
//
// A customer's id is the id of the requester it was made from (every customer is: a new
// requester without a customer becomes one, src/store/writes.ts), so ids need no sequence of
// their own. Existing requesters become customers here, one per distinct address, named as the
// requester, on both backends. Like migration 11 it may run again over its own tables (a test
// replays later migrations): then it adds only what is missing. Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  await db.schema
    .createTable('organisations').ifNotExists()
    .$call(dialect.idColumn)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('notes', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('org_domains').ifNotExists()
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organisations.id'))
    .execute();
  await db.schema.createIndex('org_domains_org').ifNotExists().on('org_domains').columns(['org_id']).execute();

  await db.schema
    .createTable('customers').ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('notes', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('org_id', 'integer', (c) => c.references('organisations.id'))
    .addColumn('org_by_hand', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('customers_org').ifNotExists().on('customers').columns(['org_id']).execute();

  await db.schema
    .createTable('customer_addresses').ifNotExists()
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'integer', (c) => c.notNull().references('customers.id'))
    .execute();
  await db.schema.createIndex('customer_addresses_customer').ifNotExists().on('customer_addresses').columns(['customer_id']).execute();

  // One customer per distinct (lower-cased) address: the requester of the lowest id names it.
  // Run again (a database whose later migrations are replayed), it adds only what is missing.
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await sql`insert into customers (id, name, notes, created_at, org_id, org_by_hand)
    select r.id, r.name, null, coalesce((select min(t.created_at) from tickets t where t.requester_id = r.id), ${now}), null, 0
    from requesters r
    where r.id = (select min(r2.id) from requesters r2 where lower(r2.email) = lower(r.email))
      and not exists (select 1 from customers c where c.id = r.id)
      and not exists (select 1 from customer_addresses ca where ca.address = lower(r.email))`.execute(db);
  await sql`insert into customer_addresses (address, customer_id)
    select lower(r.email), r.id from requesters r join customers c on c.id = r.id
    where not exists (select 1 from customer_addresses ca where ca.address = lower(r.email))`.execute(db);
}
