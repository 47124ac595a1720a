// SQL about customers that readers outside kysely embed (the SLA readers of both backends).

/** SQL (both backends) for the organisation name of ticket row `t`'s requester's customer, null for none. */
export function organisationOfSql(t: string): string {
  return `(select o.name from requesters r join customer_addresses ca on ca.address = r.email join customers c on c.id = ca.customer_id
    join organisations o on o.id = c.org_id where r.id = ${t}.requester_id)`;
}
