// The SQLite bulk path binds each row's values by position, copied by a generated function: the
// columns must land where they belong whatever order a row's keys come in, and a missing value
// must fail loudly, never shift the others.
import Database from 'better-sqlite3';
import { sqliteOps } from '../../src/store/dialect/sqlite.js';

function setup() {
  const raw = new Database(':memory:');
  raw.exec('create table t (id integer primary key, a text, b text, n integer)');
  return { raw, ops: sqliteOps(raw) };
}

describe('sqlite bulkInsert', () => {
  it('puts every value in its own column, for rows with keys in any order', async () => {
    const { raw, ops } = setup();
    await ops.bulkInsert(null as never, 't', [
      { id: 1, a: 'x', b: 'y', n: 5 },
      { n: 6, b: 'q', a: 'p', id: 2 },
      { id: 3, a: null, b: 'only b', n: 0 },
    ]);
    await ops.bulkInsert(null as never, 't', [{ b: 'z', id: 4, n: 7, a: 'w' }]);
    expect(raw.prepare('select id, a, b, n from t order by id').all()).toEqual([
      { id: 1, a: 'x', b: 'y', n: 5 },
      { id: 2, a: 'p', b: 'q', n: 6 },
      { id: 3, a: null, b: 'only b', n: 0 },
      { id: 4, a: 'w', b: 'z', n: 7 },
    ]);
  });

  it('refuses a row that lacks a column of the first row', async () => {
    const { raw, ops } = setup();
    await expect(ops.bulkInsert(null as never, 't', [{ id: 1, a: 'x', b: 'y', n: 1 }, { id: 2, a: 'x', n: 2 }])).rejects.toThrow(
      /bulk insert into t: a row has no value for b/,
    );
    expect(raw.prepare('select count(*) as c from t').get()).toEqual({ c: 1 });
  });

  it('refuses table or column names that are not plain identifiers', async () => {
    const { ops } = setup();
    await expect(ops.bulkInsert(null as never, 't', [{ 'a); drop table t; --': 1 }])).rejects.toThrow(/bad bulk insert target/);
  });
});
