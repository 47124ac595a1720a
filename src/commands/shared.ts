// Flag parsing shared by several commands.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { readAll, type Io } from '../ui/io.js';
import { trimTrailingNewlines } from '../domain/linear-text.js';

export function parseTicketId(value: string): number {
  const m = /^#?(\d{1,15})$/.exec(value.trim());
  if (!m) throw new UsageError(`invalid ticket id '${value}' (a number, like 42 or #42)`);
  return Number(m[1]);
}

/** The filters of docs/cli.md, wherever they fit. */
export function addFilterOptions(cmd: Command): Command {
  return cmd
    .option('--status <list>', 'new, open, pending, on_hold, solved, closed (comma-separated)')
    .option('--priority <list>', 'urgent, high, normal, low (comma-separated)')
    .option('--queue <list>', 'queue name(s)')
    .option('--tier <list>', 'support tier(s), e.g. L1,L2')
    .option('--tag <tag>', 'has this tag (repeat for several)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--assignee <who>', 'me, none, or an agent name')
    .option('--requester <email>', "the customer's address");
}

/** TEXT, or `-` for standard input. */
export async function textArg(io: Io, value: string, what: string): Promise<string> {
  return checkedText(value === '-' ? await readAll(io.stdin) : value, what);
}

/** A text as given (a flag, standard input, the triage editor): not empty, LF line ends, no trailing newlines. */
export function checkedText(text: string, what: string): string {
  if (!text.trim()) throw new UsageError(`${what} is empty`);
  return trimTrailingNewlines(text.replace(/\r\n/g, '\n'));
}
