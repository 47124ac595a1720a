// Ticket filters as given on the command line (docs/cli.md: Filters), validated and normalised.
import { badFlagValue, UsageError } from '../errors.js';
import { DONE_STATUSES, PRIORITIES, STATUSES, type Priority, type Status } from './types.js';
import type { QueryNode } from './query/index.js';

export interface TicketFilter {
  statuses?: Status[];
  priorities?: Priority[];
  queues?: string[];
  tiers?: string[];
  tags?: string[];
  /** undefined: anyone; null: unassigned; string: that agent */
  assignee?: string | null;
  requester?: string;
  /** the id of the organisation of the requester's customer (the command looks its name up) */
  org?: number;
  ids?: number[];
  /** tickets linked to this one, any kind of link (`list --linked-to`) */
  linkedTo?: number;
  /** a query (docs/cli.md: Queries), ANDed with the fields above; `now` is what is:snoozed is judged at */
  query?: { node: QueryNode; now: string };
}

export interface FilterFlags {
  status?: string;
  priority?: string;
  queue?: string;
  tier?: string;
  tag?: string | string[];
  assignee?: string;
  requester?: string;
  all?: boolean;
}

export const SORTS = ['sla', 'updated', 'created', 'priority'] as const;
export type Sort = (typeof SORTS)[number];

function list(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const parts = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  return parts.length ? parts : undefined;
}

function checked<T extends string>(flag: string, values: string[] | undefined, allowed: readonly T[]): T[] | undefined {
  if (!values) return undefined;
  for (const v of values) if (!allowed.includes(v as T)) throw badFlagValue(flag, v, allowed);
  return values as T[];
}

/** Default view hides finished tickets; `--status` or `--all` widen it. */
export function filterFromFlags(flags: FilterFlags, me: string, tiers: readonly string[]): TicketFilter {
  const statuses = checked('--status', list(flags.status), STATUSES);
  const f: TicketFilter = {
    statuses: statuses ?? (flags.all ? undefined : STATUSES.filter((s) => !DONE_STATUSES.includes(s))),
    priorities: checked('--priority', list(flags.priority), PRIORITIES),
    queues: list(flags.queue),
    tiers: checked('--tier', list(flags.tier), tiers),
    tags: list(flags.tag as string | string[] | undefined)?.map((t) => t.toLowerCase()),
    requester: flags.requester?.trim().toLowerCase(),
  };
  if (flags.assignee !== undefined) {
    const a = flags.assignee.trim();
    if (!a) throw new UsageError('--assignee needs a value: me, none or an agent name');
    f.assignee = a === 'none' ? null : a === 'me' ? me : a;
  }
  return f;
}

export function parseSort(value: string | undefined, fallback: Sort): Sort {
  if (value === undefined) return fallback;
  if (!SORTS.includes(value as Sort)) throw badFlagValue('--sort', value, SORTS);
  return value as Sort;
}

export function parseLimit(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`invalid value for --limit: '${value}' (a whole number ≥ 1)`);
  return n;
}

export const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
