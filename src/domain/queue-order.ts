// The order of the triage queue: most urgent first. Nearest SLA due time first (an overdue
// ticket's due time is in the past, so it comes before all others); tickets with no running
// clock come after every ticket that has one; then priority; then the oldest first.
import { PRIORITIES, type Priority } from './types.js';

export interface QueueEntry {
  id: number;
  priority: Priority;
  created_at: string;
  /** nearest due time of the ticket's running SLA clocks; null when none is running */
  due_at: string | null;
}

const rank = (p: Priority) => PRIORITIES.indexOf(p);
const time = (iso: string) => Date.parse(iso);

export function compareUrgency(a: QueueEntry, b: QueueEntry): number {
  if (a.due_at !== b.due_at) {
    if (a.due_at === null) return 1;
    if (b.due_at === null) return -1;
    const d = time(a.due_at) - time(b.due_at);
    if (d !== 0) return d;
  }
  return rank(a.priority) - rank(b.priority) || time(a.created_at) - time(b.created_at) || a.id - b.id;
}

/** The earliest due time among a ticket's clocks (first response, next response, resolution). */
export function nearestDueAt(clocks: ReadonlyArray<{ due_at?: string | null } | null | undefined>): string | null {
  let best: string | null = null;
  for (const c of clocks) {
    const due = c?.due_at;
    if (due && (best === null || time(due) < time(best))) best = due;
  }
  return best;
}

export function sortByUrgency<T extends QueueEntry>(entries: readonly T[]): T[] {
  return [...entries].sort(compareUrgency);
}
