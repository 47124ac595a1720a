// import / export of tickets as JSON Lines (docs/interchange.md).
import type { Command } from 'commander';
import type { Act } from '../../cli/main.js';

export function register(program: Command, act: Act): void {
  program
    .command('import')
    .description('import tickets from a JSON Lines file (- for standard input)')
    .argument('<file>', 'file, or - for standard input')
    .option('--strict', 'import nothing if any line is bad')
    .option('--json', 'print the summary as JSON')
    .action(act(async (ctx, file: string, opts) => (await import('./import.js')).runImport(ctx, file, opts as never)));

  program
    .command('export')
    .description('write tickets as JSON Lines to standard output')
    .option('--since <date>', 'only tickets updated at or after this date/time')
    .action(act(async (ctx, opts) => (await import('./export.js')).runExport(ctx, opts as never)));
}
