// desk org add | list | show | edit | assign
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { checkOrgName, normaliseDomain } from '../../domain/customers/org-rules.js';
import { ticketJson } from '../../domain/interchange.js';
import { isoSeconds } from '../../domain/types.js';
import { assignOrg, findCustomer, listCustomers, releaseOrg, type Customer } from '../../store/repos/customers.js';
import {
  addDomains, addOrg, findOrg, listOrgs, orgCounts, removeDomains, setOrgNotes, type Organisation,
} from '../../store/repos/organisations.js';
import { listTickets } from '../../store/repos/tickets.js';
import { STATUSES, DONE_STATUSES } from '../../domain/types.js';
import { printJson, printTable } from '../../ui/output.js';
import { safeLine, safeText } from '../../ui/safe-text.js';
import { relative } from '../../ui/time.js';
import { customerJson } from './customer-run.js';

export interface OrgAddOptions {
  domain?: string[];
  note?: string;
}

export interface OrgEditOptions {
  domain?: string[];
  note?: string;
}

export function orgJson(o: Organisation, counts?: { customers: number; open_tickets: number }): Record<string, unknown> {
  return { name: o.name, domains: o.domains, notes: o.notes, created_at: o.created_at, ...(counts ? counts : {}) };
}

const OPEN = STATUSES.filter((s) => !DONE_STATUSES.includes(s));

async function printOrg(ctx: Ctx, name: string, verb: string): Promise<void> {
  const o = await findOrg((await ctx.store()).db, name);
  if (ctx.json) return printJson(ctx.io, orgJson(o));
  ctx.io.out(`organisation ${safeLine(o.name)} ${verb}${o.domains.length ? ` (domains: ${o.domains.map(safeLine).join(', ')})` : ''}\n`);
}

export async function runOrgAdd(ctx: Ctx, rawName: string, opts: OrgAddOptions): Promise<void> {
  const name = checkOrgName(rawName, 'the name');
  const domains = (opts.domain ?? []).flatMap((d) => d.split(',')).filter((d) => d.trim()).map((d) => normaliseDomain(d, '--domain'));
  const note = opts.note?.trim() ? opts.note : null;
  const store = await ctx.store();
  const at = isoSeconds(ctx.now());
  await store.write((tx) => addOrg(tx, name, domains, note, at));
  await printOrg(ctx, name, 'added');
}

export async function runOrgList(ctx: Ctx, _opts: object): Promise<void> {
  const store = await ctx.store();
  const orgs = await listOrgs(store.db);
  const counts = await orgCounts(store.db);
  const of = (o: Organisation) => counts.get(o.id) ?? { customers: 0, open_tickets: 0 };
  if (ctx.json) return printJson(ctx.io, orgs.map((o) => orgJson(o, of(o))));
  if (!orgs.length) {
    ctx.io.err('no organisations; `desk org add NAME --domain D` adds one\n');
    return;
  }
  await printTable(ctx.io, ['Name', 'Domains', 'Customers', 'Open'], orgs.map((o) => [o.name, o.domains.join(', '), of(o).customers, of(o).open_tickets]));
}

export async function runOrgShow(ctx: Ctx, name: string, _opts: object): Promise<void> {
  const store = await ctx.store();
  const o = await findOrg(store.db, name);
  const customers = await listCustomers(store.db, o.id);
  const open = await listTickets(store.db, { org: o.id, statuses: OPEN }, 'updated', 200);
  if (ctx.json) return printJson(ctx.io, { ...orgJson(o), customers: customers.map(customerJson), open_tickets: open.map(ticketJson) });
  const now = ctx.now();
  let out = `Organisation: ${safeLine(o.name)}\n`;
  out += `Domains: ${o.domains.length ? o.domains.map(safeLine).join(', ') : '- (members by hand only)'}\n`;
  if (o.notes) out += `Notes:\n${safeText(o.notes).replace(/^/gm, '  ')}\n`;
  out += `\nCustomers (${customers.length}):\n`;
  out += customers.length
    ? customers.map((c) => `  #${c.id}  ${safeLine(c.name ?? '(no name)')} <${c.addresses.map(safeLine).join(', ')}>${c.org_by_hand ? ' (by hand)' : ''}\n`).join('')
    : '  none\n';
  out += `\nOpen tickets (${open.length}):\n`;
  out += open.length
    ? open.map((t) => `  #${t.id}  ${t.status.padEnd(8)} ${t.priority.padEnd(7)} ${safeLine(t.requester.email)}  ${safeLine(t.subject)}  (${relative(t.updated_at, now)})\n`).join('')
    : '  none\n';
  ctx.io.out(out);
}

export async function runOrgEdit(ctx: Ctx, name: string, opts: OrgEditOptions): Promise<void> {
  if (opts.domain === undefined && opts.note === undefined) throw new UsageError('nothing to change: give --domain +D/-D or --note');
  const add: string[] = [], remove: string[] = [];
  for (const raw of (opts.domain ?? []).flatMap((d) => d.split(',')).filter((d) => d.trim())) {
    const t = raw.trim();
    if (t.startsWith('-')) remove.push(normaliseDomain(t.slice(1), '--domain'));
    else add.push(normaliseDomain(t.startsWith('+') ? t.slice(1) : t, '--domain'));
  }
  const store = await ctx.store();
  const o = await findOrg(store.db, name);
  const missing = remove.filter((d) => !o.domains.includes(d));
  if (missing.length) throw new UsageError(`invalid value for --domain: ${safeLine(o.name)} has no domain rule ${missing.map(safeLine).join(', ')}`);
  await store.write(async (tx) => {
    await removeDomains(tx, o.id, remove);
    await addDomains(tx, o.id, add);
    if (opts.note !== undefined) await setOrgNotes(tx, o.id, opts.note.trim() ? opts.note : null);
  });
  await printOrg(ctx, o.name, 'changed');
}

export async function runOrgAssign(ctx: Ctx, name: string, keys: string[], opts: { none?: boolean }): Promise<void> {
  const customerKeys = opts.none ? [name, ...keys] : keys;
  if (!customerKeys.length) throw new UsageError('name the customers to assign (addresses or ids)');
  const store = await ctx.store();
  const org = opts.none ? null : await findOrg(store.db, name);
  const customers: Customer[] = [];
  for (const k of customerKeys) customers.push(await findCustomer(store.db, k));
  await store.write(async (tx) => {
    if (org) await assignOrg(tx, customers.map((c) => c.id), org.id);
    else for (const c of customers) await releaseOrg(tx, c.id);
  });
  const after = [];
  for (const c of customers) after.push(await findCustomer(store.db, String(c.id)));
  if (ctx.json) return printJson(ctx.io, after.map(customerJson));
  for (const c of after) {
    ctx.io.out(`customer #${c.id} ${safeLine(c.addresses[0] ?? '')}: ${c.organisation ? `in ${safeLine(c.organisation)}${c.org_by_hand ? ' (by hand)' : ''}` : 'in no organisation'}\n`);
  }
}
