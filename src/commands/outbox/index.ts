// desk outbox [list] | flush [--force] | retry ID... | cancel ID...: the mail waiting to go out,
// sending it, and an agent's say over mail the server refused.
import type { Command } from 'commander';
import type { Act } from '../../cli/main.js';

export function register(program: Command, act: Act): void {
  const outbox = program.command('outbox').description('outgoing mail: what is waiting, and sending it');

  outbox
    .command('list', { isDefault: true })
    .description('mail not yet delivered: queued, being sent, refused (failed), or of unknown fate')
    .option('--all', 'include mail already sent or cancelled')
    .option('--json', 'print JSON')
    .action(act(async (ctx, opts) => (await import('./run.js')).runOutboxList(ctx, opts as never)));

  outbox
    .command('flush')
    .description('send what is queued; "unknown" mail only once the Sent folder shows it missing')
    .option('--force', 'also resend mail of unknown fate without confirmation (may send it twice)')
    .option('--json', 'print JSON')
    .action(act(async (ctx, opts) => (await import('./run.js')).runOutboxFlush(ctx, opts as never)));

  outbox
    .command('retry')
    .description('queue refused ("failed") or waiting mail again, due now: the next flush sends it')
    .argument('<id...>', 'outbox entry id(s), as `desk outbox` shows them')
    .option('--json', 'print the entries as JSON')
    .action(act(async (ctx, ids: string[], opts) => (await import('./run.js')).runOutboxRetry(ctx, ids, opts as never)));

  outbox
    .command('cancel')
    .description('withdraw queued, refused or unknown mail: it is never sent; the ticket gets a note')
    .argument('<id...>', 'outbox entry id(s), as `desk outbox` shows them')
    .option('--json', 'print the entries as JSON')
    .action(act(async (ctx, ids: string[], opts) => (await import('./run.js')).runOutboxCancel(ctx, ids, opts as never)));
}
