// desk reply ID: answer the customer by mail, through the outbox.
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec } from '../flags.js';
import type { ReplyOptions } from './run.js';

const REPLY_FLAGS: FlagSpec<ReplyOptions> = {
  canned: 'string', message: 'string', edit: 'boolean', signature: 'boolean', status: 'string', force: 'boolean', json: 'boolean',
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
    .option('--force', 'send even if a customer message arrived after you opened the ticket')
    .option('--json', 'print the result as JSON')
    .action(act(async (ctx, id: string, _opts: object, cmd: Command) => (await import('./run.js')).runReply(ctx, id, parseFlags(REPLY_FLAGS, cmd))));
}
