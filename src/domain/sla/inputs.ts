// Clock inputs: a ticket's history reduced to numbers, as SQLite stores keep it per ticket
// (tickets.clock_inputs, migration 4) and the bulk report reads it: a batch of tickets is one
// flat array of numbers, so reading 200,000 tickets makes no object per ticket.
//
// Per ticket: id, created, updated - created, status * 8 + priority, then its entries: its status
// events, then its messages, each in the order they were recorded. With d = an entry's time
// minus created (epoch seconds), an entry is
//   a status event  d * 128 + from * 8 + to      (status codes; from 7 = none or unknown)
//   a message       d * 128 + 64 + (1 if outbound, else 0)   (automatic mail is not kept)
import type { Priority, Status } from '../types.js';
import type { TicketFields } from './clocks.js';
import type { CompactHistory } from './timeline.js';

/** Status of each stored code (7: none or unknown), as migration 4 stores them. */
export const STATUS_OF_CODE: readonly (Status | undefined)[] = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed', undefined, undefined];
/** Priority of each stored code. */
export const PRIORITY_OF_CODE: readonly Priority[] = ['urgent', 'high', 'normal', 'low'];
export const NO_STATUS = 7;
export const ENTRY_SCALE = 128;
export const MESSAGE_ENTRY = 64;

/** Where a ticket's numbers begin in ClockInputBatch.values: id, created, updated - created, codes, entries. */
export const ID = 0, CREATED = 1, UPDATED = 2, CODES = 3, ENTRIES = 4;

export interface ClockInputBatch {
  count: number;
  /** ticket i's numbers are values[start[i]] up to values[start[i + 1]] (excluded) */
  start: Int32Array;
  values: Float64Array;
  /** text fields when read, else null: the ticket's is then '' / null / [] as with the other readers */
  subject: string[] | null;
  queue: (string | null)[] | null;
  tier: string[] | null;
  assignee: (string | null)[] | null;
  /** JSON text, as stored */
  tags: string[] | null;
  /** the requester's customer's organisation (migration 15), when read; absent or null: not read */
  organisation?: (string | null)[] | null;
}

/**
 * Parses tickets' numbers written as ASCII decimal integers, separated by `,` within a ticket and
 * `;` between tickets (bytes rather than a string: SQLite hands them over without decoding).
 */
export function parseNumbers(text: Uint8Array): { count: number; start: Int32Array; values: Float64Array } {
  let values = new Float64Array(Math.max(64, text.length >> 2));
  let start = new Int32Array(Math.max(16, text.length >> 5));
  let n = 0, t = 0;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    let c = text[i]!;
    const negative = c === 45; // '-'
    if (negative) c = text[++i]!;
    let v = 0;
    while (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      c = text[++i]!; // past the end: undefined, which ends the number
    }
    if (n === values.length) values = grown(values);
    values[n++] = negative ? -v : v;
    if (c === 59 || i >= len) { // ';' or the end: the ticket is complete
      if (t + 2 >= start.length) start = grown(start);
      start[++t] = n;
    }
  }
  return { count: t, start, values };
}

function grown<T extends Float64Array | Int32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/** The remainder of an entry: its kind and codes (entries may be negative: floor, not truncate). */
export function entryCode(x: number): number {
  return x - Math.floor(x / ENTRY_SCALE) * ENTRY_SCALE;
}

/** Ticket i of a batch as the clocks' general path reads it (evaluateHistory). */
export function historyOf(b: ClockInputBatch, i: number): [TicketFields, CompactHistory] {
  const v = b.values, s = b.start[i]!, end = b.start[i + 1]!;
  const created = v[s + CREATED]!, codes = v[s + CODES]!;
  const fields: TicketFields = {
    id: v[s + ID]!,
    subject: b.subject ? b.subject[i]! : '',
    priority: PRIORITY_OF_CODE[codes & 7] ?? 'normal',
    queue: b.queue ? b.queue[i]! : null,
    tier: b.tier ? b.tier[i]! : '',
    assignee: b.assignee ? b.assignee[i]! : null,
    tags: b.tags ? (JSON.parse(b.tags[i]!) as string[]) : [],
  };
  if (b.organisation) fields.customer = { name: null, organisation: b.organisation[i] ?? null };
  const changes: CompactHistory['changes'] = [];
  const messages: CompactHistory['messages'] = [];
  for (let k = s + ENTRIES; k < end; k++) {
    const x = v[k]!, r = entryCode(x), at = created + (x - r) / ENTRY_SCALE;
    if (r >= MESSAGE_ENTRY) messages.push({ at, direction: (r & 1) === 1 ? 'out' : 'in' });
    else changes.push({ at, from: STATUS_OF_CODE[r >> 3] ?? null, to: STATUS_OF_CODE[r & 7]! });
  }
  return [fields, { created, updated: created + v[s + UPDATED]!, status: STATUS_OF_CODE[codes >> 3] ?? 'open', changes, messages }];
}
