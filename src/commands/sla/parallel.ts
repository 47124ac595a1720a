// The SQLite side of the SLA commands: tickets read from clock_inputs and measured, on one thread
// unless DESK_SLA_THREADS=2 asks for two. Then the tickets are split in two by ticket id: this
// thread measures the lower half while a worker thread measures the upper half, each with its
// own read-only connection, and the results are merged in id order. Since the report reads the
// compact clock inputs, a second thread no longer pays on two cores (measured on 200,000 tickets:
// by priority, by ticket and at-risk all as fast or faster on one), so it is opt-in. Small desks
// (and code not running from the built bundle, where a worker could not load this module) stay
// on one thread.
import { availableParallelism } from 'node:os';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { openSnapshot } from '../../store/snapshot.js';
import { workerArgv, workerEntry } from '../../paths.js';
import { readClockInputs } from './clock-inputs.js';
import { measurer, type Measure, type MeasureResult } from './measure.js';

/** Below this many tickets a second thread costs more to start than it saves. */
const PARALLEL_FROM = 20_000;
/** Part of the tickets this thread measures (measured on 200,000 tickets: the worker starts ~0.1 s later). */
const MAIN_SHARE = 0.56;

/** A measuring task over the tickets of a SQLite file. */
export type Task = Measure & { file: string };

type Result<T extends Task> = MeasureResult<T>;

/** Measures the tickets of one partition. */
export function runPartition<T extends Task>(task: T): Result<T> {
  const m = measurer(task);
  for (const batch of readClockInputs(task.file, task.read)) m.add(batch);
  return m.result() as Result<T>;
}

/** The id where the upper half starts, or null when one thread will do (unless DESK_SLA_THREADS=2). */
function splitPoint(file: string): number | null {
  if (workerEntry() === null || availableParallelism() < 2 || Number(process.env.DESK_SLA_THREADS ?? 1) < 2) return null;
  const snapshot = openSnapshot(file);
  const db = snapshot.db;
  try {
    const count = db.prepare('select count(*) from tickets').pluck().get() as number;
    if (count < PARALLEL_FROM) return null;
    // This thread starts at once while the worker is still loading, so it takes the larger share.
    return db.prepare('select id from tickets order by id limit 1 offset ?').pluck().get(Math.floor(count * MAIN_SHARE)) as number;
  } finally {
    snapshot.close();
  }
}

/** Runs a task over every ticket, split across two threads when that pays; results in id order. */
export async function runSplit<T extends Task>(task: T): Promise<Result<T>[]> {
  const split = splitPoint(task.file);
  if (split === null) return [runPartition(task)];
  const upper: T = { ...task, read: { ...task.read, idFrom: split } };
  const worker = new Worker(workerEntry()!, { argv: workerArgv('sla-partition'), workerData: upper });
  const theirs = new Promise<Result<T>>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the SLA worker thread stopped (exit ${code})`)));
  });
  const mine = runPartition({ ...task, read: { ...task.read, idTo: split - 1 } });
  try {
    return [mine, await theirs];
  } finally {
    await worker.terminate();
  }
}

/** Entry point of the worker thread (role 'sla-partition', cli/workers.ts). */
export function workerMain(): void {
  parentPort!.postMessage(runPartition(workerData as Task));
}
