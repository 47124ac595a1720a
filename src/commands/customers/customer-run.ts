// desk customer show | list | edit | add-address | merge
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { normaliseAddress } from '../../domain/customers/org-rules.js';
import { parseLimit } from '../../domain/filters.js';
import { identifierProblem } from '../../domain/identifiers.js';
import { ticketJson } from '../../domain/interchange.js';
import type { Ticket } from '../../domain/types.js';
import {
  addAddress, customerSatisfaction, customerTickets, findCustomer, listCustomers, mergeCustomers, renameCustomer,
  setCustomerNotes, type Customer, type Satisfaction,
} from '../../store/repos/customers.js';
import { orgIdOf } from '../../store/repos/organisations.js';
import { printJson, printTable } from '../../ui/output.js';
import { safeLine, safeText } from '../../ui/safe-text.js';
import { relative } from '../../ui/time.js';

export interface CustomerListOptions {
  org?: string;
  limit?: string;
}

export interface CustomerEditOptions {
  name?: string;
  note?: string;
}

/** A customer as --json prints it. */
export function customerJson(c: Customer): Record<string, unknown> {
  return { id: c.id, name: c.name, addresses: c.addresses, organisation: c.organisation, organisation_by_hand: c.org_by_hand, notes: c.notes, created_at: c.created_at };
}

/** "no ratings yet", or the share of good ratings. */
export function satisfactionText(s: Satisfaction | null): string {
  if (!s || s.ratings === 0) return 'no ratings yet';
  return `${Math.round(s.good * 100)}% good of ${s.ratings} rating${s.ratings === 1 ? '' : 's'}, average ${s.average.toFixed(1)}`;
}

/** The latest ratings, one line each. */
function lastRatingsText(s: Satisfaction | null): string {
  if (!s?.last.length) return '';
  return s.last.map((r) => `  #${r.ticket_id}  ${r.rating.padEnd(4)} ${r.received_at}${r.comment ? `  ${safeLine(r.comment)}` : ''}\n`).join('');
}

export async function runCustomerShow(ctx: Ctx, key: string, _opts: object): Promise<void> {
  const store = await ctx.store();
  const c = await findCustomer(store.db, key);
  const { open, recent } = await customerTickets(store.db, c.id);
  const satisfaction = await customerSatisfaction(store.db, c.id);
  if (ctx.json) {
    return printJson(ctx.io, { ...customerJson(c), open_tickets: open.map(ticketJson), recent_tickets: recent.map(ticketJson), satisfaction });
  }
  const now = ctx.now();
  const line = (t: Ticket) => `  #${t.id}  ${t.status.padEnd(8)} ${t.priority.padEnd(7)} ${safeLine(t.subject)}  (${relative(t.updated_at, now)})\n`;
  let out = `Customer #${c.id}: ${safeLine(c.name ?? '(no name)')}\n`;
  out += `Addresses: ${c.addresses.map(safeLine).join(', ')}\n`;
  out += `Organisation: ${c.organisation ? `${safeLine(c.organisation)}${c.org_by_hand ? ' (by hand)' : ''}` : '-'}\n`;
  out += `Satisfaction: ${satisfactionText(satisfaction)}\n`;
  out += lastRatingsText(satisfaction);
  if (c.notes) out += `Notes:\n${safeText(c.notes).replace(/^/gm, '  ')}\n`;
  out += `\nOpen tickets (${open.length}):\n`;
  out += open.length ? open.map(line).join('') : '  none\n';
  out += `\nRecent tickets:\n`;
  out += recent.length ? recent.map(line).join('') : '  none\n';
  ctx.io.out(out);
}

export async function runCustomerList(ctx: Ctx, opts: CustomerListOptions): Promise<void> {
  const limit = parseLimit(opts.limit, 100);
  const store = await ctx.store();
  const orgId = opts.org !== undefined ? await orgIdOf(store.db, opts.org, '--org') : undefined;
  const list = await listCustomers(store.db, orgId, limit);
  if (ctx.json) return printJson(ctx.io, list.map(customerJson));
  if (!list.length) {
    ctx.io.err('no customers\n');
    return;
  }
  await printTable(ctx.io, ['ID', 'Name', 'Addresses', 'Organisation'], list.map((c) => [`${c.id}`, c.name ?? '', c.addresses.join(', '), c.organisation ?? '-']));
}

async function printCustomer(ctx: Ctx, key: string | number, verb: string): Promise<void> {
  const c = await findCustomer((await ctx.store()).db, String(key));
  if (ctx.json) return printJson(ctx.io, customerJson(c));
  ctx.io.out(`customer #${c.id} ${verb}: ${safeLine(c.name ?? '(no name)')} <${c.addresses.map(safeLine).join(', ')}>${c.organisation ? `, ${safeLine(c.organisation)}` : ''}\n`);
}

export async function runCustomerEdit(ctx: Ctx, key: string, opts: CustomerEditOptions): Promise<void> {
  if (opts.name === undefined && opts.note === undefined) throw new UsageError('nothing to change: give --name or --note');
  const name = opts.name === undefined ? undefined : opts.name.trim() || null;
  if (name && identifierProblem('name of an organisation', name)) throw new UsageError(`invalid value for --name: '${safeLine(name)}' holds control characters`);
  const store = await ctx.store();
  const c = await findCustomer(store.db, key);
  await store.write(async (tx) => {
    if (name !== undefined) await renameCustomer(tx, c.id, name);
    if (opts.note !== undefined) await setCustomerNotes(tx, c.id, opts.note.trim() ? opts.note : null);
  });
  await printCustomer(ctx, c.id, 'changed');
}

export async function runCustomerAddAddress(ctx: Ctx, key: string, email: string, _opts: object): Promise<void> {
  const address = normaliseAddress(email, 'the address');
  const store = await ctx.store();
  const c = await findCustomer(store.db, key);
  const added = await store.write((tx) => addAddress(tx, c.id, address));
  await printCustomer(ctx, c.id, added ? 'has a new address' : 'has that address already');
}

export async function runCustomerMerge(ctx: Ctx, intoKey: string, fromKey: string, _opts: object): Promise<void> {
  const store = await ctx.store();
  const into = await findCustomer(store.db, intoKey);
  const from = await findCustomer(store.db, fromKey);
  await store.write(async (tx) => mergeCustomers(tx, await findCustomer(tx, String(into.id)), await findCustomer(tx, String(from.id))));
  await printCustomer(ctx, into.id, `merged with #${from.id}`);
}
