// desk hooks [list] | run | retry ID… | test EVENT: the deliveries of events to the config's hooks
// (docs/cli.md, Hooks), delivering what is due (cron), and sending a sample.
import { Argument, type Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { HOOK_EVENTS } from '../../domain/hooks.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';

const LIST_FLAGS: FlagSpec<{ all?: boolean } & JsonFlag> = { all: 'boolean', json: 'boolean' };
const JSON_ONLY: FlagSpec<JsonFlag> = { json: 'boolean' };

export function register(program: Command, act: Act): void {
  const hooks = program.command('hooks').description('hooks: events sent to commands and URLs (hooks: in the config)');

  hooks
    .command('list', { isDefault: true })
    .description('deliveries not yet delivered: pending (with their next attempt) and failed (given up)')
    .option('--all', 'include delivered ones')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _opts: object, cmd: Command) => (await import('./run.js')).runHooksList(ctx, parseFlags(LIST_FLAGS, cmd))));

  hooks
    .command('run')
    .description('fire due SLA events and deliver what is due, with back-off (for cron)')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _opts: object, cmd: Command) => (await import('./run.js')).runHooksRun(ctx, parseFlags(JSON_ONLY, cmd))));

  hooks
    .command('retry')
    .description('deliver failed (given up) or waiting deliveries again, due now: the next `hooks run` tries them')
    .argument('<id...>', 'delivery id(s), as `desk hooks list` shows them')
    .option('--json', 'print the deliveries as JSON')
    .action(act(async (ctx, ids: string[], _opts: object, cmd: Command) => (await import('./run.js')).runHooksRetry(ctx, ids, parseFlags(JSON_ONLY, cmd))));

  hooks
    .command('test')
    .description('send a sample event to every hook that wants it, now, and print what each answered')
    .addArgument(new Argument('<event>', 'the event').choices(HOOK_EVENTS))
    .option('--json', 'print JSON')
    .action(act(async (ctx, event: string, _opts: object, cmd: Command) => (await import('./run.js')).runHooksTest(ctx, event, parseFlags(JSON_ONLY, cmd))));
}
