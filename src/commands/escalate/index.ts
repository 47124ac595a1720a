// desk escalate: by hand (ID --to TIER --reason TEXT) or by the rules (--auto, for cron).
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { UsageError } from '../../errors.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';
import { isTicketId } from '../bulk/words.js';

interface Flags {
  to?: string;
  reason?: string;
  notify?: boolean;
  auto?: boolean;
  dryRun?: boolean;
  now?: string;
  ifVersion?: string;
  yes?: boolean;
}

const FLAGS: FlagSpec<Flags & JsonFlag> = {
  to: 'string', reason: 'string', notify: 'boolean', auto: 'boolean', dryRun: 'boolean', now: 'string', ifVersion: 'string', yes: 'boolean', json: 'boolean',
};

export function register(program: Command, act: Act): void {
  program
    .command('escalate')
    .description('move a ticket to another tier, up or down, with a reason; or apply the escalation rules (--auto)')
    .argument('[tickets...]', 'a ticket id, or several, a query or @VIEW: a bulk change (not with --auto)')
    .allowUnknownOption()
    .option('--to <tier>', 'the tier to move the ticket to')
    .option('--reason <text>', 'why (kept in the ticket history)')
    .option('--notify', "mail the new tier's lead (leads: in the rules file)")
    .option('--auto', 'apply the escalation rules to every ticket they concern (for cron)')
    .option('--dry-run', 'with --auto or a query: show what would happen, change nothing')
    .option('--yes', 'a query: change more than bulk.confirmAbove tickets without asking')
    .option('--now <iso>', 'the time to judge SLA clocks at (default: now)')
    .option('--if-version <n>', 'move it only if the ticket is still at this version (as `show --json` printed it); else exit 4')
    .option('--json', 'print JSON')
    .action(act(async (ctx, words: string[], _opts: object, cmd: Command) => {
      const flags = parseFlags(FLAGS, cmd);
      if (flags.auto) {
        if (words.length || flags.to || flags.reason || flags.notify || flags.ifVersion !== undefined) {
          throw new UsageError('--auto works on all tickets by the rules: give no ID, --to, --reason, --notify or --if-version with it');
        }
        return (await import('./auto.js')).runAutoEscalation(ctx, { dryRun: flags.dryRun });
      }
      const manual = await import('./manual.js');
      const oneId = words.length === 1 && isTicketId(words[0]!);
      if (words.length > 1 || (words.length === 1 && (!oneId || flags.dryRun))) return manual.runEscalateBulk(ctx, words, flags);
      if (flags.dryRun) throw new UsageError('--dry-run goes with --auto or a query');
      return manual.runEscalate(ctx, words[0], flags);
    }));
}
