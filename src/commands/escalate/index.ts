// desk escalate: by hand (ID --to TIER --reason TEXT) or by the rules (--auto, for cron).
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { UsageError } from '../../errors.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';

interface Flags {
  to?: string;
  reason?: string;
  notify?: boolean;
  auto?: boolean;
  dryRun?: boolean;
  now?: string;
  ifVersion?: string;
}

const FLAGS: FlagSpec<Flags & JsonFlag> = {
  to: 'string', reason: 'string', notify: 'boolean', auto: 'boolean', dryRun: 'boolean', now: 'string', ifVersion: 'string', json: 'boolean',
};

export function register(program: Command, act: Act): void {
  program
    .command('escalate')
    .description('move a ticket to another tier, up or down, with a reason; or apply the escalation rules (--auto)')
    .argument('[id]', 'ticket id (not with --auto)')
    .option('--to <tier>', 'the tier to move the ticket to')
    .option('--reason <text>', 'why (kept in the ticket history)')
    .option('--notify', "mail the new tier's lead (leads: in the rules file)")
    .option('--auto', 'apply the escalation rules to every ticket they concern (for cron)')
    .option('--dry-run', 'with --auto: list what would happen and why, change nothing')
    .option('--now <iso>', 'the time to judge SLA clocks at (default: now)')
    .option('--if-version <n>', 'move it only if the ticket is still at this version (as `show --json` printed it); else exit 4')
    .option('--json', 'print JSON')
    .action(act(async (ctx, id: string | undefined, _opts: object, cmd: Command) => {
      const flags = parseFlags(FLAGS, cmd);
      if (flags.auto) {
        if (id !== undefined || flags.to || flags.reason || flags.notify || flags.ifVersion !== undefined) {
          throw new UsageError('--auto works on all tickets by the rules: give no ID, --to, --reason, --notify or --if-version with it');
        }
        return (await import('./auto.js')).runAutoEscalation(ctx, { dryRun: flags.dryRun });
      }
      if (flags.dryRun) throw new UsageError('--dry-run goes with --auto');
      return (await import('./manual.js')).runEscalate(ctx, id, flags);
    }));
}
