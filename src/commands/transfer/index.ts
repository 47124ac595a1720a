// import / export of tickets as JSON Lines (docs/interchange.md).
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';

const IMPORT_FLAGS: FlagSpec<{ strict?: boolean } & JsonFlag> = { strict: 'boolean', json: 'boolean' };
const EXPORT_FLAGS: FlagSpec<{ since?: string; org?: string }> = { since: 'string', org: 'string' };

export function register(program: Command, act: Act): void {
  program
    .command('import')
    .description('import tickets from a JSON Lines file (- for standard input)')
    .argument('<file>', 'file, or - for standard input')
    .option('--strict', 'import nothing if any line is bad')
    .option('--json', 'print the summary as JSON')
    .action(act(async (ctx, file: string, _opts: object, cmd: Command) => (await import('./import.js')).runImport(ctx, file, parseFlags(IMPORT_FLAGS, cmd))));

  program
    .command('export')
    .description('write tickets as JSON Lines to standard output (all of them, or those a query matches)')
    .argument('[query...]', 'only the tickets this query matches (docs/cli.md: Queries), or @VIEW')
    .allowUnknownOption()
    .option('--since <date>', 'only tickets updated at or after this date/time')
    .option('--org <name>', "only this organisation, its customers and their tickets")
    .action(act(async (ctx, words: string[], _opts: object, cmd: Command) => (await import('./export.js')).runExport(ctx, words, parseFlags(EXPORT_FLAGS, cmd))));
}
