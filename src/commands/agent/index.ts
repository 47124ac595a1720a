// desk agent add | list | away
import type { Command } from 'commander';
import type { Act } from '../../cli/main.js';
import { UsageError, badFlagValue } from '../../cli/errors.js';
import { isoSeconds } from '../../domain/types.js';

export function register(program: Command, act: Act): void {
  const agent = program.command('agent').description('the agents who work tickets');
  agent
    .command('add')
    .description('add an agent')
    .argument('<name>', 'short name, as used with assign and DESK_AGENT')
    .requiredOption('--email <email>', 'their address (for notifications)')
    .option('--tier <tier>', 'support tier', 'L1')
    .option('--json', 'print the agent as JSON')
    .action(act(async (ctx, name: string, opts: { email: string; tier: string; json?: boolean }) => {
      if (!/^[\w.@-]{1,64}$/.test(name)) throw new UsageError(`invalid agent name '${name}' (letters, digits, . _ - @)`);
      if (!/^[^\s@<>]+@[^\s@<>]+$/.test(opts.email)) throw new UsageError(`invalid value for --email: '${opts.email}' (an e-mail address)`);
      const tiers = await ctx.tiers();
      if (!tiers.includes(opts.tier)) throw badFlagValue('--tier', opts.tier, tiers);
      const { addAgent } = await import('../../store/repos/agents.js');
      const store = await ctx.store();
      const a = { name, email: opts.email.trim().toLowerCase(), tier: opts.tier, away: false };
      await store.write((tx) => addAgent(tx, a, isoSeconds(ctx.now())));
      if (ctx.json) (await import('../../ui/output.js')).printJson(ctx.io, a);
      else ctx.io.out(`added agent ${name} <${a.email}> (${a.tier})\n`);
    }));
  agent
    .command('list')
    .description('list agents with their open ticket counts')
    .option('--json', 'print JSON')
    .action(act(async (ctx) => {
      const { listAgents } = await import('../../store/repos/agents.js');
      const { printJson, printTable } = await import('../../ui/output.js');
      const store = await ctx.store();
      const agents = await listAgents(store.db);
      const loads = await store.db
        .selectFrom('tickets').select(['assignee', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', 'not in', ['solved', 'closed']).where('assignee', 'is not', null).groupBy('assignee').execute();
      const load = new Map(loads.map((r) => [r.assignee, Number(r.n)]));
      if (ctx.json) return printJson(ctx.io, agents.map((a) => ({ ...a, open_tickets: load.get(a.name) ?? 0 })));
      if (!agents.length) {
        ctx.io.err("no agents yet: add one with 'desk agent add NAME --email E --tier L1'\n");
        return;
      }
      await printTable(ctx.io, ['Name', 'Email', 'Tier', 'Away', 'Open'], agents.map((a) => [a.name, a.email, a.tier, a.away ? 'yes' : '', load.get(a.name) ?? 0]));
    }));
  agent
    .command('away')
    .description('mark an agent away (no automatic assignment) or back with --back')
    .argument('<name>', 'agent name')
    .option('--back', 'available again')
    .action(act(async (ctx, name: string, opts: { back?: boolean }) => {
      const { setAgentAway } = await import('../../store/repos/agents.js');
      const store = await ctx.store();
      await store.write((tx) => setAgentAway(tx, name, !opts.back));
      ctx.io.out(`${name} is ${opts.back ? 'back' : 'away'}\n`);
    }));
}
