// The indexes an import into an empty desk defers, built again at its end (src/store/deferred-indexes.ts):
// on PostgreSQL the full-text index on a second connection beside the others, all or nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/index.js';
import { buildDeferredIndexes, buildsAside, deferIndexesIfEmpty, DEFERRED_KEY, type BuildAside } from '../../src/store/deferred-indexes.js';
import { freshStoreLocation, onPostgres } from '../helpers/backend.js';
import { parseTicket } from '../../src/domain/interchange.js';
import { importBatch, type Numbered } from '../../src/store/repos/bulk.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function emptyDesk(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'desk-deferred-'));
  dirs.push(dir);
  const store = await openStore({ location: freshStoreLocation(dir) });
  stores.push(store);
  return store;
}

/** The desk's indexes and constraints, by name. */
async function schemaOf(store: Store): Promise<string[]> {
  const q = onPostgres()
    ? sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema()
        union all select conname from pg_constraint where connamespace = current_schema()::regnamespace`
    : sql<{ name: string }>`select name from sqlite_master where type = 'index'`;
  return (await q.execute(store.db)).rows.map((r) => r.name).sort();
}

const recorded = async (store: Store) => (await store.db.selectFrom('meta').select('key').where('key', '=', DEFERRED_KEY).execute()).length;

describe('deferred indexes', () => {
  it('are built again, the full-text index beside the others on PostgreSQL, and the record goes', async () => {
    const store = await emptyDesk();
    const before = await schemaOf(store);
    expect((await store.write((tx) => deferIndexesIfEmpty(tx, store.dialect))).deferred).toBe(true);
    expect(await schemaOf(store)).not.toEqual(before);
    const asked: string[] = [];
    const real = buildsAside(store);
    const aside: BuildAside | undefined = real && ((definition) => (asked.push(definition), real(definition)));
    await store.write((tx) => buildDeferredIndexes(tx, store.dialect, undefined, aside));
    expect(await schemaOf(store)).toEqual(before);
    expect(await recorded(store)).toBe(0);
    if (onPostgres()) expect(asked).toEqual([expect.stringMatching(/^CREATE INDEX search_fts_document /)]);
    else expect(real).toBeUndefined();
  });

  it('a build beside the others that fails undoes the whole build: the record stays, and the next build makes them all', async () => {
    const store = await emptyDesk();
    const before = await schemaOf(store);
    await store.write((tx) => deferIndexesIfEmpty(tx, store.dialect));
    const deferred = await schemaOf(store);
    const failing: BuildAside = async () => {
      throw new Error('could not extend file: No space left on device');
    };
    const attempt = store.write((tx) => buildDeferredIndexes(tx, store.dialect, undefined, failing));
    if (onPostgres()) {
      await expect(attempt).rejects.toThrow('No space left on device');
      expect(await schemaOf(store)).toEqual(deferred); // the others' builds rolled back with it
      expect(await recorded(store)).toBe(1);
    } else await attempt; // (SQLite builds every index itself)
    await store.write((tx) => buildDeferredIndexes(tx, store.dialect));
    expect(await schemaOf(store)).toEqual(before);
    expect(await recorded(store)).toBe(0);
  });

  // PostgreSQL also defers a ticket's messages and events and tickets by creation time in a desk
  // without messages (READ_INDEXES); a batch that reads by them builds them first.
  describe("the import's rarer reads", () => {
    const READS = ['events_ticket', 'messages_ticket', 'tickets_created'];
    let line = 0;
    const batchOf = (...values: Record<string, unknown>[]): Numbered[] =>
      values.map((v) => ({ line: ++line, ticket: parseTicket({ status: 'open', requester: { email: 'ana@example.com' }, ...v }, '2026-04-01T10:00:00Z', ['L1', 'L2', 'L3']) }));
    const message = (id: string, date: string) => ({ message_id: id, direction: 'in', from: 'ana@example.com', date, subject: 'Export', text: 'It fails.' });
    const presentReads = async (store: Store) => (await schemaOf(store)).filter((n) => READS.includes(n));

    async function deferredDesk(): Promise<{ store: Store; own: NonNullable<Awaited<ReturnType<typeof deferIndexesIfEmpty>>['ownMessageIds']> }> {
      const store = await emptyDesk();
      const started = await store.write((tx) => deferIndexesIfEmpty(tx, store.dialect));
      expect(await presentReads(store)).toEqual(onPostgres() ? [] : READS);
      return { store, own: started.ownMessageIds! };
    }

    it('a batch of new tickets builds none of them; one that adds messages to a ticket of its own does (its clock inputs read them)', async () => {
      const { store, own } = await deferredDesk();
      await store.write((tx) => importBatch(tx, store.ops, batchOf({ subject: 'A', created_at: '2026-03-01T10:00:00Z', messages: [message('<a@x>', '2026-03-01T10:00:00Z')] }), own));
      expect(await presentReads(store)).toEqual(onPostgres() ? [] : READS);
      // (the second line holds a message of the first and a new one: the first's ticket gets it)
      const both = batchOf(
        { subject: 'B', created_at: '2026-03-01T10:00:00Z', messages: [message('<b@x>', '2026-03-01T10:00:00Z')] },
        { subject: 'B', created_at: '2026-03-01T10:00:00Z', messages: [message('<b@x>', '2026-03-01T10:00:00Z'), message('<b2@x>', '2026-03-02T10:00:00Z')] },
      );
      const r = await store.write((tx) => importBatch(tx, store.ops, both, own));
      expect(r.present).toEqual([{ line: both[1]!.line, id: 2, addedMessages: 1 }]);
      expect(await presentReads(store)).toEqual(READS);
      expect(await schemaOf(store)).not.toContain('messages_message_id'); // skipping goes on
    });

    it('a line without messages, found by requester, subject and time, builds them first', async () => {
      const { store, own } = await deferredDesk();
      await store.write((tx) => importBatch(tx, store.ops, batchOf({ subject: 'C', created_at: '2026-03-01T10:00:00Z' }), own));
      expect(await presentReads(store)).toEqual(READS);
    });

    it('so does the end of skipping (a Message-ID an earlier batch wrote), with the Message-ID index', async () => {
      const { store, own } = await deferredDesk();
      await store.write((tx) => importBatch(tx, store.ops, batchOf({ subject: 'D', created_at: '2026-03-01T10:00:00Z', messages: [message('<d@x>', '2026-03-01T10:00:00Z')] }), own));
      await store.write((tx) => importBatch(tx, store.ops, batchOf({ subject: 'D', created_at: '2026-03-01T10:00:00Z', messages: [message('<d@x>', '2026-03-01T10:00:00Z')] }), own));
      expect(await schemaOf(store)).toContain('messages_message_id');
      expect(await presentReads(store)).toEqual(READS);
    });
  });
});
