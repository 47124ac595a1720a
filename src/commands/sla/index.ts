// desk sla: compliance reports, at-risk clocks and explanations (docs/sla.md).
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { parseFlags, type FlagSpec, type JsonFlag } from '../flags.js';
import type { ReportFlags } from './report.js';
import type { AtRiskFlags } from './at-risk.js';

type NowFlag = { now?: string };
const REPORT_FLAGS: FlagSpec<ReportFlags & NowFlag & JsonFlag> = {
  since: 'string', until: 'string', by: 'string', format: 'string', policy: 'string', now: 'string', json: 'boolean', mail: 'strings', query: 'string',
};
const AT_RISK_FLAGS: FlagSpec<AtRiskFlags & NowFlag & JsonFlag> = {
  within: 'string', breached: 'boolean', assignee: 'string', queue: 'string', policy: 'string', now: 'string', format: 'string', json: 'boolean',
};
const EXPLAIN_FLAGS: FlagSpec<{ policy?: string } & NowFlag & JsonFlag> = { policy: 'string', now: 'string', json: 'boolean' };

// Spelled out rather than imported: loading the SLA engine here would slow every desk command's start.
const GROUP_HELP = 'ticket|priority|queue|agent|tier|day|week|month';
const NOW_HELP = 'measure as of this ISO time (default: DESK_NOW, else now)';
const POLICY_HELP = 'measure with this policy file instead of the configured one';

export function register(program: Command, act: Act): void {
  const sla = program.command('sla').description('SLA clocks: compliance reports, at-risk tickets, explanations');

  sla.command('report')
    .description('compliance, breaches and response times per group')
    .option('--since <date>', 'tickets created from this date (YYYY-MM-DD, agent time zone) or ISO time')
    .option('--until <date>', 'tickets created up to this date (included) or before this ISO time')
    .option('--by <group>', GROUP_HELP, 'priority')
    .option('--query <query>', 'only the tickets this query matches, e.g. "queue:billing -tag:internal" (docs/cli.md: Queries)')
    .option('--format <format>', 'table|json|csv|md|html (default: table on a terminal, else csv)')
    .option('--policy <file>', `${POLICY_HELP} (what would compliance have been?)`)
    .option('--now <iso>', NOW_HELP)
    .option('--json', 'same as --format json')
    .option('--mail <addresses>', 'mail it (charts as images, figures as text) through the outbox; comma-separated, repeatable',
      (v: string, prev: string[] = []) => [...prev, v])
    .action(act(async (ctx, _opts: object, cmd: Command) => (await import('./report.js')).runReport(ctx, parseFlags(REPORT_FLAGS, cmd))));

  sla.command('at-risk')
    .description('running clocks that breach within a window, most urgent first')
    .option('--within <duration>', 'window, like 2h or 90m', '2h')
    .option('--breached', 'list running clocks already past their target too')
    .option('--assignee <who>', 'me, none, or an agent name')
    .option('--queue <name>', 'only this queue')
    .option('--policy <file>', POLICY_HELP)
    .option('--now <iso>', NOW_HELP)
    .option('--format <format>', 'table|tsv|csv|json (default: table on a terminal, else tsv)')
    .option('--json', 'print JSON (for cron to mail or page someone)')
    .action(act(async (ctx, _opts: object, cmd: Command) => (await import('./at-risk.js')).runAtRisk(ctx, parseFlags(AT_RISK_FLAGS, cmd))));

  sla.command('explain')
    .description("why a ticket's SLA figures are what they are: counted, outside hours, holiday, paused")
    .argument('<id>', 'ticket id')
    .option('--policy <file>', POLICY_HELP)
    .option('--now <iso>', NOW_HELP)
    .option('--json', 'print JSON')
    .action(act(async (ctx, id: string, _opts: object, cmd: Command) => (await import('./explain.js')).runExplain(ctx, id, parseFlags(EXPLAIN_FLAGS, cmd))));
}
