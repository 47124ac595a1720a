// desk inbox [list] [--all] [--json] | read ID…|--all: the current agent's notifications
// (mentions, assignments, customers' replies on their tickets, SLA clocks at risk).
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';

export type ListOptions = { all?: boolean; as?: string } & JsonFlag;
export type ReadOptions = { all?: boolean; as?: string } & JsonFlag;
const LIST_FLAGS: FlagSpec<ListOptions> = { all: 'boolean', as: 'string', json: 'boolean' };
const READ_FLAGS: FlagSpec<ReadOptions> = { all: 'boolean', as: 'string', json: 'boolean' };
export type SettingsOptions = { notify?: string; digest?: string; as?: string } & JsonFlag;
const SETTINGS_FLAGS: FlagSpec<SettingsOptions> = { notify: 'string', digest: 'string', as: 'string', json: 'boolean' };

export function register(program: Command, act: Act): void {
  const inbox = program.command('inbox').description('your notifications: mentions, assignments, customer replies, SLA at risk');
  inbox
    .command('list', { isDefault: true })
    .description('unread notifications, newest first (--all: then the read ones)')
    .option('--all', 'also the notifications already read')
    .option('--as <agent>', 'whose inbox (default: who acts: DESK_AGENT or the config agent)')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _opts: object, cmd: Command) => (await import('./run.js')).runInboxList(ctx, parseFlags(LIST_FLAGS, cmd))));
  inbox
    .command('read')
    .description('mark notifications read: read ID… or read --all')
    .argument('[ids...]', 'notification ids, as `desk inbox` shows them')
    .option('--all', 'every unread notification')
    .option('--as <agent>', 'whose inbox (default: who acts)')
    .option('--json', 'print JSON')
    .action(act(async (ctx, ids: string[], _opts: object, cmd: Command) => (await import('./run.js')).runInboxRead(ctx, ids, parseFlags(READ_FLAGS, cmd))));
  inbox
    .command('settings')
    .description('which notifications you get and how: shown, or changed with --notify/--digest')
    .option('--notify <kind=how,...>', 'kinds mention, assigned, customer_reply, sla_at_risk (or all) = mail, inbox or off')
    .option('--digest <period>', 'mail them bundled: hourly, daily, or off (one mail each)')
    .option('--as <agent>', 'whose settings (default: who acts)')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _opts: object, cmd: Command) => (await import('./run.js')).runInboxSettings(ctx, parseFlags(SETTINGS_FLAGS, cmd))));
}
