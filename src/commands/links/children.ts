// `desk close` on a parent with open children: which children close with it. --with-children
// closes them too, --without-children leaves them; neither: asked on a terminal ("close 3
// children too?"), else only the parent closes and desk says the children stay open.
import { createInterface } from 'node:readline/promises';
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { openChildren } from '../../store/repos/links.js';

export interface ChildrenOptions {
  withChildren?: boolean;
  withoutChildren?: boolean;
}

const list = (ids: readonly number[]) => ids.map((c) => `#${c}`).join(', ');

async function ask(ctx: Ctx, question: string): Promise<boolean> {
  const stdin = ctx.io.stdin as NodeJS.ReadableStream & { isTTY?: boolean };
  const rl = createInterface({ input: stdin, output: process.stderr, terminal: false });
  try {
    ctx.io.err(question);
    const answer = await rl.question('');
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

/** The open children (and their children) to close along with these tickets. */
export async function childrenToClose(ctx: Ctx, ids: readonly number[], opts: ChildrenOptions): Promise<number[]> {
  if (opts.withChildren && opts.withoutChildren) throw new UsageError('--with-children and --without-children contradict each other: give one');
  const store = await ctx.store();
  const extra: number[] = [];
  for (const id of ids) {
    const children = await openChildren(store.db, id);
    if (!children.length) continue;
    let close = !!opts.withChildren;
    if (!opts.withChildren && !opts.withoutChildren) {
      const stdin = ctx.io.stdin as NodeJS.ReadableStream & { isTTY?: boolean };
      if (ctx.io.isTTY && stdin.isTTY) {
        close = await ask(ctx, `#${id} has ${children.length} open child ticket(s): ${list(children)}. Close ${children.length === 1 ? 'it' : `the ${children.length} children`} too? [y/N] `);
      } else {
        ctx.io.err(`#${id} has ${children.length} open child ticket(s) that stay open: ${list(children)} (--with-children closes them too)\n`);
      }
    }
    if (!close) continue;
    // Their own open children go with them.
    const todo = [...children];
    while (todo.length) {
      const c = todo.shift()!;
      if (ids.includes(c) || extra.includes(c)) continue;
      extra.push(c);
      todo.push(...(await openChildren(store.db, c)));
    }
  }
  return extra;
}
