// What shell completion knows, read off the commander program tree: for every command path
// ("desk", "desk sla", "desk sla report") its subcommands, its flags, the values a flag takes and
// what each positional argument is. Values are fixed words (statuses, formats…), a kind that
// `desk __complete KIND` lists from the store at the moment of completion (tickets, canned
// replies, agents, queues, tags, tiers), or file names.
import type { Command, Option } from 'commander';
import { PRIORITIES, STATUSES } from '../../domain/types.js';

export const DYNAMIC_KINDS = ['tickets', 'tickets-and-agents', 'canned', 'agents', 'assignees', 'queues', 'tags', 'tiers', 'orgs', 'views', 'query', 'articles'] as const;
export type DynamicKind = (typeof DYNAMIC_KINDS)[number];

export type Values = { words: string[] } | { dynamic: DynamicKind } | { files: true };

export interface CommandSpec {
  /** "desk", "desk sla report" */
  path: string;
  subcommands: string[];
  /** long flags (and short ones), with the values of those that take one */
  flags: { name: string; values: Values | null; takesValue: boolean }[];
  /** per positional argument, what it takes; the last repeats when `variadic` */
  args: (Values | null)[];
  variadic: boolean;
}

const GROUP_BYS = ['ticket', 'priority', 'queue', 'agent', 'tier', 'org', 'day', 'week', 'month'];
const REPORT_FORMATS = ['table', 'json', 'csv', 'md', 'html'];

const words = (w: readonly string[]): Values => ({ words: [...w] });
const dynamic = (kind: DynamicKind): Values => ({ dynamic: kind });
const FILES: Values = { files: true };

/** The values of a flag, by its name (and the command it belongs to). */
function flagValues(path: string[], option: Option): Values | null {
  if (option.argChoices?.length) return words(option.argChoices);
  switch (option.long) {
    case '--status': return words(STATUSES);
    case '--priority': return words(PRIORITIES);
    case '--queue': return dynamic('queues');
    case '--tag': return dynamic('tags');
    case '--assignee': return dynamic('assignees');
    case '--tier': return dynamic('tiers');
    case '--org': return dynamic('orgs');
    case '--to': return path[1] === 'escalate' ? dynamic('tiers') : path[1] === 'assign' ? dynamic('agents') : null;
    case '--canned': return dynamic('canned');
    case '--kb': return dynamic('articles');
    case '--by': return path.includes('sla') ? words(GROUP_BYS) : null;
    case '--format': return path.includes('sla') ? words(REPORT_FORMATS) : null;
    case '--sort': return words(['sla', 'updated', 'created', 'priority']);
    case '--as': return path[1] === 'inbox' ? dynamic('agents') : null;
    case '--digest': return words(['off', 'hourly', 'daily']);
    case '--db': case '--policy': case '--attach': return FILES;
    case '--into': case '--parent': case '--child': case '--duplicate-of': case '--related': case '--linked-to': return dynamic('tickets');
    default: return null;
  }
}

/** What a positional argument takes, by its name and the command. */
function argValues(path: string[], name: string): Values | null {
  const [, noun, verb] = path;
  if (noun === 'outbox' || noun === 'inbox' || noun === 'hooks') return null; // outbox entry / notification / hook delivery ids, not tickets
  if (noun === 'spam' && verb === 'release') return null; // spam ids, not tickets
  if (name === 'id' || name === 'ids' || name === 'sources' || name === 'other') return dynamic('tickets');
  // set, close, escalate: ticket ids, or a query (a bulk change); the ids are offered
  if (name === 'tickets') return dynamic('tickets');
  // `desk assign ID… AGENT`: ticket ids, then an agent; ids are digits, so both can be offered.
  if (name === 'ids-and-agent' || name === 'tickets-and-agent') return dynamic('tickets-and-agents');
  if (name === 'name' && noun === 'canned' && verb !== 'new') return dynamic('canned');
  if (name === 'name' && noun === 'agent' && verb !== 'add') return dynamic('agents');
  if (name === 'agent') return dynamic('agents');
  if (name === 'name' && noun === 'org' && verb !== 'add') return dynamic('orgs');
  if (name === 'name' && noun === 'view' && verb === 'rm') return dynamic('views');
  // a query: the fields (status:, tag:…) and, for list and triage, the saved views (@NAME)
  if (name === 'query') return dynamic('query');
  if (name === 'slug' && noun === 'kb' && verb !== 'new') return dynamic('articles');
  if (name === 'file' || (name === 'dir' && noun === 'kb')) return FILES;
  if (name === 'shell') return words(['bash', 'zsh', 'fish']);
  return null;
}

function isHidden(c: Command): boolean {
  return Boolean((c as unknown as { _hidden?: boolean })._hidden);
}

export function completionSpec(program: Command): CommandSpec[] {
  const out: CommandSpec[] = [];
  const walk = (cmd: Command, path: string[]) => {
    const subs = cmd.commands.filter((c) => !isHidden(c));
    const flags: CommandSpec['flags'] = [];
    for (const o of cmd.options) {
      if (o.hidden) continue;
      const takesValue = o.required || o.optional;
      const values = takesValue ? flagValues(path, o) : null;
      for (const name of [o.long, o.short]) if (name) flags.push({ name, values, takesValue });
    }
    if (path.length === 1) flags.push({ name: '--help', values: null, takesValue: false });
    const args = cmd.registeredArguments.map((a) => (a.argChoices?.length ? words(a.argChoices) : argValues(path, a.name())));
    out.push({ path: path.join(' '), subcommands: subs.map((c) => c.name()), flags, args, variadic: cmd.registeredArguments.at(-1)?.variadic ?? false });
    for (const c of subs) walk(c, [...path, c.name()]);
  };
  walk(program, ['desk']);
  return out;
}
