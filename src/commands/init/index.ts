// desk init [--demo]
import type { Command } from 'commander';
import type { Act } from '../../cli/main.js';

export function register(program: Command, act: Act): void {
  program
    .command('init')
    .description('create the database (and a config file); --demo seeds a realistic desk to try things on')
    .option('--demo', 'fill the new desk with 240 sample tickets from the past 60 days')
    .action(act(async (ctx, opts: { demo?: boolean }) => (await import('./run.js')).runInit(ctx, opts)));
}
