// desk outbox [list] | flush [--force] | retry ID... | cancel ID...: the mail waiting to go out,
// sending it, and an agent's say over mail the server refused.
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';

const LIST_FLAGS: FlagSpec<{ all?: boolean } & JsonFlag> = { all: 'boolean', json: 'boolean' };
const FLUSH_FLAGS: FlagSpec<{ force?: boolean } & JsonFlag> = { force: 'boolean', json: 'boolean' };
const JSON_ONLY: FlagSpec<JsonFlag> = { json: 'boolean' };

export function register(program: Command, act: Act): void {
  const outbox = program.command('outbox').description('outgoing mail: what is waiting, and sending it');

  outbox
    .command('list', { isDefault: true })
    .description('mail not yet delivered: queued, being sent, refused (failed), or of unknown fate')
    .option('--all', 'include mail already sent or cancelled')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _opts: object, cmd: Command) => (await import('./run.js')).runOutboxList(ctx, parseFlags(LIST_FLAGS, cmd))));

  outbox
    .command('flush')
    .description('send what is queued; "unknown" mail only once the Sent folder shows it missing')
    .option('--force', 'also resend mail of unknown fate without confirmation (may send it twice)')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _opts: object, cmd: Command) => (await import('./run.js')).runOutboxFlush(ctx, parseFlags(FLUSH_FLAGS, cmd))));

  outbox
    .command('retry')
    .description('queue refused ("failed") or waiting mail again, due now: the next flush sends it')
    .argument('<id...>', 'outbox entry id(s), as `desk outbox` shows them')
    .option('--json', 'print the entries as JSON')
    .action(act(async (ctx, ids: string[], _opts: object, cmd: Command) => (await import('./run.js')).runOutboxRetry(ctx, ids, parseFlags(JSON_ONLY, cmd))));

  outbox
    .command('cancel')
    .description('withdraw queued, refused or unknown mail: it is never sent; the ticket gets a note')
    .argument('<id...>', 'outbox entry id(s), as `desk outbox` shows them')
    .option('--json', 'print the entries as JSON')
    .action(act(async (ctx, ids: string[], _opts: object, cmd: Command) => (await import('./run.js')).runOutboxCancel(ctx, ids, parseFlags(JSON_ONLY, cmd))));
}
