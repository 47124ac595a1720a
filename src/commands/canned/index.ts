// desk canned list | show NAME | new NAME | edit NAME | rm NAME | render NAME --ticket ID
import type { Command } from 'commander';
import type { Act } from '../../cli/main.js';

export function register(program: Command, act: Act): void {
  const canned = program.command('canned').description('canned replies: the texts most tickets are answered with');
  const run = () => import('./run.js');

  canned
    .command('list', { isDefault: true })
    .description('list canned replies')
    .option('--tag <tag>', 'only those with this tag')
    .option('--json', 'print JSON')
    .action(act(async (ctx, opts) => (await run()).runList(ctx, opts as never)));

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
    .action(act(async (ctx, name: string, opts) => (await run()).runNew(ctx, name, opts as never)));

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
    .action(act(async (ctx, name: string, opts) => (await run()).runRender(ctx, name, opts as never)));
}
