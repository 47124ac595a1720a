// Working a ticket as a team: merge, unmerge, split, link, unlink.
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';
import type { LinkOptions, MergeOptions, SplitOptions } from './run.js';

const MERGE_FLAGS: FlagSpec<MergeOptions & JsonFlag> = { into: 'string!', json: 'boolean' };
const JSON_ONLY: FlagSpec<JsonFlag> = { json: 'boolean' };
const SPLIT_FLAGS: FlagSpec<SplitOptions & JsonFlag> = { messages: 'strings!', json: 'boolean' };
const LINK_FLAGS: FlagSpec<LinkOptions & JsonFlag> = { parent: 'string', child: 'string', duplicateOf: 'string', related: 'string', json: 'boolean' };

export function register(program: Command, act: Act): void {
  program
    .command('merge')
    .description('merge tickets into one: their messages, notes and tags move to TARGET, they close and point at it')
    .argument('<sources...>', 'ticket id(s) to merge away')
    .requiredOption('--into <target>', 'the ticket that keeps the conversation')
    .option('--json', 'print the target as JSON')
    .action(act(async (ctx, ids: string[], _opts: object, cmd: Command) => (await import('./run.js')).runMerge(ctx, ids, parseFlags(MERGE_FLAGS, cmd))));

  program
    .command('unmerge')
    .description('undo a merge: what it moved goes back to the merged ticket, which gets its status back')
    .argument('<id>', 'the merged ticket')
    .option('--json', 'print the ticket as JSON')
    .action(act(async (ctx, id: string, _opts: object, cmd: Command) => (await import('./run.js')).runUnmerge(ctx, id, parseFlags(JSON_ONLY, cmd))));

  program
    .command('split')
    .description('move messages of a ticket into a new ticket of the same requester (a second problem in one thread)')
    .argument('<id>', 'ticket id')
    .requiredOption('--messages <ids...>', 'Message-IDs to move, as `desk show ID --why` prints them')
    .option('--json', 'print the new ticket as JSON')
    .action(act(async (ctx, id: string, _opts: object, cmd: Command) => (await import('./run.js')).runSplit(ctx, id, parseFlags(SPLIT_FLAGS, cmd))));

  program
    .command('link')
    .description('link two tickets: OTHER is the parent, child, original (duplicate-of) or a related ticket of ID')
    .argument('<id>', 'ticket id')
    .option('--parent <other>', 'OTHER is the parent of ID')
    .option('--child <other>', 'OTHER is a child of ID')
    .option('--duplicate-of <other>', 'ID is a duplicate of OTHER')
    .option('--related <other>', 'the two are related')
    .option('--json', 'print the ticket as JSON')
    .action(act(async (ctx, id: string, _opts: object, cmd: Command) => (await import('./run.js')).runLink(ctx, id, parseFlags(LINK_FLAGS, cmd))));

  program
    .command('unlink')
    .description('remove the link between two tickets')
    .argument('<id>', 'ticket id')
    .argument('<other>', 'the linked ticket')
    .option('--json', 'print the ticket as JSON')
    .action(act(async (ctx, id: string, other: string, _opts: object, cmd: Command) => (await import('./run.js')).runUnlink(ctx, id, other, parseFlags(JSON_ONLY, cmd))));
}
