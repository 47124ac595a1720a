// Lookups of many keys at once ("which of these Message-IDs are here?"). On PostgreSQL the keys
// go as one array parameter of one statement (`= any($1)`), which probes the index in key order:
// a batch's 25,000 Message-IDs cost one statement of ~50 ms instead of 28 of 900 keys (~500 ms),
// each parsed, planned and probing the index all over. SQLite takes them as a list of
// parameters, at most 900 a statement (its parameter limit).
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DialectOps } from './dialect/types.js';

const SQLITE_LOOKUP = 900;

/** The keys cut into the parts one lookup statement takes each (none for no keys). */
export function lookupParts<T>(ops: DialectOps, keys: readonly T[]): T[][] {
  if (!keys.length) return [];
  if (ops.name === 'postgres') return [keys.slice()];
  const out: T[][] = [];
  for (let i = 0; i < keys.length; i += SQLITE_LOOKUP) out.push(keys.slice(i, i + SQLITE_LOOKUP));
  return out;
}

/** `column in (keys)`: one array parameter on PostgreSQL, a list of parameters on SQLite. */
export function inKeys(ops: DialectOps, column: string, keys: readonly (string | number)[], type: 'text' | 'integer'): RawBuilder<SqlBool> {
  if (ops.name === 'postgres') return sql<SqlBool>`${sql.ref(column)} = any(${keys}::${sql.raw(type)}[])`;
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join(keys)})`;
}
