// desk reply ID: answer the customer by mail, through the outbox.
import { Option, type Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec } from '../flags.js';
import type { ReplyOptions } from './run.js';

const REPLY_FLAGS: FlagSpec<ReplyOptions> = {
  canned: 'string', message: 'string', edit: 'boolean', signature: 'boolean', status: 'string', force: 'boolean',
  cc: 'strings', keepCc: 'boolean', bcc: 'strings', attach: 'strings', kb: 'string', excerpt: 'boolean', json: 'boolean',
};

/**
 * `--no-cc` beside `--cc ADDR…`: commander would make both one option (the last given winning);
 * kept apart as `keepCc`, so `--no-cc --cc a@x` drops the ticket's list and still copies a@x.
 */
class NoCcOption extends Option {
  constructor() {
    super('--no-cc', "leave the ticket's CC list out of this reply (only the requester, and --cc)");
  }
  override attributeName(): string {
    return 'keepCc';
  }
}

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
    .option('--cc <address...>', "copy them too (they join the ticket's CC list); the ticket's CC list is copied anyway")
    .addOption(new NoCcOption())
    .option('--bcc <address...>', 'blind copies: in the envelope only, never in a header or on the ticket')
    .option('--attach <file...>', 'attach these files (18 MiB in all)')
    .option('--kb <slug>', "answer with a public knowledge-base article: its link (kb.baseUrl) below the text")
    .option('--excerpt', "with --kb: the article's first paragraph instead of its link")
    .option('--json', 'print the result as JSON')
    .action(act(async (ctx, id: string, _opts: object, cmd: Command) => (await import('./run.js')).runReply(ctx, id, parseFlags(REPLY_FLAGS, cmd))));
}
