// Group figures of `desk sla report` straight from clock inputs (inputs.ts), without building
// an object per ticket: 200,000 timelines, clocks and evaluations made and dropped cost more
// than measuring them. It computes what evaluateHistory would for the figures a group keeps
// (outcome, solved, public replies, stopped first-response and resolution times), in the
// same steps, on scratch arrays reused from ticket to ticket.
//
// It takes the tickets most desks are made of: status events recorded in time order, messages
// in time order between created and now, and no customer message after the first reply when
// the policy measures next_response. Any other ticket goes through evaluateHistory itself, so
// every ticket is measured by the rules of timeline.ts and clocks.ts.
import type { Status } from '../types.js';
import type { BusinessCalendar } from './calendar.js';
import { evaluateHistory, type Outcome } from './clocks.js';
import {
  CODES, CREATED, ENTRIES, ENTRY_SCALE, MESSAGE_ENTRY, NO_STATUS, PRIORITY_OF_CODE, STATUS_OF_CODE, UPDATED,
  entryCode, historyOf, type ClockInputBatch,
} from './inputs.js';
import { matchPolicy, type SlaPolicySet } from './policy.js';
import type { SlaReportBuilder, TicketTally } from './report.js';
import { isDone } from './timeline.js';

const NEW = STATUS_OF_CODE.indexOf('new'), OPEN = STATUS_OF_CODE.indexOf('open');

/** Per status code: whether a set of statuses holds it. */
function flags(statuses: ReadonlySet<Status> | ((s: Status) => boolean)): Uint8Array {
  const has = typeof statuses === 'function' ? statuses : (s: Status) => statuses.has(s);
  return Uint8Array.from(STATUS_OF_CODE, (s) => (s !== undefined && has(s) ? 1 : 0));
}

/** Scratch space for one ticket at a time, grown to the longest history seen. */
class Scratch {
  size = 0;
  changeAt = new Float64Array(0);
  changeFrom = new Uint8Array(0);
  changeTo = new Uint8Array(0);
  messageAt = new Float64Array(0);
  segFrom = new Float64Array(0);
  segTo = new Float64Array(0);
  segStatus = new Uint8Array(0);

  fit(n: number): void {
    if (n <= this.size) return;
    const size = Math.max(16, n * 2);
    this.size = size;
    this.changeAt = new Float64Array(size);
    this.changeFrom = new Uint8Array(size);
    this.changeTo = new Uint8Array(size);
    this.messageAt = new Float64Array(size);
    // one segment per change, the one from created, and one for a stored status the events do not reach
    this.segFrom = new Float64Array(size + 2);
    this.segTo = new Float64Array(size + 2);
    this.segStatus = new Uint8Array(size + 2);
  }
}

/** Adds every ticket of a batch to the builder's group figures, measured as of `now`. */
export function tallyClockInputs(set: SlaPolicySet, builder: SlaReportBuilder, batch: ClockInputBatch, now: Date): void {
  const N = Math.floor(now.getTime() / 1000);
  const done = flags(isDone);
  const paused = flags(set.pauseStatuses);
  const pausedOrDone = flags((s) => set.pauseStatuses.has(s) || isDone(s));
  const usesTags = set.policies.some((p) => p.match.tag !== undefined);
  const x = new Scratch();
  const fields = {
    priority: PRIORITY_OF_CODE[0]!, queue: null as string | null, tier: '', assignee: null as string | null, tags: [] as string[],
    customer: undefined as { name: string | null; organisation: string | null } | undefined,
  };
  const tally: TicketTally = { created: 0, ticket: fields, outcome: 'unmeasured', solved: false, publicReplies: 0, firstResponse: null, resolution: null };
  const v = batch.values;

  /** countingTime (clocks.ts) over the scratch segments. */
  const counting = (cal: BusinessCalendar, segments: number, a: number, b: number, excluded: Uint8Array): number => {
    let sum = 0;
    for (let k = 0; k < segments; k++) {
      const from = x.segFrom[k]!, to = x.segTo[k]!;
      if (to <= a) continue;
      if (from >= b) break;
      if (excluded[x.segStatus[k]!]) continue;
      sum += cal.count(from > a ? from : a, to < b ? to : b);
    }
    return sum;
  };

  for (let i = 0; i < batch.count; i++) {
    const s = batch.start[i]!, end = batch.start[i + 1]!;
    const created = v[s + CREATED]!, updated = created + v[s + UPDATED]!, codes = v[s + CODES]!;
    fields.priority = PRIORITY_OF_CODE[codes & 7] ?? 'normal';
    fields.queue = batch.queue ? batch.queue[i]! : null;
    fields.tier = batch.tier ? batch.tier[i]! : '';
    fields.assignee = batch.assignee ? batch.assignee[i]! : null;
    fields.tags = batch.tags && usesTags ? (JSON.parse(batch.tags[i]!) as string[]) : [];
    fields.customer = batch.organisation ? { name: null, organisation: batch.organisation[i] ?? null } : undefined;
    const policy = matchPolicy(set, fields);
    const nextResponse = policy?.targets.next_response;

    // The entries, split into status changes and messages; anything out of the ordinary goes the general way.
    x.fit(end - s - ENTRIES);
    let changes = 0, messages = 0, ordinary = true, firstOut = -1, publicReplies = 0, answeredLater = false;
    for (let k = s + ENTRIES; k < end; k++) {
      const e = v[k]!, r = entryCode(e), at = created + (e - r) / ENTRY_SCALE;
      if (r >= MESSAGE_ENTRY) {
        if (at > N || at < created || (messages > 0 && at < x.messageAt[messages - 1]!)) ordinary = false;
        const out = r & 1;
        if (out) {
          publicReplies++;
          if (firstOut < 0) firstOut = messages;
        } else if (firstOut >= 0) answeredLater = true; // a customer message after the first reply
        x.messageAt[messages++] = at;
      } else {
        if (changes > 0 && at < x.changeAt[changes - 1]!) ordinary = false;
        x.changeAt[changes] = at;
        x.changeFrom[changes] = r >> 3;
        x.changeTo[changes++] = r & 7;
      }
    }
    if (!ordinary || (nextResponse !== undefined && answeredLater)) {
      const [ticket, history] = historyOf(batch, i);
      builder.add(evaluateHistory(set, ticket, history, now));
      continue;
    }

    // The status timeline (timelineOf): segments from created to now.
    const stored = STATUS_OF_CODE[codes >> 3] === undefined ? OPEN : codes >> 3;
    const initial = changes > 0 && x.changeFrom[0] !== NO_STATUS ? x.changeFrom[0]! : stored === NEW ? NEW : OPEN;
    let status = initial, since = created, segments = 0, lastAt = created, reachedNow = false;
    for (let k = 0; k < changes; k++) {
      const at = x.changeAt[k]! > created ? x.changeAt[k]! : created;
      lastAt = at;
      if (at > N) {
        reachedNow = true;
        break;
      }
      if (at > since) {
        x.segFrom[segments] = since;
        x.segTo[segments] = at;
        x.segStatus[segments++] = status;
        since = at;
      }
      status = x.changeTo[k]!;
    }
    const derived = changes > 0 ? x.changeTo[changes - 1]! : initial;
    if (!reachedNow && derived !== stored) {
      // the stored status differs from where the events lead: changed at updated_at
      const at = updated > lastAt ? updated : lastAt;
      if (at <= N) {
        if (at > since) {
          x.segFrom[segments] = since;
          x.segTo[segments] = at;
          x.segStatus[segments++] = status;
          since = at;
        }
        status = stored;
      }
    }
    if (N > since) {
      x.segFrom[segments] = since;
      x.segTo[segments] = N;
      x.segStatus[segments++] = status;
    }
    const statusAtNow = status;

    // The clocks (evaluateHistory), the figures only.
    let measured = 0, breached = false, running = false;
    tally.firstResponse = null;
    tally.resolution = null;
    if (policy) {
      const cal = policy.calendar;
      const { first_response: firstResponse, resolution } = policy.targets;
      if (firstResponse !== undefined) {
        const reply = firstOut >= 0 ? x.messageAt[firstOut]! : Infinity;
        let solve = done[statusAtNow] ? N : Infinity;
        for (let k = 0; k < segments; k++) {
          if (done[x.segStatus[k]!]) {
            solve = x.segFrom[k]!;
            break;
          }
        }
        const stop = reply < solve ? reply : solve;
        const stopped = stop !== Infinity;
        const elapsed = counting(cal, segments, created, stopped ? stop : N, paused);
        measured++;
        if (elapsed > firstResponse) breached = true;
        if (stopped) tally.firstResponse = elapsed;
        else running = true;
      }
      if (resolution !== undefined) {
        // stopped at the last change to solved/closed when the ticket is in one of those now
        const resolved = done[statusAtNow] === 1;
        let stop = N;
        if (resolved) {
          let k = segments - 1;
          while (k >= 0 && done[x.segStatus[k]!]) k--;
          stop = k >= 0 ? x.segTo[k]! : created;
        }
        const elapsed = counting(cal, segments, created, stop, pausedOrDone);
        measured++;
        if (elapsed > resolution) breached = true;
        if (resolved) tally.resolution = elapsed;
        else running = true;
      }
      // next_response: no customer message after the first reply (checked above), so no period.
    }
    const outcome: Outcome = measured === 0 ? 'unmeasured' : breached ? 'breached' : running ? 'in_progress' : 'met';
    tally.created = created;
    tally.outcome = outcome;
    tally.solved = done[statusAtNow] === 1;
    tally.publicReplies = publicReplies;
    builder.addTally(tally);
  }
}
