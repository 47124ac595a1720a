// What `desk list` and `desk triage` take as words: a query, or a saved view (@NAME) with, after
// it, more terms ANDed to it.
import type { Ctx } from '../../cli/context.js';
import { NotFoundError } from '../../errors.js';
import { findView } from '../../store/repos/views.js';
import { allOf, queryText, readQuery, type ReadQuery } from './read.js';

const VIEW_REF = /^@([\p{L}\p{N}_.-]+)$/u;

export interface ListQuery {
  query?: ReadQuery;
  /** the view's sort, when a view was named */
  sort?: string;
  /** the view's name */
  view?: string;
}

export async function listQuery(ctx: Ctx, words: readonly string[]): Promise<ListQuery> {
  if (!words.length) return {};
  const ref = VIEW_REF.exec(words[0]!);
  if (!ref) return { query: await readQuery(ctx, queryText(words)) };
  const store = await ctx.store();
  const view = await findView(store.db, await ctx.actor(), ref[1]!).catch((e: unknown) => {
    // `@acme.com` reads as a view's name here; an address part is a term: from:@acme.com
    if (e instanceof NotFoundError && ref[1]!.includes('.')) e.hint = `${e.hint}; for tickets from an address, write from:${words[0]}`;
    throw e;
  });
  const parts = [await readQuery(ctx, view.query)];
  if (words.length > 1) parts.push(await readQuery(ctx, queryText(words.slice(1))));
  return { query: allOf(parts), sort: view.sort ?? undefined, view: view.name };
}
