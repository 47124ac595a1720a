// desk canned list | show NAME | new NAME | edit NAME | rm NAME | render NAME --ticket ID
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';
import type { NewOptions } from './run.js';

const LIST_FLAGS: FlagSpec<{ tag?: string } & JsonFlag> = { tag: 'string', json: 'boolean' };
const NEW_FLAGS: FlagSpec<NewOptions> = { title: 'string', tag: 'strings', statusAfter: 'string', body: 'string' };
const RENDER_FLAGS: FlagSpec<{ ticket: string } & JsonFlag> = { ticket: 'string!', json: 'boolean' };

export function register(program: Command, act: Act): void {
  const canned = program.command('canned').description('canned replies: the texts most tickets are answered with');
  const run = () => import('./run.js');

  canned
    .command('list', { isDefault: true })
    .description('list canned replies')
    .option('--tag <tag>', 'only those with this tag')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _opts: object, cmd: Command) => (await run()).runList(ctx, parseFlags(LIST_FLAGS, cmd))));

  canned
    .command('show')
    .description('print a canned reply as it is written (front matter and text)')
    .argument('<name>', 'canned reply name')
    .option('--json', 'print JSON')
    .action(act(async (ctx, name: string) => (await run()).runShow(ctx, name)));

  canned
    .command('new')
    .description('write a new canned reply in $VISUAL/$EDITOR (or from --body)')
    .argument('<name>', 'name: letters, digits, dots, dashes, underscores')
    .option('--title <text>', 'one line saying what it is for')
    .option('--tag <tag>', 'tag (repeat for several)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--status-after <status>', 'status a ticket takes when this reply is sent (e.g. pending)')
    .option('--body <text>', 'the text (- reads standard input) instead of the editor')
    .action(act(async (ctx, name: string, _opts: object, cmd: Command) => (await run()).runNew(ctx, name, parseFlags(NEW_FLAGS, cmd))));

  canned
    .command('edit')
    .description('change a canned reply in $VISUAL/$EDITOR (a starter reply becomes the team’s own copy)')
    .argument('<name>', 'canned reply name')
    .action(act(async (ctx, name: string) => (await run()).runEdit(ctx, name)));

  canned
    .command('rm')
    .description('remove one of the team’s canned replies')
    .argument('<name>', 'canned reply name')
    .action(act(async (ctx, name: string) => (await run()).runRm(ctx, name)));

  canned
    .command('render')
    .description('show a canned reply filled in for a ticket (exit 2 if a variable does not resolve)')
    .argument('<name>', 'canned reply name')
    .requiredOption('--ticket <id>', 'the ticket whose values fill the variables')
    .option('--json', 'print JSON')
    .action(act(async (ctx, name: string, _opts: object, cmd: Command) => (await run()).runRender(ctx, name, parseFlags(RENDER_FLAGS, cmd))));
}
