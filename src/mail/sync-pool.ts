// Parsing mail is most of a big sync's CPU time (postal-mime, charsets, HTML to text), and the
// main thread is busy with IMAP and SQLite meanwhile. So big syncs parse in worker threads, while
// the main thread fetches the next batch and stores the previous one.
//
// The worker starts desk's executable (paths.ts workerEntry), which serves as the role
// 'sync-prepare' (cli/workers.ts, serveWorker below); when desk runs from TypeScript sources (the
// test runner) or a worker cannot start, messages are prepared in-process, with the same result.
import { availableParallelism } from 'node:os';
import { parentPort, Worker } from 'node:worker_threads';
import { prepareMessage, type PrepareContext, type PreparedItem } from './sync-prepare.js';
import { LocalFaultError } from '../errors.js';
import { workerArgv, workerEntry } from '../paths.js';

export interface RawMessage {
  uid: number;
  raw: Buffer;
  receivedAt: string;
}

interface WireContext {
  dataDir: string;
  ourAddresses: string[];
  now: string;
}

interface Request {
  id: number;
  messages: { uid: number; raw: Uint8Array; receivedAt: string }[];
  ctx: WireContext;
}

interface Reply {
  id: number;
  items?: Omit<PreparedItem, 'raw'>[];
  error?: string;
  /** a local fault (the message of a LocalFaultError): fails the batch, never retried here */
  fault?: string;
}

/** Prepares messages in order, in this thread. */
export async function prepareInProcess(messages: readonly RawMessage[], ctx: PrepareContext): Promise<PreparedItem[]> {
  const out: PreparedItem[] = [];
  for (const m of messages) out.push(await prepareMessage(m.uid, m.raw, m.receivedAt, ctx));
  return out;
}

function toWire(ctx: PrepareContext): WireContext {
  return { dataDir: ctx.dataDir, ourAddresses: [...ctx.ourAddresses], now: ctx.now.toISOString() };
}

function fromWire(ctx: WireContext): PrepareContext {
  return { dataDir: ctx.dataDir, ourAddresses: new Set(ctx.ourAddresses), now: new Date(ctx.now) };
}

/** The worker side: prepare what the main thread sends; the raw bytes stay with the sender. */
export function serveWorker(): void {
  parentPort!.on('message', async (req: Request) => {
    try {
      const items = await prepareInProcess(
        req.messages.map((m) => ({ uid: m.uid, raw: Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength), receivedAt: m.receivedAt })),
        fromWire(req.ctx),
      );
      const reply: Reply = { id: req.id, items: items.map(({ raw: _raw, ...rest }) => rest) };
      parentPort!.postMessage(reply);
    } catch (err) {
      if (err instanceof LocalFaultError) parentPort!.postMessage({ id: req.id, fault: err.message } satisfies Reply);
      else parentPort!.postMessage({ id: req.id, error: (err as Error)?.stack ?? String(err) } satisfies Reply);
    }
  });
}

export interface PreparePool {
  prepare(messages: readonly RawMessage[], ctx: PrepareContext): Promise<PreparedItem[]>;
  close(): Promise<void>;
}

/**
 * Worker threads to use: one per core, at most 4 (the main thread mostly waits on the server and
 * on SQLite, so it does not need a core of its own); DESK_SYNC_WORKERS overrides (0: parse in
 * the main thread).
 */
export function defaultWorkerCount(env: NodeJS.ProcessEnv = process.env): number {
  const forced = Number(env.DESK_SYNC_WORKERS);
  if (env.DESK_SYNC_WORKERS !== undefined && Number.isInteger(forced) && forced >= 0) return Math.min(forced, 16);
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** A pool of `size` workers, or an in-process stand-in when workers are not available. */
export function createPreparePool(size = defaultWorkerCount()): PreparePool {
  const entry = workerEntry();
  if (!entry || size < 1) return { prepare: prepareInProcess, close: async () => undefined };

  let nextId = 0;
  const pending = new Map<number, { resolve(items: Omit<PreparedItem, 'raw'>[]): void; reject(err: Error): void }>();
  const workers: Worker[] = [];
  let broken: Error | null = null;
  for (let i = 0; i < size; i++) {
    const w = new Worker(entry, { argv: workerArgv('sync-prepare') });
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.fault !== undefined) p.reject(new LocalFaultError(reply.fault));
      else if (reply.error !== undefined) p.reject(new Error(reply.error));
      else p.resolve(reply.items!);
    });
    w.on('error', (err) => {
      broken = err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    workers.push(w);
  }

  const ask = (w: Worker, messages: readonly RawMessage[], ctx: WireContext) =>
    new Promise<Omit<PreparedItem, 'raw'>[]>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      w.postMessage({ id, messages: messages.map((m) => ({ uid: m.uid, raw: m.raw, receivedAt: m.receivedAt })), ctx } satisfies Request);
    });

  return {
    async prepare(messages, ctx) {
      if (broken || messages.length === 0) return prepareInProcess(messages, ctx);
      const wire = toWire(ctx);
      // Contiguous slices, one per worker, so the result keeps the order of the batch.
      const per = Math.ceil(messages.length / workers.length);
      const slices = workers.map((_, i) => messages.slice(i * per, (i + 1) * per)).filter((s) => s.length);
      // Wait for every slice, also after one failed: a worker still writing a file when the run
      // gives up would be cut off mid-write and leave its temp file behind.
      const settled = await Promise.allSettled(slices.map((s, i) => ask(workers[i]!, s, wire)));
      const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (!failure) {
        const parts = settled.map((r) => (r as PromiseFulfilledResult<Omit<PreparedItem, 'raw'>[]>).value);
        return parts.flat().map((item, i) => restore(item, messages[i]!.raw));
      }
      const fault = settled.find((r) => r.status === 'rejected' && r.reason instanceof LocalFaultError) as PromiseRejectedResult | undefined;
      if (fault) throw fault.reason;
      // A worker died (out of memory on a monster message…): do this batch here instead.
      return prepareInProcess(messages, ctx);
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** Puts back what did not travel: the raw bytes, and Buffers where the clone made Uint8Arrays. */
function restore(item: Omit<PreparedItem, 'raw'>, raw: Buffer): PreparedItem {
  const full = { ...item, raw } as PreparedItem;
  if (full.kind === 'mail') for (const a of full.parsed.attachments) a.content = Buffer.alloc(0);
  return full;
}
