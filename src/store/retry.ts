// Running a write again when another writer undid it: the retry loop both backends' store.write
// share (see WriteOptions, and StaleWrite in writes.ts).
import { ConflictError } from '../errors.js';
import { StaleWrite } from './writes.js';

export interface WriteOptions {
  /**
   * The transaction only changes existing tickets (their fields, events, tags, notes; outbox
   * claims): on PostgreSQL it runs side by side with other such changes instead of taking turns,
   * the tickets' versions keeping them apart (a write that finds its ticket changed since its
   * read, StaleWrite, or a deadlock runs fn again). Every other write (new tickets, mail, import,
   * agents, migrations) still takes turns with all writes. On SQLite every write takes turns.
   */
  concurrent?: boolean;
}

/** How many times a write is run again when other writers keep changing its tickets. */
const RETRIES = 40;

/** PostgreSQL's "deadlock detected" and "could not serialize": the transaction may simply run again. */
function retryable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return err instanceof StaleWrite || code === '40P01' || code === '40001';
}

/**
 * Runs `attempt` until it is not undone by another writer: a StaleWrite or a deadlock runs it
 * again (after a short random pause, growing), up to RETRIES times; then exit 4.
 */
export async function retryStale<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!retryable(err)) throw err;
      if (i >= RETRIES) {
        const which = err instanceof StaleWrite ? `ticket #${err.ticketId}` : 'the tickets';
        throw new ConflictError(`${which} kept changing under this change (${RETRIES} tries)`, 'try again in a moment');
      }
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 2 ** i)));
    }
  }
}
