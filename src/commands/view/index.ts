// desk view add | list | rm: saved queries, an agent's own or shared with the team.
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';
import type { AddViewOptions, ViewScope } from './run.js';

const ADD_FLAGS: FlagSpec<AddViewOptions & JsonFlag> = { sort: 'string', shared: 'boolean', json: 'boolean' };
const LIST_FLAGS: FlagSpec<JsonFlag> = { json: 'boolean' };
const RM_FLAGS: FlagSpec<ViewScope> = { shared: 'boolean' };

export function register(program: Command, act: Act): void {
  const view = program.command('view').description('saved queries: desk list @NAME, tabs in desk triage');
  view
    .command('add')
    .description('save a query under a name (yours, or the team\'s with --shared)')
    .argument('<name>', 'the view\'s name (letters, digits, _ . -)')
    .argument('<query...>', 'the query (docs/cli.md: Queries)')
    .allowUnknownOption()
    .option('--sort <by>', 'how desk list @NAME sorts: sla, updated, created, priority')
    .option('--shared', 'a view for the whole team')
    .option('--json', 'print the view as JSON')
    .action(act(async (ctx, name: string, words: string[], _opts: object, cmd: Command) => (await import('./run.js')).runViewAdd(ctx, name, words, parseFlags(ADD_FLAGS, cmd))));
  view
    .command('list', { isDefault: true })
    .description('your views and the shared ones, with how many tickets each shows')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _opts: object, cmd: Command) => (parseFlags(LIST_FLAGS, cmd), (await import('./run.js')).runViewList(ctx))));
  view
    .command('rm')
    .description('remove one of your views (--shared: the team\'s view of that name)')
    .argument('<name>', 'the view\'s name')
    .option('--shared', 'the shared view')
    .action(act(async (ctx, name: string, _opts: object, cmd: Command) => (await import('./run.js')).runViewRm(ctx, name, parseFlags(RM_FLAGS, cmd))));
}
