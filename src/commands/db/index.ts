// desk db migrate-to URL | backup [FILE]: moving a desk to PostgreSQL, and backing it up.
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';

const MIGRATE_FLAGS: FlagSpec<JsonFlag> = { json: 'boolean' };

export function register(program: Command, act: Act): void {
  const db = program.command('db').description('the database: move it to PostgreSQL, back it up');

  db
    .command('migrate-to')
    .description('copy this SQLite desk into an empty PostgreSQL database (all or nothing; counts verified)')
    .argument('<url>', 'postgres://user@host:5432/database (the password may come from PGPASSWORD)')
    .option('--json', 'print the row counts as JSON')
    .action(act(async (ctx, url: string, _opts: object, cmd: Command) => (await import('./migrate.js')).runMigrateTo(ctx, url, parseFlags(MIGRATE_FLAGS, cmd))));

  db
    .command('backup')
    .description('write a consistent backup: a SQLite file, or a pg_dump archive on PostgreSQL')
    .argument('[file]', 'where to write it (default: desk-backup-<time>.db or .dump in this directory)')
    .action(act(async (ctx, file: string | undefined) => (await import('./backup.js')).runBackup(ctx, file)));
}
