// The indexes an import into an empty desk defers, built again at its end (src/store/deferred-indexes.ts):
// on PostgreSQL the full-text index on a second connection beside the others, all or nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/index.js';
import { buildDeferredIndexes, buildsAside, deferIndexesIfEmpty, DEFERRED_KEY, type BuildAside } from '../../src/store/deferred-indexes.js';
import { freshStoreLocation, onPostgres } from '../helpers/backend.js';

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
});
