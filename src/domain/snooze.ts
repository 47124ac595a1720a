// Snoozing: "not now, show me this again at …". A snooze hides a ticket from the agents' queue
// (triage) until its time and does nothing else: it changes no status and pauses no SLA clock,
// so a snoozed ticket keeps its due times in `list --sort sla`, `sla at-risk` and reports.
// Waiting on the customer is something else: the status `pending`, which the SLA policy may
// pause (pause_statuses).
//
// desk has no daemon, so waking is a function of `now`: a snooze whose time has come is simply
// over, and every view computes that on read. Its end is also written into the history (a
// `snooze` event with `from` = the time it was set for and `to` = null), at the instant it ended,
// lazily: by the next `desk sync`, `desk escalate --auto` or `desk snooze` that sees it.
// A snooze also ends early when the customer writes, when the ticket's status changes, or when
// an agent cancels it (`desk snooze ID --off`).
//
// Snoozes written by desk before this (triage's `z` used to set the ticket `pending` together
// with the snooze event) are recognised by that pair: when such a snooze ends and the ticket is
// still pending, it goes back to `open`, since desk, not an agent, made it pending.
import type { Change } from './ticket.js';
import { isoSeconds, type Message, type Status, type TicketEvent } from './types.js';

/** Reasons of the event that records a snooze's end (its `reason`). */
export const SNOOZE_END = {
  time: 'snooze time reached',
  customer: 'the customer wrote',
  status: 'the status changed',
  cancelled: 'snooze cancelled',
} as const;

/** The actor of ends desk records by itself. */
export const SNOOZE_ACTOR = 'desk';

interface Snooze {
  until: string;
  /** when it was set */
  at: string;
  /** set together with a status change to pending (desk before snoozes stopped doing that) */
  setPending: boolean;
  /** the status changed after its time had come */
  afterStatus: boolean;
}

export interface SnoozeState {
  /** the snooze in force at now: the ticket is out of the queue until then */
  until: string | null;
  /** a snooze that ran out (recorded or not) with nothing happening since: back in the queue because of it */
  ended: string | null;
  /** an end that happened but is not in the history yet: what to record, and when */
  unrecorded: { until: string; at: string; reason: string; reopen: boolean } | null;
}

type History = { status: Status; events: readonly TicketEvent[]; messages: readonly Pick<Message, 'direction' | 'date' | 'auto'>[] };

/** What the snoozes of a ticket's history mean at `now` (pure). */
export function snoozeState(h: History, now: Date): SnoozeState {
  let current: Snooze | null = null;
  let ended: string | null = null;
  let voided: { until: string; at: string; reason: string } | null = null;
  const events = h.events;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.type === 'snooze' && e.to) {
      const prev = events[i - 1];
      const setPending = !!prev && prev.type === 'status' && prev.to === 'pending' && prev.at === e.at && prev.actor === e.actor;
      current = { until: e.to, at: e.at, setPending, afterStatus: false };
      ended = null;
      voided = null;
    } else if (e.type === 'snooze') {
      // a recorded end; "back in the queue because of it" unless someone changed the status since
      ended = e.reason === SNOOZE_END.time && !current?.afterStatus ? e.from ?? null : null;
      current = null;
      voided = null;
    } else if (e.type === 'status') {
      ended = null;
      if (!current) continue;
      if (Date.parse(e.at) < Date.parse(current.until)) {
        voided = { until: current.until, at: e.at, reason: SNOOZE_END.status };
        current = null;
      } else {
        current.afterStatus = true; // it ran out, then someone decided the status: nothing to give back
      }
    }
  }
  if (current) {
    // The customer writing ends a snooze early: their message is what the agent waited for.
    const snoozed = current;
    const wrote = h.messages
      .filter((m) => m.direction === 'in' && !m.auto && Date.parse(m.date) > Date.parse(snoozed.at) && Date.parse(m.date) < Date.parse(snoozed.until) && Date.parse(m.date) <= now.getTime())
      .map((m) => Date.parse(m.date))
      .sort((a, b) => a - b)[0];
    if (wrote !== undefined) {
      voided = { until: snoozed.until, at: isoSeconds(wrote), reason: SNOOZE_END.customer };
      current = null;
    }
  }
  if (voided) return { until: null, ended: null, unrecorded: { ...voided, reopen: false } };
  if (!current) return { until: null, ended, unrecorded: null };
  if (Date.parse(current.until) > now.getTime()) return { until: current.until, ended: null, unrecorded: null };
  const giveBack = !current.afterStatus;
  return {
    until: null,
    ended: giveBack ? current.until : null,
    unrecorded: { until: current.until, at: current.until, reason: SNOOZE_END.time, reopen: giveBack && current.setPending && h.status === 'pending' },
  };
}

/** The changes that write an end into the history, to be applied as SNOOZE_ACTOR at `at`; null when there is none to write. */
export function snoozeEndChanges(h: History, now: Date): { at: string; changes: Change[] } | null {
  const end = snoozeState(h, now).unrecorded;
  if (!end) return null;
  const changes: Change[] = [{ type: 'unsnooze', until: end.until, reason: end.reason }];
  if (end.reopen) changes.push({ type: 'status', to: 'open', reason: end.reason });
  return { at: end.at, changes };
}
