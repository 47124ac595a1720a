// The bulk path of each backend (SQLite binds each row's values by position, copied by a
// generated function; PostgreSQL sends multi-row inserts): the columns must land where they
// belong whatever order a row's keys come in, and a missing value must fail loudly, never shift
// the others. Run through a store of the current backend, inside its write transaction.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { freshStoreLocation } from '../helpers/backend.js';

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
  return { insert, rows };
}

describe('bulkInsert', () => {
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
});
