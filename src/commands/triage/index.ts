// desk triage: the interactive queue of tickets that need someone, most urgent first.
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import type { FilterFlags } from '../../domain/filters.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';

const TRIAGE_FLAGS: FlagSpec<Omit<FilterFlags, 'all'> & { now?: string } & JsonFlag> = {
  status: 'string', priority: 'string', queue: 'string', tier: 'string', tag: 'strings', assignee: 'string', requester: 'string', now: 'string', json: 'boolean',
};
import { addFilterOptions } from '../shared.js';

export function register(program: Command, act: Act): void {
  addFilterOptions(
    program
      .command('triage')
      .description('work the queue from the keyboard: tickets that need someone, most urgent first')
      .argument('[query...]', 'narrow the queue: a query (docs/cli.md: Queries) or @VIEW; saved views are tabs (Tab switches)')
      .allowUnknownOption()
      .option('--json', 'print the queue (in its order, snoozed tickets left out) instead of opening the screen')
      .option('--now <iso>', 'the time to judge SLA clocks and snoozes at (default: now)')
      .addHelpText('after', '\nKeys: j/k move, t take, a assign, p priority, s status, g tags, u queue, r reply, c canned reply,\nn note, e escalate, z snooze, x close, v read the thread, Tab/Shift-Tab next/previous saved view, ? all keys, q quit.'),
  ).action(act(async (ctx, words: string[], _opts: object, cmd: Command) => (await import('./run.js')).runTriage(ctx, words, parseFlags(TRIAGE_FLAGS, cmd))));
}
