// desk outbox [list] | flush [--force]: the mail waiting to go out, and sending it.
import type { Command } from 'commander';
import type { Act } from '../../cli/main.js';

export function register(program: Command, act: Act): void {
  const outbox = program.command('outbox').description('outgoing mail: what is waiting, and sending it');

  outbox
    .command('list', { isDefault: true })
    .description('mail not yet delivered: queued, being sent, or of unknown fate')
    .option('--all', 'include mail already sent')
    .option('--json', 'print JSON')
    .action(act(async (ctx, opts) => (await import('./run.js')).runOutboxList(ctx, opts as never)));

  outbox
    .command('flush')
    .description('send what is queued; "unknown" mail only once the Sent folder shows it missing')
    .option('--force', 'also resend mail of unknown fate without confirmation (may send it twice)')
    .option('--json', 'print JSON')
    .action(act(async (ctx, opts) => (await import('./run.js')).runOutboxFlush(ctx, opts as never)));
}
