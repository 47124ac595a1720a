// desk triage: the interactive queue of tickets that need someone, most urgent first.
import type { Command } from 'commander';
import type { Act } from '../../cli/main.js';
import { addFilterOptions } from '../shared.js';

export function register(program: Command, act: Act): void {
  addFilterOptions(
    program
      .command('triage')
      .description('work the queue from the keyboard: tickets that need someone, most urgent first')
      .option('--json', 'print the queue (in its order, snoozed tickets left out) instead of opening the screen')
      .option('--now <iso>', 'the time to judge SLA clocks and snoozes at (default: now)')
      .addHelpText('after', '\nKeys: j/k move, t take, a assign, p priority, s status, g tags, u queue, r reply, c canned reply,\nn note, e escalate, z snooze, x close, v read the thread, ? all keys, q quit.'),
  ).action(act(async (ctx, opts) => (await import('./run.js')).runTriage(ctx, opts as never)));
}
