// The desk program: builds the command tree, runs it, and is the one place that turns
// errors into messages and exit codes. It runs in-process (tests call run() with their own Io);
// cli/main.ts is the entry that runs it for the real process.
import { Command, CommanderError } from 'commander';
import { DeskError, EXIT } from '../errors.js';
import { makeCtx, type Ctx, type GlobalOptions } from './context.js';
import { neutralise, safeLine } from '../ui/safe-text.js';
import type { Io } from '../ui/io.js';
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
import * as spam from '../commands/spam/index.js';
import * as customers from '../commands/customers/index.js';
import * as links from '../commands/links/index.js';
import * as inbox from '../commands/inbox/index.js';
import * as hooks from '../commands/hooks/index.js';
import * as view from '../commands/view/index.js';
import * as kb from '../commands/kb/index.js';

export type Act = <A extends unknown[]>(fn: (ctx: Ctx, ...args: A) => Promise<void>) => (...args: A) => Promise<void>;

// Injected by the build (scripts/build.js), so that --version reads no file.
declare const DESK_VERSION: string;
const VERSION = typeof DESK_VERSION === 'string' ? DESK_VERSION : '0.0.0-dev';

/** Where the program writes: one Io for all commands (tests), or the process's, decided per command by --no-color. */
export type IoSource = Io | ((noColor: boolean) => Io);

interface Running {
  ctx?: Ctx;
}

function actFor(io: IoSource | undefined, running: Running): Act {
  return (fn) => async (...args) => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.optsWithGlobals() as GlobalOptions;
    const ctx = io === undefined ? makeCtx(opts) : makeCtx(opts, typeof io === 'function' ? io(opts.color === false) : io);
    running.ctx = ctx;
    await fn(ctx, ...args);
  };
}

/** Commander's own messages (help, usage errors): through the output boundary. */
function writers(io: IoSource | undefined): { out: (t: string) => void; err: (t: string) => void } {
  if (io === undefined || typeof io === 'function') {
    return { out: (t) => void process.stdout.write(neutralise(t)), err: (t) => void process.stderr.write(neutralise(t)) };
  }
  return { out: (t) => io.out(t), err: (t) => io.err(t) };
}

export function buildProgram(io?: IoSource, running: Running = {}, argv?: readonly string[]): Command {
  const write = writers(io);
  const act = actFor(io, running);
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
      writeOut: write.out,
      writeErr: write.err,
      outputError: (str, write) => write(`desk: ${str.replace(/^error: /, '')}`),
    });

  // Only the groups up to the one holding the command asked for are registered: building
  // commander's tree for every command is a twentieth of a short command. Help, completion, a
  // mistyped command (commander suggests the nearest) and a bare `desk` see them all.
  const wanted = argv && commandWord(argv);
  for (const group of GROUPS) {
    group.register(program, act);
    if (wanted && program.commands.some((c) => c.name() === wanted || c.aliases().includes(wanted))) break;
  }
  return program;
}

// Command groups register here, one entry each, in the order `desk --help` lists them.
const GROUPS: { register(program: Command, act: Act): void }[] = [
  init, tickets, agent, transfer, config, escalate, sync, sla, triage, reply, canned, outbox, completion, db, spam,
  customers, links, inbox, hooks, view, kb,
  // (more command groups: add them above this line)
];

/** Global options that take a value (the word after them is not the command). */
const VALUED_GLOBALS = new Set(['--db']);

/** The command a command line runs: its first word that is neither an option nor an option's value. */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return argv[i + 1];
    if (VALUED_GLOBALS.has(a)) i++;
    else if (!a.startsWith('-')) return a === 'completion' || a === 'help' ? undefined : a;
  }
  return undefined;
}

function report(err: unknown, err_: (text: string) => void): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    if (err.code === 'commander.executeSubCommandAsync') return err.exitCode;
    return EXIT.usage; // commander already printed the message
  }
  // Messages quote what the user or a file gave (a bad address, an import line): one line each,
  // through the output boundary.
  const say = err_;
  if (err instanceof DeskError) {
    say(`desk: ${safeLine(err.message)}\n`);
    // A hint may be several lines (a query and the caret under its column): each through the boundary.
    if (err.hint) for (const line of err.hint.split('\n')) say(`  ${safeLine(line)}\n`);
    return err.exitCode;
  }
  const e = err as Error & { code?: string };
  say(`desk: ${safeLine(e?.message ?? String(err))}\n`);
  if (process.env.DESK_DEBUG) say(`${e?.stack ?? ''}\n`);
  else say('  (set DESK_DEBUG=1 for details)\n');
  return EXIT.failed;
}

/**
 * Runs desk with the arguments after the program name (`['list', '--json']`) and returns the exit
 * code. Every error ends here as a message on stderr and its exit code; nothing is thrown.
 */
export async function run(argv: readonly string[], io?: IoSource): Promise<number> {
  const say = writers(io).err;
  const running: Running = {};
  let code: number = EXIT.ok;
  try {
    const program = buildProgram(io, running, argv);
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.ok;
    }
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    code = report(err, say);
  } finally {
    await running.ctx?.close().catch(() => undefined);
  }
  return code;
}
