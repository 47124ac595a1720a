// desk sync [--account NAME] [--watch] [--replay] [--json] [--quiet] [--verbose]
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';
import type { SyncCommandOptions } from './run.js';

const SYNC_FLAGS: FlagSpec<SyncCommandOptions & { quarantined?: boolean } & JsonFlag> = {
  account: 'string', watch: 'boolean', replay: 'boolean', quarantined: 'boolean', json: 'boolean', quiet: 'boolean', verbose: 'boolean', batchSize: 'string',
};

export function register(program: Command, act: Act): void {
  program
    .command('sync')
    .description('pull mail over IMAP into tickets (exactly once), then send the outbox')
    .option('--account <name>', 'only this account of the config')
    .option('--watch', 'keep running: wait for new mail with IMAP IDLE (Ctrl-C ends it)')
    .option('--replay', 'retry quarantined messages (after an upgrade), without fetching mail')
    .option('--quarantined', 'list the messages that could not be read, with the reason (fetches nothing)')
    .option('--json', 'one JSON object per mailbox on stdout instead of the reconciliation lines')
    .option('-q, --quiet', 'print nothing but errors and quarantined mail (for cron)')
    .option('-v, --verbose', 'IMAP protocol log (passwords masked) and parse warnings on stderr')
    .option('--batch-size <n>', 'messages per fetch and per transaction', '1000')
    .action(act(async (ctx, _opts: object, cmd: Command) => {
      const { quarantined, ...opts } = parseFlags(SYNC_FLAGS, cmd);
      return quarantined ? (await import('./quarantine.js')).listQuarantine(ctx) : (await import('./run.js')).runSync(ctx, opts);
    }));
}
