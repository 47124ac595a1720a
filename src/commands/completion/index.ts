// desk completion bash|zsh|fish: the shell completion script; desk __complete KIND (hidden): the
// ticket ids, canned replies, agents, queues, tags or tiers the script offers when Tab is pressed.
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { badFlagValue } from '../../errors.js';

export function register(program: Command, act: Act): void {
  program
    .command('completion')
    .description('print the shell completion script: source <(desk completion bash)')
    .argument('<shell>', 'bash, zsh or fish')
    .action(act(async (ctx, shell: string) => {
      const { SHELLS, completionScript } = await import('./scripts.js');
      if (!(SHELLS as readonly string[]).includes(shell)) throw badFlagValue('the shell', shell, SHELLS);
      const { completionSpec } = await import('./spec.js');
      ctx.io.out(completionScript(shell as (typeof SHELLS)[number], completionSpec(program)));
    }));
  program
    .command('__complete', { hidden: true })
    .description('values for shell completion')
    .argument('<kind>', 'tickets, tickets-and-agents, canned, articles, agents, assignees, queues, tags or tiers')
    .action(act(async (ctx, kind: string) => {
      const { DYNAMIC_KINDS } = await import('./spec.js');
      if (!(DYNAMIC_KINDS as readonly string[]).includes(kind)) throw badFlagValue('the kind', kind, DYNAMIC_KINDS);
      const { completionValues } = await import('./values.js');
      const lines = await completionValues(ctx, kind as (typeof DYNAMIC_KINDS)[number]);
      if (lines.length) ctx.io.out(lines.join('\n') + '\n');
    }));
}
