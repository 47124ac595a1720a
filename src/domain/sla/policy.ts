// The SLA policy file of docs/sla.md (JSON or YAML, same shape), validated into calendars and
// policies ready to measure with. Every message names the field at fault, because a lead
// editing a contract file must be told exactly what to fix; all of them are UsageError (exit 2).
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../../errors.js';
import { DONE_STATUSES, PRIORITIES, STATUSES, type Priority, type Status, type Ticket } from '../types.js';
import { ALWAYS, ALWAYS_NAME, buildCalendar, type BusinessCalendar, type Span } from './calendar.js';
import { parseDuration } from './duration.js';
import { dayOfIsoDate, isKnownTimeZone, WEEKDAYS, type Weekday } from './local-days.js';

export const CLOCK_NAMES = ['first_response', 'next_response', 'resolution'] as const;
export type ClockName = (typeof CLOCK_NAMES)[number];

/** Fields a policy can match on; all given ones must equal the ticket's current values. */
export interface PolicyMatch {
  priority?: Priority;
  queue?: string;
  tier?: string;
  /** the ticket carries this tag */
  tag?: string;
  /** the requester's customer is in this organisation (its name, case ignored) */
  org?: string;
}

export interface SlaPolicy {
  name: string;
  match: PolicyMatch;
  calendar: BusinessCalendar;
  /** target seconds of counting time; a clock left out is not measured */
  targets: Partial<Record<ClockName, number>>;
}

export interface SlaPolicySet {
  policies: SlaPolicy[];
  /** statuses during which no clock counts */
  pauseStatuses: ReadonlySet<Status>;
  calendars: ReadonlyMap<string, BusinessCalendar>;
}

type Json = unknown;

class Field {
  constructor(readonly source: string, readonly path: string) {}
  at(key: string | number): Field {
    const path = typeof key === 'number' ? `${this.path}[${key}]` : this.path ? `${this.path}.${key}` : key;
    return new Field(this.source, path);
  }
  error(problem: string): UsageError {
    return new UsageError(`${this.source}: ${this.path || 'top level'}: ${problem}`);
  }
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objectAt(v: Json, f: Field): Record<string, Json> {
  if (!isObject(v)) throw f.error(`expected an object, got ${describe(v)}`);
  return v;
}

function stringAt(v: Json, f: Field): string {
  if (typeof v !== 'string' || v.trim() === '') throw f.error(`expected a non-empty string, got ${describe(v)}`);
  return v;
}

function arrayAt(v: Json, f: Field): Json[] {
  if (!Array.isArray(v)) throw f.error(`expected a list, got ${describe(v)}`);
  return v;
}

function describe(v: Json): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function onlyKeys(obj: Record<string, Json>, allowed: readonly string[], f: Field): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw f.at(key).error(`unknown field (allowed: ${allowed.join(', ')})`);
  }
}

/** A target longer than a year of round-the-clock time is a typo, not a contract. */
const MAX_TARGET_S = 8760 * 3600;

const TIME = /^(\d{2}):(\d{2})$/;

function minutesOf(text: string, f: Field, isEnd: boolean): number {
  const m = TIME.exec(text.trim());
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  const valid = m && Number(m[2]) < 60 && (minutes < 24 * 60 || (isEnd && minutes === 24 * 60));
  if (!valid) throw f.error(`bad time '${text}' (HH:MM from 00:00 to 23:59; "24:00" only as an end)`);
  return minutes;
}

function formatMinutes(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

function parseSpans(v: Json, f: Field): Span[] {
  const list = typeof v === 'string' ? [v] : arrayAt(v, f);
  const spans = list.map((item, i) => {
    const text = stringAt(item, f.at(i));
    const parts = text.split('-');
    if (parts.length !== 2) throw f.at(i).error(`bad span '${text}' (use "09:00-17:00")`);
    const start = minutesOf(parts[0], f.at(i), false);
    const end = minutesOf(parts[1], f.at(i), true);
    if (end <= start) throw f.at(i).error(`span '${text}' ends before it starts`);
    return { start, end };
  });
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].start < spans[i - 1].end) {
      const a = spans[i - 1], b = spans[i];
      throw f.error(`spans ${formatMinutes(a.start)}-${formatMinutes(a.end)} and ${formatMinutes(b.start)}-${formatMinutes(b.end)} overlap`);
    }
  }
  return spans;
}

function parseCalendar(name: string, v: Json, f: Field): BusinessCalendar {
  if (name === ALWAYS_NAME) throw f.error(`"${ALWAYS_NAME}" is built in and cannot be redefined`);
  const obj = objectAt(v, f);
  onlyKeys(obj, ['timezone', 'hours', 'holidays'], f);
  const timeZone = stringAt(obj.timezone, f.at('timezone'));
  if (!isKnownTimeZone(timeZone)) throw f.at('timezone').error(`unknown time zone '${timeZone}' (an IANA name like "Europe/Berlin")`);
  const hoursObj = objectAt(obj.hours, f.at('hours'));
  onlyKeys(hoursObj, WEEKDAYS, f.at('hours'));
  const hours: Partial<Record<Weekday, Span[]>> = {};
  let any = false;
  for (const day of WEEKDAYS) {
    if (hoursObj[day] === undefined) continue;
    hours[day] = parseSpans(hoursObj[day], f.at('hours').at(day));
    any ||= hours[day]!.length > 0;
  }
  if (!any) throw f.at('hours').error('no working hours on any day: no clock could ever count');
  const holidays = new Set<number>();
  const holidayList = obj.holidays === undefined ? [] : arrayAt(obj.holidays, f.at('holidays'));
  holidayList.forEach((h, i) => {
    const text = stringAt(h, f.at('holidays').at(i));
    const day = dayOfIsoDate(text.trim());
    if (day === null) throw f.at('holidays').at(i).error(`bad date '${text}' (use YYYY-MM-DD)`);
    holidays.add(day);
  });
  return buildCalendar({ name, timeZone, hours, holidays });
}

const MATCH_FIELDS = ['priority', 'queue', 'tier', 'tag', 'org'] as const;

function parseMatch(v: Json, f: Field): PolicyMatch {
  if (v === undefined) return {};
  const obj = objectAt(v, f);
  onlyKeys(obj, MATCH_FIELDS, f);
  const match: PolicyMatch = {};
  for (const key of MATCH_FIELDS) {
    if (obj[key] === undefined) continue;
    const value = stringAt(obj[key], f.at(key));
    if (key === 'priority' && !(PRIORITIES as readonly string[]).includes(value)) {
      throw f.at(key).error(`unknown priority '${value}' (allowed: ${PRIORITIES.join(', ')})`);
    }
    (match as Record<string, string>)[key] = value;
  }
  return match;
}

function parsePolicy(v: Json, f: Field, calendars: ReadonlyMap<string, BusinessCalendar>): SlaPolicy {
  const obj = objectAt(v, f);
  onlyKeys(obj, ['name', 'match', 'calendar', ...CLOCK_NAMES], f);
  const name = stringAt(obj.name, f.at('name'));
  const calendarName = stringAt(obj.calendar, f.at('calendar'));
  const calendar = calendars.get(calendarName);
  if (!calendar) {
    throw f.at('calendar').error(`unknown calendar '${calendarName}' (defined: ${[...calendars.keys()].join(', ')})`);
  }
  const targets: Partial<Record<ClockName, number>> = {};
  for (const clock of CLOCK_NAMES) {
    if (obj[clock] === undefined) continue;
    const text = stringAt(obj[clock], f.at(clock));
    const seconds = parseDuration(text);
    if (seconds === null) throw f.at(clock).error(`bad duration '${text}' (use e.g. "90m", "8h", "1h30m")`);
    if (seconds > MAX_TARGET_S) throw f.at(clock).error(`a target of '${text}' is beyond any sensible SLA (at most ${MAX_TARGET_S / 3600}h, a year)`);
    targets[clock] = seconds;
  }
  return { name, match: parseMatch(obj.match, f.at('match')), calendar, targets };
}

/** Validates a parsed policy document; `source` names the file in messages. */
export function policySetFrom(doc: Json, source: string): SlaPolicySet {
  const top = new Field(source, '');
  const obj = objectAt(doc, top);
  onlyKeys(obj, ['calendars', 'policies', 'pause_statuses'], top);
  const calendars = new Map<string, BusinessCalendar>([[ALWAYS_NAME, ALWAYS]]);
  if (obj.calendars !== undefined) {
    const cals = objectAt(obj.calendars, top.at('calendars'));
    for (const [name, spec] of Object.entries(cals)) calendars.set(name, parseCalendar(name, spec, top.at('calendars').at(name)));
  }
  const list = arrayAt(obj.policies, top.at('policies'));
  if (list.length === 0) throw top.at('policies').error('no policies: at least one is needed (use "match": {} for a default)');
  const policies = list.map((p, i) => parsePolicy(p, top.at('policies').at(i), calendars));
  const seen = new Set<string>();
  policies.forEach((p, i) => {
    if (seen.has(p.name)) throw top.at('policies').at(i).at('name').error(`duplicate policy name '${p.name}'`);
    seen.add(p.name);
  });
  const pauseStatuses = new Set<Status>();
  const pauseList = obj.pause_statuses === undefined ? [] : arrayAt(obj.pause_statuses, top.at('pause_statuses'));
  pauseList.forEach((s, i) => {
    const f = top.at('pause_statuses').at(i);
    const status = stringAt(s, f);
    if (!(STATUSES as readonly string[]).includes(status)) throw f.error(`unknown status '${status}' (allowed: ${STATUSES.join(', ')})`);
    if (DONE_STATUSES.includes(status as Status)) throw f.error(`'${status}' already stops the clocks; it cannot pause them`);
    pauseStatuses.add(status as Status);
  });
  return { policies, pauseStatuses, calendars };
}

/** Parses the text of a policy file (JSON or YAML; JSON is read as the YAML it also is). */
export function parsePolicyFile(text: string, source: string): SlaPolicySet {
  let doc: Json;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UsageError(`${source}: not valid JSON or YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return policySetFrom(doc, source);
}

/** The first policy whose match fields all equal the ticket's current values; null if none. */
export function matchPolicy(set: SlaPolicySet, ticket: Pick<Ticket, 'priority' | 'queue' | 'tier' | 'tags' | 'customer'>): SlaPolicy | null {
  for (const policy of set.policies) {
    const m = policy.match;
    if (m.priority !== undefined && m.priority !== ticket.priority) continue;
    if (m.queue !== undefined && m.queue !== ticket.queue) continue;
    if (m.tier !== undefined && m.tier !== ticket.tier) continue;
    if (m.tag !== undefined && !ticket.tags.includes(m.tag)) continue;
    if (m.org !== undefined && m.org.toLowerCase() !== ticket.customer?.organisation?.toLowerCase()) continue;
    return policy;
  }
  return null;
}

/** Which ticket fields the policies match on: a bulk reader need not load the others. */
export function matchFieldsUsed(set: SlaPolicySet): Set<keyof PolicyMatch> {
  const used = new Set<keyof PolicyMatch>();
  for (const p of set.policies) for (const key of Object.keys(p.match) as (keyof PolicyMatch)[]) used.add(key);
  return used;
}
