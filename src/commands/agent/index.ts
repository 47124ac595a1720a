// desk agent add | set | list | away
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import type { Ctx } from '../../cli/context.js';
import { UsageError, badFlagValue } from '../../errors.js';
import { displayNameProblem, normaliseSignature, signatureProblem } from '../../domain/canned/signature.js';
import { isoSeconds } from '../../domain/types.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';

interface ProfileFlags {
  displayName?: string;
  signature?: string;
}

/** --display-name and --signature checked (the signature read from stdin for '-'); '' clears either. */
async function profileOf(ctx: Ctx, opts: ProfileFlags): Promise<{ display_name?: string | null; signature?: string | null }> {
  const out: { display_name?: string | null; signature?: string | null } = {};
  if (opts.displayName !== undefined) {
    if (opts.displayName === '') out.display_name = null;
    else {
      const problem = displayNameProblem(opts.displayName);
      if (problem) throw new UsageError(`invalid value for --display-name: ${problem}`);
      out.display_name = opts.displayName.trim();
    }
  }
  if (opts.signature !== undefined) {
    const text = opts.signature === '-' ? await (await import('../shared.js')).textArg(ctx.io, '-', 'the signature') : opts.signature;
    if (text === '') out.signature = null;
    else {
      const problem = signatureProblem(text);
      if (problem) throw new UsageError(`invalid value for --signature: ${problem}`);
      out.signature = normaliseSignature(text);
    }
  }
  return out;
}

type AddOptions = { email: string; tier: string } & ProfileFlags & JsonFlag;
const ADD_FLAGS: FlagSpec<AddOptions> = { email: 'string!', tier: 'string!', displayName: 'string', signature: 'string', json: 'boolean' };
type SetOptions = { email?: string; tier?: string } & ProfileFlags & JsonFlag;
const SET_FLAGS: FlagSpec<SetOptions> = { email: 'string', tier: 'string', displayName: 'string', signature: 'string', json: 'boolean' };
const AWAY_FLAGS: FlagSpec<{ back?: boolean }> = { back: 'boolean' };

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

export function register(program: Command, act: Act): void {
  const agent = program.command('agent').description('the agents who work tickets');
  agent
    .command('add')
    .description('add an agent')
    .argument('<name>', 'short name, as used with assign and DESK_AGENT')
    .requiredOption('--email <email>', 'their address (for notifications)')
    .option('--tier <tier>', 'support tier', 'L1')
    .option('--display-name <name>', 'how customers read their name, e.g. "Ana Costa" (default: the short name)')
    .option('--signature <text>', 'closes their replies (- reads standard input; default: "Best regards," and the display name)')
    .option('--json', 'print the agent as JSON')
    .action(act(async (ctx, name: string, _opts: object, cmd: Command) => {
      const opts = parseFlags(ADD_FLAGS, cmd);
      if (!/^[\w.@-]{1,64}$/.test(name)) throw new UsageError(`invalid agent name '${name}' (letters, digits, . _ - @)`);
      if (!EMAIL.test(opts.email)) throw new UsageError(`invalid value for --email: '${opts.email}' (an e-mail address)`);
      const tiers = await ctx.tiers();
      if (!tiers.includes(opts.tier)) throw badFlagValue('--tier', opts.tier, tiers);
      const profile = await profileOf(ctx, opts);
      const { addAgent } = await import('../../store/repos/agents.js');
      const store = await ctx.store();
      const a = { name, email: opts.email.trim().toLowerCase(), tier: opts.tier, away: false, display_name: profile.display_name ?? null, signature: profile.signature ?? null };
      await store.write((tx) => addAgent(tx, a, isoSeconds(ctx.now())));
      if (ctx.json) (await import('../../ui/output.js')).printJson(ctx.io, a);
      else ctx.io.out(`added agent ${name} <${a.email}> (${a.tier})\n`);
    }));
  agent
    .command('set')
    .description("change an agent's display name, signature, address or tier")
    .argument('<name>', 'agent name')
    .option('--display-name <name>', 'how customers read their name ("" for the short name)')
    .option('--signature <text>', 'closes their replies (- reads standard input; "" for the default)')
    .option('--email <email>', 'their address')
    .option('--tier <tier>', 'support tier')
    .option('--json', 'print the agent as JSON')
    .action(act(async (ctx, name: string, _opts: object, cmd: Command) => {
      const opts = parseFlags(SET_FLAGS, cmd);
      const change: Parameters<typeof import('../../store/repos/agents.js').updateAgent>[2] = await profileOf(ctx, opts);
      if (opts.email !== undefined) {
        if (!EMAIL.test(opts.email)) throw new UsageError(`invalid value for --email: '${opts.email}' (an e-mail address)`);
        change.email = opts.email.trim().toLowerCase();
      }
      if (opts.tier !== undefined) {
        const tiers = await ctx.tiers();
        if (!tiers.includes(opts.tier)) throw badFlagValue('--tier', opts.tier, tiers);
        change.tier = opts.tier;
      }
      if (!Object.keys(change).length) throw new UsageError('nothing to change: give --display-name, --signature, --email or --tier');
      const { updateAgent } = await import('../../store/repos/agents.js');
      const store = await ctx.store();
      const a = await store.write((tx) => updateAgent(tx, name, change));
      if (ctx.json) (await import('../../ui/output.js')).printJson(ctx.io, a);
      else ctx.io.out(`${name}: signs as ${(await import('../../domain/canned/signature.js')).displayNameOf(a)}\n`);
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
      const { safeLine } = await import('../../ui/safe-text.js');
      await printTable(ctx.io, ['Name', 'Display name', 'Email', 'Tier', 'Away', 'Open'],
        agents.map((a) => [a.name, safeLine(a.display_name ?? ''), a.email, a.tier, a.away ? 'yes' : '', load.get(a.name) ?? 0]));
    }));
  agent
    .command('away')
    .description('mark an agent away (no automatic assignment) or back with --back')
    .argument('<name>', 'agent name')
    .option('--back', 'available again')
    .action(act(async (ctx, name: string, _opts: object, cmd: Command) => {
      const opts = parseFlags(AWAY_FLAGS, cmd);
      const { setAgentAway } = await import('../../store/repos/agents.js');
      const store = await ctx.store();
      await store.write((tx) => setAgentAway(tx, name, !opts.back));
      ctx.io.out(`${name} is ${opts.back ? 'back' : 'away'}\n`);
    }));
}
