// desk customer show|list|edit|add-address|merge and desk org add|list|show|edit|assign: the
// people who write in, and the organisations they belong to (migration 15).
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';
import type { CustomerEditOptions, CustomerListOptions } from './customer-run.js';
import type { OrgAddOptions, OrgEditOptions } from './org-run.js';

const JSON_ONLY: FlagSpec<JsonFlag> = { json: 'boolean' };
const CUSTOMER_LIST_FLAGS: FlagSpec<CustomerListOptions & JsonFlag> = { org: 'string', limit: 'string', json: 'boolean' };
const CUSTOMER_EDIT_FLAGS: FlagSpec<CustomerEditOptions & JsonFlag> = { name: 'string', note: 'string', json: 'boolean' };
const ORG_ADD_FLAGS: FlagSpec<OrgAddOptions & JsonFlag> = { domain: 'strings', note: 'string', json: 'boolean' };
const ORG_EDIT_FLAGS: FlagSpec<OrgEditOptions & JsonFlag> = { domain: 'strings', note: 'string', json: 'boolean' };
const ORG_ASSIGN_FLAGS: FlagSpec<{ none?: boolean } & JsonFlag> = { none: 'boolean', json: 'boolean' };

const repeat = (v: string, prev: string[] = []) => [...prev, v];
const customerRun = () => import('./customer-run.js');
const orgRun = () => import('./org-run.js');

export function register(program: Command, act: Act): void {
  const customer = program.command('customer').description('the people who write in: their addresses, organisation and tickets');
  customer
    .command('show')
    .description('a customer: name, addresses, organisation, open tickets, recent history, satisfaction')
    .argument('<customer>', 'an address of the customer, or its id')
    .option('--json', 'print JSON')
    .action(act(async (ctx, key: string, _o: object, cmd: Command) => (await customerRun()).runCustomerShow(ctx, key, parseFlags(JSON_ONLY, cmd))));
  customer
    .command('list')
    .description('customers by name')
    .option('--org <name>', 'only the customers of this organisation')
    .option('--limit <n>', 'at most N customers', '100')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _o: object, cmd: Command) => (await customerRun()).runCustomerList(ctx, parseFlags(CUSTOMER_LIST_FLAGS, cmd))));
  customer
    .command('edit')
    .description("change a customer's name or notes")
    .argument('<customer>', 'an address of the customer, or its id')
    .option('--name <name>', 'the name ("" clears it)')
    .option('--note <text>', 'notes about the customer ("" clears them)')
    .option('--json', 'print the customer as JSON')
    .action(act(async (ctx, key: string, _o: object, cmd: Command) => (await customerRun()).runCustomerEdit(ctx, key, parseFlags(CUSTOMER_EDIT_FLAGS, cmd))));
  customer
    .command('add-address')
    .description('another address of the same person (one of another customer: exit 4, merge them instead)')
    .argument('<customer>', 'an address of the customer, or its id')
    .argument('<email>', 'the new address')
    .option('--json', 'print the customer as JSON')
    .action(act(async (ctx, key: string, email: string, _o: object, cmd: Command) => (await customerRun()).runCustomerAddAddress(ctx, key, email, parseFlags(JSON_ONLY, cmd))));
  customer
    .command('merge')
    .description('make two customers one: the second one\'s addresses and tickets go to the first')
    .argument('<into>', 'the customer that stays (address or id)')
    .argument('<from>', 'the customer merged into it (address or id)')
    .option('--json', 'print the customer as JSON')
    .action(act(async (ctx, into: string, from: string, _o: object, cmd: Command) => (await customerRun()).runCustomerMerge(ctx, into, from, parseFlags(JSON_ONLY, cmd))));

  const org = program.command('org').description('organisations: customers grouped by e-mail domain or by hand');
  org
    .command('add')
    .description('add an organisation; customers at its domains join it')
    .argument('<name>', "the organisation's name")
    .option('--domain <domain>', 'customers with an address at this domain (or below it) join (repeat for several)', repeat)
    .option('--note <text>', 'notes about the organisation')
    .option('--json', 'print the organisation as JSON')
    .action(act(async (ctx, name: string, _o: object, cmd: Command) => (await orgRun()).runOrgAdd(ctx, name, parseFlags(ORG_ADD_FLAGS, cmd))));
  org
    .command('list')
    .description('organisations with their domains, customers and open tickets')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _o: object, cmd: Command) => (await orgRun()).runOrgList(ctx, parseFlags(JSON_ONLY, cmd))));
  org
    .command('show')
    .description('an organisation: domains, notes, customers, open tickets')
    .argument('<name>', "the organisation's name")
    .option('--json', 'print JSON')
    .action(act(async (ctx, name: string, _o: object, cmd: Command) => (await orgRun()).runOrgShow(ctx, name, parseFlags(JSON_ONLY, cmd))));
  org
    .command('edit')
    .description("change an organisation's domain rules or notes")
    .argument('<name>', "the organisation's name")
    .option('--domain <+d|-d>', 'add (+d or d) or remove (-d) a domain rule; repeat for several', repeat)
    .option('--note <text>', 'notes about the organisation ("" clears them)')
    .option('--json', 'print the organisation as JSON')
    .action(act(async (ctx, name: string, _o: object, cmd: Command) => (await orgRun()).runOrgEdit(ctx, name, parseFlags(ORG_EDIT_FLAGS, cmd))));
  org
    .command('assign')
    .description('put customers into an organisation by hand (no domain rule moves them after); --none gives them back to the rules')
    .argument('<name>', "the organisation's name (leave out with --none)")
    .argument('[customers...]', 'addresses or ids of customers')
    .option('--none', 'out of any organisation set by hand: the domain rules decide again')
    .option('--json', 'print the customers as JSON')
    .action(act(async (ctx, name: string, keys: string[], _o: object, cmd: Command) => (await orgRun()).runOrgAssign(ctx, name, keys, parseFlags(ORG_ASSIGN_FLAGS, cmd))));
}
