// Statements sent on a transaction's connection without waiting for each to finish: PostgreSQL
// runs them in the order they were sent, so later statements (and the commit) still see them,
// while this process builds the next rows' COPY text instead of idling until the server is
// done (an import's client and server work at once instead of taking turns). Whoever writes
// with one settles it before it reads what they wrote, or before its transaction ends: the first
// failure is thrown then, as it would have been where it happened (the statements after a failed
// one only fail because of it).
export class PendingWrites {
  private readonly sent: Promise<unknown>[] = [];

  add(statement: Promise<unknown>): void {
    statement.catch(() => undefined); // reported by settle(), never as an unhandled rejection
    this.sent.push(statement);
  }

  /** Waits for every statement sent; throws the first one's error. */
  async settle(): Promise<void> {
    const sent = this.sent.splice(0);
    const results = await Promise.allSettled(sent);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Lets the event loop run once: the connection sends what it was given (PostgreSQL's client
 * sends a queued statement only when the one before it has answered, which it reads between
 * tasks) before more CPU work is done. Long work that runs while statements are pending pauses
 * with this every few milliseconds, or the server waits for it.
 */
export const yieldToIo = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
