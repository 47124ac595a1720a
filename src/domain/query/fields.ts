// The fields of the query language: one entry each. A field added later (org:, csat:) is one
// entry here and one case in the store's compiler (src/store/query.ts).
import { dayOfIsoDate, localInstant } from '../sla/local-days.js';
import { isoSeconds, PRIORITIES, STATUSES, type Priority, type Status } from '../types.js';
import { SATISFIED_FROM } from '../csat/settings.js';
import type { QueryNode, Term, TimeOp } from './ast.js';

export interface ParseContext {
  now: Date;
  /** who `assignee:me` is; undefined: nobody (an error when used) */
  me?: string;
  /** the desk's tiers (tier: checks against them when given) */
  tiers?: readonly string[];
  /** the zone dates like 2026-11-01 are days of (default UTC) */
  timeZone?: string;
}

/** A field's value as typed, with what the parser needs to read it and to point at it. */
export interface FieldValue {
  text: string;
  ctx: ParseContext;
  /** throws the query error at the value's column */
  fail(what: string): never;
}

export interface FieldSpec {
  name: string;
  aliases?: string[];
  /** the values, for help and messages */
  takes: string;
  read(v: FieldValue): QueryNode;
}

const term = (t: Term): QueryNode => ({ kind: 'term', term: t });

function listOf(v: FieldValue): string[] {
  const parts = v.text.split(',').map((s) => s.trim());
  if (parts.some((p) => !p)) v.fail('expected a value between commas');
  return parts;
}

function oneOf<T extends string>(v: FieldValue, field: string, allowed: readonly T[]): T[] {
  const values = listOf(v).map((s) => s.toLowerCase());
  for (const s of values) if (!allowed.includes(s as T)) v.fail(`invalid value '${s}' for ${field}: (allowed: ${allowed.join(', ')})`);
  return values as T[];
}

const UNITS: Record<string, number> = { m: 60, h: 3600, d: 86400, w: 7 * 86400 };
const TIME_VALUE = /^(<=|>=|<|>|=)?(.*)$/s;
const AMOUNT = /^(\d{1,6})([mhdw])$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

const FLIP: Record<TimeOp, TimeOp> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/**
 * A time term: `>2026-11-01` (after that day), `<=2026-11-01T12:00Z`, `2026-11-01` (that day),
 * or an age: `<2d` (less than two days ago). `age` compares the age of `column` (created).
 */
function timeTerm(v: FieldValue, column: 'created' | 'updated', age: boolean): QueryNode {
  const [, opText, rest] = TIME_VALUE.exec(v.text)!;
  const op = (opText === '=' ? undefined : opText) as TimeOp | undefined;
  const amount = AMOUNT.exec(rest!);
  if (amount) {
    if (!op) v.fail(`expected < or > before the duration '${rest}' (e.g. ${age ? 'age' : column}:<2d)`);
    const at = isoSeconds(v.ctx.now.getTime() - Number(amount[1]) * UNITS[amount[2]!]! * 1000);
    // younger than N: the instant is after now - N
    return term({ field: column, op: FLIP[op], at });
  }
  if (age) v.fail(`expected a duration like <3d or >2h for age: (units m, h, d, w), not '${v.text}'`);
  if (INSTANT.test(rest!)) {
    const d = new Date(rest!);
    if (Number.isNaN(d.getTime())) v.fail(`invalid time '${rest}'`);
    const at = isoSeconds(Math.floor(d.getTime() / 1000) * 1000);
    if (!op) return { kind: 'and', items: [term({ field: column, op: '>=', at }), term({ field: column, op: '<=', at })] };
    return term({ field: column, op, at });
  }
  const day = DATE.test(rest!) ? dayOfIsoDate(rest!) : null;
  if (day === null) v.fail(`expected a date (2026-11-01), a time (2026-11-01T09:00Z) or an age (<2d) for ${column}:, not '${v.text}'`);
  const zone = v.ctx.timeZone ?? 'UTC';
  const start = isoSeconds(localInstant(zone, day, 0) * 1000);
  const end = isoSeconds(localInstant(zone, day + 1, 0) * 1000);
  switch (op) {
    case '>': return term({ field: column, op: '>=', at: end });
    case '>=': return term({ field: column, op: '>=', at: start });
    case '<': return term({ field: column, op: '<', at: start });
    case '<=': return term({ field: column, op: '<', at: end });
    default: return { kind: 'and', items: [term({ field: column, op: '>=', at: start }), term({ field: column, op: '<', at: end })] };
  }
}

const NAME = /^[\p{L}\p{N}_.@+-]+$/u;
const CSAT_VALUE = /^(<=|>=|<|>|=)?([1-5])$/;

function names(v: FieldValue, field: string, none: boolean): (string | null)[] {
  return listOf(v).map((s) => {
    if (none && s.toLowerCase() === 'none') return null;
    if (!NAME.test(s)) v.fail(`invalid ${field} name '${s}'`);
    return s;
  });
}

function ticketIds(v: FieldValue): number[] {
  return listOf(v).map((s) => {
    if (!/^#?\d{1,15}$/.test(s)) v.fail(`invalid ticket id '${s}'`);
    return Number(s.replace(/^#/, ''));
  });
}

export const FIELDS: readonly FieldSpec[] = [
  { name: 'status', takes: STATUSES.join(', '), read: (v) => term({ field: 'status', values: oneOf<Status>(v, 'status', STATUSES) }) },
  { name: 'prio', aliases: ['priority'], takes: PRIORITIES.join(', '), read: (v) => term({ field: 'priority', values: oneOf<Priority>(v, 'prio', PRIORITIES) }) },
  { name: 'queue', takes: 'queue names, none', read: (v) => term({ field: 'queue', values: names(v, 'queue', true) }) },
  {
    name: 'tier', takes: 'tiers',
    read: (v) => {
      const tiers = v.ctx.tiers;
      const values = listOf(v);
      if (tiers) for (const t of values) if (!tiers.includes(t)) v.fail(`invalid value '${t}' for tier: (allowed: ${tiers.join(', ')})`);
      return term({ field: 'tier', values });
    },
  },
  { name: 'tag', takes: 'tags (any of them)', read: (v) => term({ field: 'tag', values: names(v, 'tag', false).map((t) => t!.toLowerCase()) }) },
  {
    name: 'assignee', takes: 'me, none, an agent name',
    read: (v) => {
      const a = v.text.trim();
      if (a === 'none') return term({ field: 'assignee', value: null });
      if (a === 'me') {
        if (!v.ctx.me) v.fail('assignee:me needs to know who you are (DESK_AGENT or the config\'s agent)');
        return term({ field: 'assignee', value: v.ctx.me! });
      }
      if (!NAME.test(a)) v.fail(`invalid agent name '${a}'`);
      return term({ field: 'assignee', value: a });
    },
  },
  {
    name: 'from', aliases: ['requester'], takes: 'an address, or part of one (@acme.com)',
    read: (v) => {
      const value = v.text.trim().toLowerCase();
      const exact = value.includes('@') && !value.startsWith('@') && !value.endsWith('@');
      return term({ field: 'requester', match: exact ? 'exact' : 'contains', value });
    },
  },
  {
    name: 'org', takes: 'organisation names (case ignored), none',
    read: (v) => term({ field: 'org', values: listOf(v).map((s) => (s.toLowerCase() === 'none' ? null : s.toLowerCase())) }),
  },
  {
    name: 'csat', takes: '<3, >=4, 5, good, bad, none, any (the ticket\'s satisfaction rating)',
    read: (v) => {
      const value = v.text.trim().toLowerCase();
      // good and bad as CSAT counts them: 4–5 satisfied, 1–2 not (a good/bad scale scores 5 and 1)
      if (value === 'good') return term({ field: 'csat', op: '>=', score: SATISFIED_FROM });
      if (value === 'bad') return term({ field: 'csat', op: '<=', score: 2 });
      if (value === 'none' || value === 'any') return term({ field: 'csat', op: value, score: 0 });
      const m = CSAT_VALUE.exec(value);
      if (!m) v.fail(`expected a rating for csat: like <3, >=4, 5, good, bad, none or any, not '${v.text}'`);
      return term({ field: 'csat', op: (m![1] || '=') as '<' | '<=' | '>' | '>=' | '=', score: Number(m![2]) });
    },
  },
  { name: 'subject', takes: 'text the subject contains', read: (v) => term({ field: 'subject', value: v.text }) },
  {
    name: 'has', takes: 'attachment',
    read: (v) => {
      if (v.text !== 'attachment') v.fail(`invalid value '${v.text}' for has: (allowed: attachment)`);
      return term({ field: 'has', value: 'attachment' });
    },
  },
  {
    name: 'is', takes: 'snoozed, unanswered, breached, at-risk',
    read: (v) => {
      const value = v.text.toLowerCase();
      if (value === 'snoozed' || value === 'unanswered') return term({ field: 'is', value });
      if (value === 'breached' || value === 'at-risk') return term({ field: 'sla', value });
      return v.fail(`invalid value '${v.text}' for is: (allowed: snoozed, unanswered, breached, at-risk)`);
    },
  },
  { name: 'created', takes: '>DATE, <DATE, DATE, <2d…', read: (v) => timeTerm(v, 'created', false) },
  { name: 'updated', takes: '>DATE, <DATE, DATE, <2d…', read: (v) => timeTerm(v, 'updated', false) },
  {
    name: 'due', takes: '<2h, >1d, <2026-11-30 (a running SLA clock\'s due time)',
    read: (v) => {
      const [, opText, rest] = TIME_VALUE.exec(v.text)!;
      const op = opText as TimeOp | undefined;
      if (!op || op === ('=' as TimeOp)) v.fail(`expected < or > before the time for due: (e.g. due:<2h, due:>1d), not '${v.text}'`);
      const amount = AMOUNT.exec(rest!);
      if (amount) {
        // due within N: the due time is before now + N (a due time is ahead, not behind)
        const at = isoSeconds(v.ctx.now.getTime() + Number(amount[1]) * UNITS[amount[2]!]! * 1000);
        return term({ field: 'due', op: op!, at });
      }
      const t = timeTerm({ ...v, text: `${op}${rest}` }, 'created', false);
      if (t.kind !== 'term' || t.term.field !== 'created') v.fail(`expected a time for due:, not '${v.text}'`);
      return term({ field: 'due', op: (t as { term: { op: TimeOp } }).term.op, at: (t as { term: { at: string } }).term.at });
    },
  },
  { name: 'age', takes: '<3d, >2h… (since created)', read: (v) => timeTerm(v, 'created', true) },
  { name: 'id', takes: 'ticket ids', read: (v) => term({ field: 'id', values: ticketIds(v) }) },
  { name: 'linked', takes: 'ticket ids (a link of any kind to one of them)', read: (v) => term({ field: 'linked', values: ticketIds(v) }) },
];

const BY_NAME = new Map<string, FieldSpec>(FIELDS.flatMap((f) => [f.name, ...(f.aliases ?? [])].map((n) => [n, f] as const)));

export function fieldNamed(name: string): FieldSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export const FIELD_NAMES = FIELDS.map((f) => f.name);
