// A Ctx for calling run functions directly, with captured output and a fixed clock.
import { Readable } from 'node:stream';
import { makeCtx, type Ctx } from '../../src/cli/context.js';
import type { Io } from '../../src/ui/io.js';

export interface TestCtx extends Ctx {
  stdout(): string;
  stderr(): string;
}

/** `create` (default true): the store is created on first use, as `desk init` would. */
export function testCtx(opts: { db: string; now?: string; json?: boolean; input?: string; isTTY?: boolean; create?: boolean }): TestCtx {
  let out = '', err = '';
  const io: Io = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    isTTY: opts.isTTY ?? false,
    color: false,
    stdin: Readable.from([opts.input ?? '']),
    drain: () => Promise.resolve(),
    columns: undefined,
    rows: undefined,
    progress: null,
  };
  const ctx = makeCtx({ db: opts.db, json: opts.json, now: opts.now }, io);
  const store = ctx.store.bind(ctx);
  ctx.store = (o) => store({ create: opts.create ?? true, ...o });
  return Object.assign(ctx, { stdout: () => out, stderr: () => err });
}
