// Ticket commands: new, list, show, set, snooze, assign, take, note, close, reopen, search.
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import type { FilterFlags } from '../../domain/filters.js';
import { addFilterOptions } from '../shared.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';
import type { NewOptions } from './new.js';
import type { ListOptions } from './list.js';
import type { SearchOptions } from './search.js';
import type { SnoozeOptions } from './snooze.js';
import type { AssignOptions, BulkOptions, SetOptions, VersionOption } from './change.js';
import type { ChildrenOptions } from '../links/children.js';

const FILTER_FLAGS: FlagSpec<Omit<FilterFlags, 'all'>> = {
  status: 'string', priority: 'string', queue: 'string', tier: 'string', tag: 'strings', assignee: 'string', requester: 'string',
};
const NEW_FLAGS: FlagSpec<NewOptions & JsonFlag> = {
  from: 'string!', subject: 'string!', name: 'string', body: 'string', priority: 'string', queue: 'string', tag: 'strings', json: 'boolean',
};
const LIST_FLAGS: FlagSpec<ListOptions & JsonFlag> = { ...FILTER_FLAGS, org: 'string', all: 'boolean', sort: 'string', limit: 'string', linkedTo: 'string', json: 'boolean' };
const SHOW_FLAGS: FlagSpec<{ why?: boolean } & JsonFlag> = { why: 'boolean', json: 'boolean' };
const SET_FLAGS: FlagSpec<SetOptions & VersionOption & BulkOptions & JsonFlag> = {
  status: 'string', priority: 'string', queue: 'string', subject: 'string', tag: 'strings', ifVersion: 'string', dryRun: 'boolean', yes: 'boolean', json: 'boolean',
};
const SNOOZE_FLAGS: FlagSpec<SnoozeOptions & { now?: string } & JsonFlag> = { off: 'boolean', reason: 'string', now: 'string', json: 'boolean' };
const ASSIGN_FLAGS: FlagSpec<AssignOptions & VersionOption & BulkOptions & JsonFlag> = { to: 'string', me: 'boolean', auto: 'boolean', none: 'boolean', ifVersion: 'string', dryRun: 'boolean', yes: 'boolean', json: 'boolean' };
const VERSION_JSON: FlagSpec<VersionOption & JsonFlag> = { ifVersion: 'string', json: 'boolean' };
const VERSION_ONLY: FlagSpec<VersionOption> = { ifVersion: 'string' };
const CLOSE_FLAGS: FlagSpec<VersionOption & ChildrenOptions & BulkOptions & JsonFlag> = { ifVersion: 'string', withChildren: 'boolean', withoutChildren: 'boolean', dryRun: 'boolean', yes: 'boolean', json: 'boolean' };
const DRY_RUN = ['--dry-run', 'show the plan (count and a sample; --json: every id), change nothing'] as const;
const YES = ['--yes', 'change more than bulk.confirmAbove tickets without asking (scripts)'] as const;
const IF_VERSION = ['--if-version <n>', 'act only if the ticket is still at this version (as `show --json` printed it); else exit 4'] as const;
const SEARCH_FLAGS: FlagSpec<Omit<SearchOptions, 'all'> & JsonFlag> = { ...FILTER_FLAGS, org: 'string', limit: 'string', json: 'boolean' };

export function register(program: Command, act: Act): void {
  program
    .command('new')
    .description('open a ticket by hand (a phone call, a chat, a walk-in)')
    .requiredOption('--from <email>', "the customer's address")
    .requiredOption('--subject <text>', 'what it is about')
    .option('--name <name>', "the customer's name")
    .option('--body <text>', 'what the customer said (- reads standard input)')
    .option('--priority <p>', 'urgent, high, normal, low')
    .option('--queue <q>', 'queue')
    .option('--tag <tag>', 'tag (repeat for several)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--json', 'print the ticket as JSON')
    .action(act(async (ctx, _opts: object, cmd: Command) => (await import('./new.js')).runNew(ctx, parseFlags(NEW_FLAGS, cmd))));

  addFilterOptions(
    program
      .command('list')
      .description('list tickets matching a query or a saved view (unfinished ones unless the query or --status names statuses, or --all)')
      .argument('[query...]', 'a query (status:open tag:vip from:@acme.com words…) or @VIEW, see docs/cli.md: Queries')
      .allowUnknownOption()
      .option('--all', 'include solved and closed tickets')
      .option('--org <name>', "only tickets of this organisation's customers")
      .option('--sort <by>', 'sla, updated, created, priority (default: updated, or the view\'s)')
      .option('--limit <n>', 'at most N tickets', '50')
      .option('--linked-to <id>', 'tickets linked to this one (parent, child, duplicate, related)')
      .option('--json', 'print JSON'),
  ).action(act(async (ctx, words: string[], _opts: object, cmd: Command) => (await import('./list.js')).runList(ctx, words, parseFlags(LIST_FLAGS, cmd))));

  program
    .command('show')
    .description("a ticket with its whole timeline: messages, notes and changes")
    .argument('<id>', 'ticket id')
    .option('--why', 'say how each message was threaded and why mail was classed automatic')
    .option('--json', 'print the ticket in the interchange format')
    .action(act(async (ctx, id: string, _opts: object, cmd: Command) => (await import('./show.js')).runShow(ctx, id, parseFlags(SHOW_FLAGS, cmd))));

  program
    .command('set')
    .description('change status, priority, queue or tags of one ticket or several (ids, or a query / @VIEW: a bulk change)')
    .argument('<tickets...>', 'ticket id(s), or a query or @VIEW (docs/cli.md: Bulk changes)')
    .allowUnknownOption()
    .option('--status <s>', 'new, open, pending, on_hold, solved, closed')
    .option('--priority <p>', 'urgent, high, normal, low')
    .option('--queue <q>', 'queue ("" clears it)')
    .option('--subject <text>', 'a clearer subject')
    .option('--tag <+t|-t>', 'add (+t or t) or remove (-t) a tag; repeat for several', (v: string, prev: string[] = []) => [...prev, v])
    .option(...IF_VERSION)
    .option(...DRY_RUN)
    .option(...YES)
    .option('--json', 'print the ticket as JSON (several: an array)')
    .action(act(async (ctx, ids: string[], _opts: object, cmd: Command) => (await import('./change.js')).runSet(ctx, ids, parseFlags(SET_FLAGS, cmd))));

  program
    .command('snooze')
    .description('hide a ticket from the queue until a time; its status and SLA clocks stay as they are')
    .argument('<id>', 'ticket id')
    .argument('[when]', 'until when: 2h, 1d, tomorrow, tomorrow 14:00, mon 10:00, 2026-04-02 14:00 (desk time zone) or an ISO time')
    .option('--reason <text>', 'why (kept in the ticket history)')
    .option('--off', 'end the snooze now: back in the queue')
    .option('--now <iso>', 'the time to count from (default: now)')
    .option('--json', 'print the ticket as JSON')
    .action(act(async (ctx, id: string, when: string | undefined, _opts: object, cmd: Command) => (await import('./snooze.js')).runSnooze(ctx, id, when, parseFlags(SNOOZE_FLAGS, cmd))));

  program
    .command('assign')
    .description('give tickets to an agent: assign ID… AGENT, ID… --me|--auto|--none, or QUERY… --to AGENT (a bulk change)')
    .argument('<tickets-and-agent...>', 'ticket id(s) or a query / @VIEW, then the agent name unless --to, --me, --auto or --none')
    .allowUnknownOption()
    .option('--to <agent>', 'the agent (the clear way with a query)')
    .option('--me', 'to yourself')
    .option('--auto', 'to the least-loaded available agent of the ticket’s tier')
    .option('--none', 'unassign')
    .option(...IF_VERSION)
    .option(...DRY_RUN)
    .option(...YES)
    .option('--json', 'print the ticket as JSON')
    .action(act(async (ctx, words: string[], _opts: object, cmd: Command) => (await import('./change.js')).runAssign(ctx, words, parseFlags(ASSIGN_FLAGS, cmd))));

  program
    .command('take')
    .description('assign tickets nobody has to yourself (one another agent has: exit 4; `assign --me` takes it over)')
    .argument('<ids...>', 'ticket id(s)')
    .option(...IF_VERSION)
    .option('--json', 'print the ticket as JSON (several: an array)')
    .action(act(async (ctx, ids: string[], _opts: object, cmd: Command) => (await import('./change.js')).runTake(ctx, ids, parseFlags(VERSION_JSON, cmd))));

  program
    .command('note')
    .description('add an internal note (never mailed to the customer)')
    .argument('<id>', 'ticket id')
    .argument('<text...>', 'the note: the remaining words (- alone reads standard input)')
    .option(...IF_VERSION)
    .action(act(async (ctx, id: string, words: string[], _opts: object, cmd: Command) => (await import('./change.js')).runNote(ctx, id, words, parseFlags(VERSION_ONLY, cmd))));

  program
    .command('close')
    .description('close tickets (a parent with open children: asks on a terminal whether they close too)')
    .argument('<tickets...>', 'ticket id(s), or a query or @VIEW (a bulk change)')
    .allowUnknownOption()
    .option(...IF_VERSION)
    .option('--with-children', 'close its open child tickets too')
    .option('--without-children', 'close only the ticket(s) named; children stay open')
    .option(...DRY_RUN)
    .option(...YES)
    .option('--json', 'print the ticket as JSON (several: an array)')
    .action(act(async (ctx, ids: string[], _opts: object, cmd: Command) => (await import('./change.js')).runStatus(ctx, ids, 'closed', parseFlags(CLOSE_FLAGS, cmd))));

  program
    .command('reopen')
    .description('reopen solved or closed tickets')
    .argument('<ids...>', 'ticket id(s)')
    .option(...IF_VERSION)
    .option('--json', 'print the ticket as JSON (several: an array)')
    .action(act(async (ctx, ids: string[], _opts: object, cmd: Command) => (await import('./change.js')).runStatus(ctx, ids, 'open', parseFlags(VERSION_JSON, cmd))));

  addFilterOptions(
    program
      .command('search')
      .description('full-text search over subjects and messages (accents and case ignored), narrowed by the filters of list')
      .argument('<query...>', 'words to find, and any terms of a query (status:open, from:@acme.com…)')
      .option('--org <name>', "only tickets of this organisation's customers")
      .allowUnknownOption()
      .option('--limit <n>', 'at most N tickets', '20')
      .option('--json', 'print JSON'),
  ).action(act(async (ctx, words: string[], _opts: object, cmd: Command) => (await import('./search.js')).runSearch(ctx, words, parseFlags(SEARCH_FLAGS, cmd))));
}
