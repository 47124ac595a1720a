// The bulk path of each backend (SQLite binds each row's values by position, copied by a
// generated function; PostgreSQL sends multi-row inserts): the columns must land where they
// belong whatever order a row's keys come in, and a missing value must fail loudly, never shift
// the others. Run through a store of the current backend, inside its write transaction.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { freshStoreLocation } from '../helpers/backend.js';
import { PendingWrites } from '../../src/store/pending-writes.js';

const dir = mkdtempSync(join(tmpdir(), 'desk-bulk-'));
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
async function setup() {
  const store = await openStore({ location: freshStoreLocation(dir, `bulk${n++}`) });
  stores.push(store);
  await store.db.schema.createTable('t').addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('a', 'text').addColumn('b', 'text').addColumn('n', 'integer').execute();
  const insert = (rows: Record<string, unknown>[]) => store.write((tx) => store.ops.bulkInsert(tx, 't', rows));
  const rows = () => store.db.selectFrom('t' as never).select(['id', 'a', 'b', 'n'] as never[]).orderBy('id' as never).execute();
  return { store, insert, rows };
}

/** Text that bulk paths must carry exactly: every control character, escapes spelled out, quotes, surrogates alone and in pairs. */
function hostileText(seed: number): string {
  let a = seed >>> 0;
  const next = () => ((a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 4294967296);
  const pieces = ['\\', '\\u0041', '\\.', '\\N', '\\n', '"', "'", '\t', '\n', '\r', '\b', '\f', '\v', '\u0000', '\u001b', '\u007f',
    '\u2028', '\ud83d\ude00', '\ud800', '\udc00', '\uffff', 'é', 'x', ' ', '\\\\', '\r\n'];
  let out = '';
  for (let i = 0, n = 1 + Math.floor(next() * 12); i < n; i++) {
    out += next() < 0.5 ? pieces[Math.floor(next() * pieces.length)]! : String.fromCharCode(Math.floor(next() * 0x30));
  }
  return out;
}

describe('bulkInsert', () => {
  it('carries any text exactly as the store keeps it (generated: control characters, escapes, surrogates), rows given or encoded ahead', async () => {
    const { store, insert, rows } = await setup();
    const texts = Array.from({ length: 400 }, (_, i) => hostileText(i + 1));
    await insert(texts.map((a, i) => ({ id: i + 1, a, b: null, n: i })));
    const encoded = await store.ops.encodeRows?.('t', texts.map((b, i) => ({ id: 1001 + i, a: null, b, n: i })));
    // (and texts known to be as stored: encoded without a second look)
    const asStored = await store.ops.encodeRows?.('t', texts.map((a, i) => ({ id: 2001 + i, a: store.ops.storedText(a), b: null, n: i })), true);
    if (store.dialect === 'postgres') expect(encoded && asStored).toBeDefined();
    if (encoded && asStored) await store.write(async (tx) => {
      await store.ops.bulkInsert(tx, 't', encoded);
      await store.ops.bulkInsert(tx, 't', asStored);
    });
    const got = await rows();
    expect(got.slice(0, 400).map((r) => (r as { a: string }).a)).toEqual(texts.map((t) => store.ops.storedText(t)));
    if (encoded) {
      expect(got.slice(400, 800).map((r) => (r as { b: string }).b)).toEqual(texts.map((t) => store.ops.storedText(t)));
      expect(got.slice(800).map((r) => (r as { a: string }).a)).toEqual(texts.map((t) => store.ops.storedText(t)));
    }
  });

  it('carries long texts exactly, whatever their lengths (the data is sent in pieces: lines across and beyond a piece, multi-byte characters at its edges)', async () => {
    const { store, insert, rows } = await setup();
    // Lengths from none to 200,000 UTF-16 units, many near 64 KiB and its thirds; each text of
    // hostile pieces, so that multi-byte characters and escapes fall on every boundary.
    const lengths = [0, 1, 21_845, 21_846, 21_847, 32_767, 65_535, 65_536, 65_537, 200_000];
    for (let i = 0; i < 30; i++) lengths.push(Math.floor(((i * 7919) % 997) / 997 * 70_000));
    const texts = lengths.map((len, i) => {
      let t = '';
      for (let k = 0; t.length < len; k++) t += hostileText(i * 100 + k) + 'é€😀';
      return t.slice(0, len);
    });
    await insert(texts.map((a, i) => ({ id: i + 1, a, b: null, n: i })));
    const encoded = await store.ops.encodeRows?.('t', texts.map((b, i) => ({ id: 1001 + i, a: null, b, n: i })));
    if (store.dialect === 'postgres') expect(encoded).toBeDefined();
    if (encoded) await store.write((tx) => store.ops.bulkInsert(tx, 't', encoded));
    const got = await rows();
    const stored = texts.map((t) => store.ops.storedText(t));
    expect(got.slice(0, texts.length).map((r) => (r as { a: string }).a)).toEqual(stored);
    if (encoded) expect(got.slice(texts.length).map((r) => (r as { b: string }).b)).toEqual(stored);
  });

  it('puts every value in its own column, for rows with keys in any order', async () => {
    const { insert, rows } = await setup();
    await insert([
      { id: 1, a: 'x', b: 'y', n: 5 },
      { n: 6, b: 'q', a: 'p', id: 2 },
      { id: 3, a: null, b: 'only b', n: 0 },
    ]);
    await insert([{ b: 'z', id: 4, n: 7, a: 'w' }]);
    expect(await rows()).toEqual([
      { id: 1, a: 'x', b: 'y', n: 5 },
      { id: 2, a: 'p', b: 'q', n: 6 },
      { id: 3, a: null, b: 'only b', n: 0 },
      { id: 4, a: 'w', b: 'z', n: 7 },
    ]);
  });

  it('refuses a row that lacks a column of the first row, and the write keeps none of them', async () => {
    const { insert, rows } = await setup();
    await expect(insert([{ id: 1, a: 'x', b: 'y', n: 1 }, { id: 2, a: 'x', n: 2 }])).rejects.toThrow(
      /bulk insert into t: a row has no value for b/,
    );
    expect(await rows()).toEqual([]);
  });

  it('refuses table or column names that are not plain identifiers', async () => {
    const { insert } = await setup();
    await expect(insert([{ 'a); drop table t; --': 1 }])).rejects.toThrow(/bad bulk insert target/);
  });

  it('left running (pending writes), keeps the rows in order, and a failure is the first failing statement\'s, the write keeping nothing', async () => {
    const { store, rows } = await setup();
    // many rows: PostgreSQL sends them as several COPYs, each sent before the one before it ends
    const many = Array.from({ length: 25_000 }, (_, i) => ({ id: i + 1, a: `a${i}\ttab`, b: i % 2 ? null : 'b\\', n: i }));
    await store.write(async (tx) => {
      const pending = new PendingWrites();
      await store.ops.bulkInsert(tx, 't', many.slice(0, 12_000), pending);
      await store.ops.bulkInsert(tx, 't', many.slice(12_000), pending);
      await pending.settle();
    });
    const back = await rows();
    expect(back.length).toBe(25_000);
    expect(back.slice(24_998)).toEqual([{ id: 24_999, a: 'a24998\ttab', b: 'b\\', n: 24_998 }, { id: 25_000, a: 'a24999\ttab', b: null, n: 24_999 }]);
    // an id already taken: the duplicate is what is reported, not what it made fail after it
    const failing = store.write(async (tx) => {
      const pending = new PendingWrites();
      await store.ops.bulkInsert(tx, 't', [{ id: 25_001, a: 'new', b: null, n: 1 }], pending);
      await store.ops.bulkInsert(tx, 't', [{ id: 7, a: 'again', b: null, n: 1 }], pending);
      await store.ops.bulkInsert(tx, 't', [{ id: 25_002, a: 'after', b: null, n: 1 }], pending);
      await pending.settle();
    });
    // (by its message: better-sqlite3's errors are made in the realm of the first test file that
    // loaded it in this worker, where jest's `rejects.toThrow` does not see an Error)
    const outcome = await failing.then(() => 'resolved', (e: unknown) => String((e as { message?: string })?.message ?? e));
    expect(outcome).toMatch(/unique|duplicate|PRIMARY KEY/i);
    expect((await rows()).length).toBe(25_000);
  });
});
