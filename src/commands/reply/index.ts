// desk reply ID: answer the customer by mail, through the outbox.
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec } from '../flags.js';
import type { ReplyOptions } from './run.js';

const REPLY_FLAGS: FlagSpec<ReplyOptions> = {
  canned: 'string', message: 'string', edit: 'boolean', signature: 'boolean', status: 'string', kb: 'string', excerpt: 'boolean', json: 'boolean',
};

export function register(program: Command, act: Act): void {
  program
    .command('reply')
    .description('answer a ticket by mail ($VISUAL/$EDITOR unless --message or --canned)')
    .argument('<id>', 'ticket id')
    .option('--canned <name>', 'start from a canned reply (sent as is unless --edit)')
    .option('--message <text>', 'the reply (- reads standard input)')
    .option('--edit', 'open the editor even with --canned or --message')
    .option('--no-signature', "do not add the agent's signature below the text (canned replies place it themselves)")
    .option('--status <s>', 'set the status in the same step: pending, solved, open, on_hold, closed')
    .option('--kb <slug>', "answer with a public knowledge-base article: its link (kb.baseUrl) below the text")
    .option('--excerpt', "with --kb: the article's first paragraph instead of its link")
    .option('--json', 'print the result as JSON')
    .action(act(async (ctx, id: string, _opts: object, cmd: Command) => (await import('./run.js')).runReply(ctx, id, parseFlags(REPLY_FLAGS, cmd))));
}
