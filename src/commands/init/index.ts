// desk init [--demo]
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec } from '../flags.js';

const INIT_FLAGS: FlagSpec<{ demo?: boolean }> = { demo: 'boolean' };

export function register(program: Command, act: Act): void {
  program
    .command('init')
    .description('create the database (and a config file); --demo seeds a realistic desk to try things on')
    .option('--demo', 'fill the new desk with 240 sample tickets from the past 60 days')
    .action(act(async (ctx, _opts: object, cmd: Command) => {
      const opts = parseFlags(INIT_FLAGS, cmd);
      // Where the database was named decides whether the config must learn it (run.ts).
      const named = (cmd.optsWithGlobals() as { db?: string }).db ?? process.env.DESK_DB;
      await (await import('./run.js')).runInit(ctx, { ...opts, namedDb: named || undefined });
    }));
}
