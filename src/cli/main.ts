// The desk program: builds the command tree, runs it, and is the one place that turns
// errors into messages and exit codes.
import { Command, CommanderError } from 'commander';
import { DeskError, EXIT } from '../errors.js';
import { makeCtx, type Ctx, type GlobalOptions } from './context.js';
import { neutralise, safeLine } from '../ui/safe-text.js';
import * as tickets from '../commands/tickets/index.js';
import * as agent from '../commands/agent/index.js';
import * as config from '../commands/config/index.js';
import * as init from '../commands/init/index.js';
import * as transfer from '../commands/transfer/index.js';
import * as escalate from '../commands/escalate/index.js';
import * as triage from '../commands/triage/index.js';
import * as sync from '../commands/sync/index.js';
import * as sla from '../commands/sla/index.js';
import * as reply from '../commands/reply/index.js';
import * as canned from '../commands/canned/index.js';
import * as outbox from '../commands/outbox/index.js';
import * as completion from '../commands/completion/index.js';
import * as db from '../commands/db/index.js';

export type Act = <A extends unknown[]>(fn: (ctx: Ctx, ...args: A) => Promise<void>) => (...args: A) => Promise<void>;

// Injected by the build (scripts/build.js), so that --version reads no file.
declare const DESK_VERSION: string;
const VERSION = typeof DESK_VERSION === 'string' ? DESK_VERSION : '0.0.0-dev';

let activeCtx: Ctx | undefined;

const act: Act = (fn) => async (...args) => {
  const cmd = args[args.length - 1] as Command;
  const ctx = makeCtx(cmd.optsWithGlobals() as GlobalOptions);
  activeCtx = ctx;
  await fn(ctx, ...args);
};

export function buildProgram(): Command {
  const program = new Command('desk')
    .description('The help desk that lives in the terminal')
    .version(VERSION, '-V, --version')
    .option('--db <path>', 'database file (or postgres:// URL); default: DESK_DB, config db, ~/.local/share/desk/desk.db')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .option('--allow-network-fs', 'accept a SQLite database on a network file system (unsafe)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    // Commander's messages echo what was typed (`unknown option '…'`): through the boundary too.
    .configureOutput({
      writeOut: (str) => void process.stdout.write(neutralise(str)),
      writeErr: (str) => void process.stderr.write(neutralise(str)),
      outputError: (str, write) => write(`desk: ${str.replace(/^error: /, '')}`),
    });

  // Command groups register here, one line each.
  init.register(program, act);
  tickets.register(program, act);
  agent.register(program, act);
  transfer.register(program, act);
  config.register(program, act);
  escalate.register(program, act);
  sync.register(program, act);
  sla.register(program, act);
  triage.register(program, act);
  reply.register(program, act);
  canned.register(program, act);
  outbox.register(program, act);
  completion.register(program, act);
  db.register(program, act);
  // (more command groups: add their register call above this line)
  return program;
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    if (err.code === 'commander.executeSubCommandAsync') return err.exitCode;
    return EXIT.usage; // commander already printed the message
  }
  // Messages quote what the user or a file gave (a bad address, an import line): one line each,
  // through the output boundary.
  const say = (text: string) => void process.stderr.write(neutralise(text));
  if (err instanceof DeskError) {
    say(`desk: ${safeLine(err.message)}\n`);
    if (err.hint) say(`  ${safeLine(err.hint)}\n`);
    return err.exitCode;
  }
  const e = err as Error & { code?: string };
  say(`desk: ${safeLine(e?.message ?? String(err))}\n`);
  if (process.env.DESK_DEBUG) say(`${e?.stack ?? ''}\n`);
  else say('  (set DESK_DEBUG=1 for details)\n');
  return EXIT.failed;
}

async function main(): Promise<void> {
  // `desk export | head`: a reader that went away is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
  let code: number = EXIT.ok;
  try {
    const program = buildProgram();
    if (process.argv.length <= 2) {
      program.outputHelp();
      return;
    }
    await program.parseAsync(process.argv);
  } catch (err) {
    code = report(err);
  } finally {
    await activeCtx?.close().catch(() => undefined);
  }
  process.exitCode = code;
}

await main();
