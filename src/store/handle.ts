// Which dialect a kysely handle belongs to: the store's root handle and every transaction it
// hands out are registered here, so that repositories taking only a handle find the dialect of
// their own store (several stores may be open in one process) without a module-level global.
import type { Kysely } from 'kysely';
import type { DialectOps } from './dialect/types.js';

const dialects = new WeakMap<Kysely<any>, DialectOps>();

export function bindDialect<H extends Kysely<any>>(handle: H, ops: DialectOps): H {
  dialects.set(handle, ops);
  return handle;
}

/** The dialect ops of the store this handle (root or transaction) came from. */
export function dialectOf(handle: Kysely<any>): DialectOps {
  const ops = dialects.get(handle);
  if (!ops) throw new Error('this database handle does not belong to an open store');
  return ops;
}
