// desk spam ID… | --from ADDR|@DOMAIN, spam list | release | purge | block | allow | unblock | senders
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';

type MoveFlags = { from?: string; block?: boolean; yes?: boolean } & JsonFlag;
const MOVE_FLAGS: FlagSpec<MoveFlags> = { from: 'string', block: 'boolean', yes: 'boolean', json: 'boolean' };
type ListFlags = { limit?: string } & JsonFlag;
const LIST_FLAGS: FlagSpec<ListFlags> = { limit: 'string', json: 'boolean' };
type PurgeFlags = { olderThan: string; yes?: boolean } & JsonFlag;
const PURGE_FLAGS: FlagSpec<PurgeFlags> = { olderThan: 'string!', yes: 'boolean', json: 'boolean' };
const JSON_ONLY: FlagSpec<JsonFlag> = { json: 'boolean' };

const run = () => import('./run.js');

export function register(program: Command, act: Act): void {
  const spam = program
    .command('spam')
    .description('move tickets to spam, list and release spam, block and allow senders')
    .argument('[ids...]', 'tickets that are spam: ids (42 43 #44), or a query (tag:flood, subject:"win big") or @VIEW')
    .option('--from <address>', 'every open ticket from this address, or from this @domain (and its subdomains)')
    .option('--block', "also block the tickets' senders (asked on a terminal)")
    .option('--no-block', 'do not block the senders, do not ask')
    .option('--yes', 'with a query: move more than bulk.confirmAbove tickets without asking')
    .option('--json', 'print what was moved as JSON')
    .action(act(async (ctx, ids: string[], _o: object, cmd: Command) => {
      const opts = parseFlags(MOVE_FLAGS, cmd);
      await (await run()).runMove(ctx, ids, opts);
    }));
  spam
    .command('list')
    .description('spam, newest first: sender, subject, date, reason')
    .option('--limit <n>', 'at most this many')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _o: object, cmd: Command) => (await run()).runList(ctx, parseFlags(LIST_FLAGS, cmd))));
  spam
    .command('release')
    .description('bring spam back as a normal ticket (and unblock the sender its move blocked)')
    .argument('<ids...>', "spam ids, as 'desk spam list' shows them")
    .option('--json', 'print JSON')
    .action(act(async (ctx, ids: string[], _o: object, cmd: Command) => {
      parseFlags(JSON_ONLY, cmd);
      await (await run()).runRelease(ctx, ids);
    }));
  spam
    .command('purge')
    .description('delete stored spam for good (asks first)')
    .requiredOption('--older-than <age>', 'spam older than this: 30d, 12h, 2w')
    .option('--yes', 'do not ask')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _o: object, cmd: Command) => {
      const flags = parseFlags(PURGE_FLAGS, cmd);
      // `desk spam` itself has --yes (a query's tickets): commander gives it the flag when it
      // follows `purge` too, so it is read from both.
      const yes = flags.yes === true || cmd.optsWithGlobals().yes === true;
      await (await run()).runPurge(ctx, { ...flags, yes });
    }));
  for (const [name, verdict, what] of [['block', 'block', 'mail from it goes to spam'], ['allow', 'allow', 'mail from it is never spam by list or flag']] as const) {
    spam
      .command(name)
      .description(`${what} (an address, or @domain with its subdomains)`)
      .argument('<address>', 'name@example.com or @example.com')
      .option('--json', 'print JSON')
      .action(act(async (ctx, value: string, _o: object, cmd: Command) => {
        parseFlags(JSON_ONLY, cmd);
        await (await run()).runSetSender(ctx, value, verdict);
      }));
  }
  spam
    .command('unblock')
    .description("take an address or domain off the database's block or allow list")
    .argument('<address>', 'name@example.com or @example.com')
    .option('--json', 'print JSON')
    .action(act(async (ctx, value: string, _o: object, cmd: Command) => {
      parseFlags(JSON_ONLY, cmd);
      await (await run()).runUnblock(ctx, value);
    }));
  spam
    .command('senders')
    .description('the blocked and allowed senders (config and database)')
    .option('--json', 'print JSON')
    .action(act(async (ctx, _o: object, cmd: Command) => {
      parseFlags(JSON_ONLY, cmd);
      await (await run()).runSenders(ctx);
    }));
}
