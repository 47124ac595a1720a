// desk kb list | show SLUG | new SLUG | edit SLUG | rm SLUG | search WORDS | import DIR | publish DIR | report
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';
import type { NewOptions } from './run.js';

const LIST_FLAGS: FlagSpec<{ tag?: string; audience?: string } & JsonFlag> = { tag: 'string', audience: 'string', json: 'boolean' };
const NEW_FLAGS: FlagSpec<NewOptions> = { title: 'string', tag: 'strings', queue: 'strings', public: 'boolean', body: 'string' };
const REPORT_FLAGS: FlagSpec<{ since?: string } & JsonFlag> = { since: 'string', json: 'boolean' };
const many = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command, act: Act): void {
  const kb = program.command('kb').description('knowledge base: articles agents answer with and customers read');
  const run = () => import('./run.js');

  kb.command('list', { isDefault: true })
    .description('list the articles')
    .option('--tag <tag>', 'only those with this tag')
    .option('--audience <who>', 'internal or public')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _o: object, cmd: Command) => (await run()).runList(ctx, parseFlags(LIST_FLAGS, cmd))));

  kb.command('show')
    .description('print an article as it is written (front matter and Markdown)')
    .argument('<slug>', 'article slug')
    .option('--json', 'print JSON')
    .action(act(async (ctx, slug: string) => (await run()).runShow(ctx, slug)));

  kb.command('new')
    .description('write a new article in $VISUAL/$EDITOR (or from --body)')
    .argument('<slug>', 'slug: lower-case letters, digits, dashes (the file and page name)')
    .option('--title <text>', 'the title')
    .option('--tag <tag>', 'tag (repeat for several)', many)
    .option('--queue <queue>', 'a queue it is about (repeat for several; none: every queue)', many)
    .option('--public', 'customers may read it (published, sent in replies); default internal')
    .option('--body <text>', 'the Markdown text (- reads standard input) instead of the editor')
    .action(act(async (ctx, slug: string, _o: object, cmd: Command) => (await run()).runNew(ctx, slug, parseFlags(NEW_FLAGS, cmd))));

  kb.command('edit')
    .description('change an article in $VISUAL/$EDITOR')
    .argument('<slug>', 'article slug')
    .action(act(async (ctx, slug: string) => (await run()).runEdit(ctx, slug)));

  kb.command('rm')
    .description('remove an article')
    .argument('<slug>', 'article slug')
    .action(act(async (ctx, slug: string) => (await run()).runRm(ctx, slug)));

  kb.command('search')
    .description('full-text search of the articles (the same folding as ticket search)')
    .argument('<words...>', 'words to look for (the last one may be the start of a word)')
    .option('--json', 'print JSON')
    .action(act(async (ctx, words: string[]) => (await run()).runSearch(ctx, words)));

  kb.command('import')
    .description('load the <slug>.md files of a directory into this desk’s knowledge base')
    .argument('<dir>', 'directory of article files')
    .option('--json', 'print JSON')
    .action(act(async (ctx, dir: string) => (await run()).runImport(ctx, dir)));

  kb.command('publish')
    .description('write the static self-service site of the public articles into DIR')
    .argument('<dir>', 'output directory')
    .option('--json', 'print JSON')
    .action(act(async (ctx, dir: string) => (await run()).runPublish(ctx, dir)));

  kb.command('report')
    .description('tickets answered by an article, and the most used articles')
    .option('--since <date>', 'only answers from this date on')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _o: object, cmd: Command) => (await run()).runReport(ctx, parseFlags(REPORT_FLAGS, cmd))));
}
