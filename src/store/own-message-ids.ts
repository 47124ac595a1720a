// What an import into a desk without messages remembers of the Message-IDs it wrote, so that its
// batches can skip looking them up while that provably answers nothing.
//
// A batch looks up its Message-IDs to find the tickets that already hold them. When the import
// began on a desk without messages, the only messages the desk can hold are the ones this import
// wrote, unless someone else has written one since. Both backends say so: SQLite's
// `PRAGMA data_version` changes when another connection commits, and only then; on PostgreSQL a
// statement trigger on messages moves the sequence desk_message_writes (migration 25), and the
// import reads it at the end of each batch and again, under the writers' lock, at the start of
// the next. So, while that mark has not moved and none of a batch's Message-IDs is one this
// import wrote, the lookup would return no row, and the batch skips it. That lets the import
// load without the Message-ID index, whose upkeep and lookups cost SQLite imports a fifth of
// their time at a million tickets (random keys: every batch rewrote most of its pages) and
// PostgreSQL's server an eighth of its CPU; the index is built once, after loading.
//
// The first batch that does not pass (someone else wrote, or a Message-ID this import may have
// written already) ends the skipping for the rest of the import: the index is built right then,
// in that batch's transaction, and every later batch looks up as any import does. Whether a
// batch skips or not, it decides the same (test/store/import-batches.test.ts).
//
// The Message-IDs are kept as 64-bit fingerprints in one typed array (8 bytes each, nothing for
// the garbage collector to trace): a fingerprint can only make a batch look up when it need not
// (two ids sharing one), never skip a lookup it needs.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from './dialect/types.js';

/** The 64-bit fingerprint of a string, as two 32-bit halves (cyrb53's mixing). */
function fingerprint(text: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  h1 >>>= 0;
  h2 >>>= 0;
  // (0, 0) marks an empty slot
  return h1 === 0 && h2 === 0 ? [0, 1] : [h1, h2];
}

/**
 * A set of strings by fingerprint: `mayHave` is true for every string added, and for another
 * only if it shares a fingerprint with one (about 1 in 2^64 per pair).
 */
export class FingerprintSet {
  /** open addressing: slot i is (slots[2i], slots[2i+1]); kept at most half full */
  private slots = new Uint32Array(2 * 1024);
  private size = 0;

  add(text: string): void {
    const [h1, h2] = fingerprint(text);
    if (this.insert(h1, h2) && ++this.size * 2 > this.slots.length / 2) this.grow();
  }

  mayHave(text: string): boolean {
    const [h1, h2] = fingerprint(text);
    const mask = this.slots.length / 2 - 1;
    for (let i = h1 & mask; ; i = (i + 1) & mask) {
      const a = this.slots[2 * i]!;
      const b = this.slots[2 * i + 1]!;
      if (a === 0 && b === 0) return false;
      if (a === h1 && b === h2) return true;
    }
  }

  /** Puts a fingerprint in its slot; false when it was there already. */
  private insert(h1: number, h2: number): boolean {
    const mask = this.slots.length / 2 - 1;
    for (let i = h1 & mask; ; i = (i + 1) & mask) {
      const a = this.slots[2 * i]!;
      const b = this.slots[2 * i + 1]!;
      if (a === 0 && b === 0) {
        this.slots[2 * i] = h1;
        this.slots[2 * i + 1] = h2;
        return true;
      }
      if (a === h1 && b === h2) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i]!, old[i + 1]!);
  }
}

/**
 * Where the writes of Message-IDs stand, read inside a write transaction: it differs from an
 * earlier reading (on the same connection, SQLite) once someone else has written one since.
 * SQLite: its count of other connections' commits (own commits leave it as it is); PostgreSQL:
 * the count of statements that wrote Message-IDs (own ones too: read again after each batch).
 */
export async function messageWritesMark(tx: Kysely<any>, dialect: DialectOps['name']): Promise<number> {
  if (dialect === 'sqlite') return Number((await sql<{ data_version: number }>`pragma data_version`.execute(tx)).rows[0]!.data_version);
  return Number((await sql<{ n: string }>`select last_value + (case when is_called then 1 else 0 end) as n from desk_message_writes`.execute(tx)).rows[0]!.n);
}

/**
 * The Message-IDs one import wrote into a desk that had no messages when it began, and whether its
 * batches may still skip their Message-ID lookup (see above).
 */
export class OwnMessageIds {
  private readonly written = new FingerprintSet();
  private skips = true;

  /** whether needReads has run */
  private reads = false;

  /**
   * `mark`: messageWritesMark() read in the transaction that found the desk without messages;
   * `onStop`: run in the batch's transaction when skipping ends (builds the index, and those of
   * `buildReads`); `buildReads`: builds the indexes of the import's rarer reads, where deferred.
   */
  constructor(
    private readonly dialect: DialectOps['name'],
    private mark: number,
    private readonly onStop: (tx: Kysely<any>) => Promise<void>,
    private readonly buildReads: (tx: Kysely<any>) => Promise<void> = async () => undefined,
  ) {}

  /**
   * Before the import reads a ticket's messages or events, or tickets by creation time, in its
   * transaction `tx`: the indexes for that are built now where they were deferred (once; were
   * that transaction rolled back, later reads would only be slower).
   */
  async needReads(tx: Kysely<any>): Promise<void> {
    if (this.reads) return;
    this.reads = true;
    await this.buildReads(tx);
  }

  /** Whether batches may still skip their lookups (nobody else has written, as far as the import has seen). */
  get skipping(): boolean {
    return this.skips;
  }

  /**
   * Whether the batch whose write transaction `tx` is may skip looking up `messageIds`: nobody
   * else has written a Message-ID since the import's last batch, and none of them is one the
   * import wrote.
   */
  async skipsLookup(tx: Kysely<any>, messageIds: Iterable<string>): Promise<boolean> {
    if (!this.skips) return false;
    if (this.mayHaveWritten(messageIds)) {
      await this.stop(tx);
      return false;
    }
    return this.unchanged(tx);
  }

  /**
   * Whether nobody else has written since the import's last batch (read in the next batch's
   * write transaction, under the writers' lock). When somebody has, skipping ends here.
   * PostgreSQL's mark counts more than Message-IDs since migration 26 (./import-plan.ts).
   */
  async unchanged(tx: Kysely<any>): Promise<boolean> {
    if (!this.skips) return false;
    if ((await messageWritesMark(tx, this.dialect)) === this.mark) return true;
    await this.stop(tx);
    return false;
  }

  /** Whether any of these may be a Message-ID the import wrote (a fingerprint says so). */
  mayHaveWritten(messageIds: Iterable<string>): boolean {
    for (const id of messageIds) if (this.written.mayHave(id)) return true;
    return false;
  }

  /** A message the import writes (in the batch's transaction, before it commits). */
  remember(messageId: string): void {
    if (this.skips) this.written.add(messageId);
  }

  /**
   * At the end of each of the import's write transactions, after its own writes (its batches,
   * and the organisation and customer lines it writes between them): where the next batch
   * starts from.
   */
  async afterBatch(tx: Kysely<any>): Promise<void> {
    if (this.skips) this.mark = await messageWritesMark(tx, this.dialect);
  }

  /**
   * Runs `write`, another write of the import's own (its organisation and customer lines, in a
   * write transaction between batches), so that the next batch does not take it for someone
   * else's: when nobody else had written before it, the mark moves past it. Reads only: a write
   * that fails (and is rolled back) leaves everything as it was.
   */
  async ownWrite<T>(tx: Kysely<any>, write: () => Promise<T>): Promise<T> {
    const before = this.skips && (await messageWritesMark(tx, this.dialect)) === this.mark;
    const result = await write();
    if (before) this.mark = await messageWritesMark(tx, this.dialect);
    return result;
  }

  private async stop(tx: Kysely<any>): Promise<void> {
    this.skips = false;
    await this.onStop(tx);
  }
}
