// The worker threads desk starts run its executable again (paths.ts workerEntry), which loads the
// same bundle; workerData.deskWorker names the role, and the role's module is loaded on demand.
const ROLES: Record<string, () => Promise<void>> = {
  'sync-prepare': async () => (await import('../mail/sync-pool.js')).serveWorker(),
  'sla-partition': async () => (await import('../commands/sla/parallel.js')).workerMain(),
};

/** The role of this thread: a worker desk started, or undefined for the process's main thread. */
export function workerRole(isMainThread: boolean, workerData: unknown): string | undefined {
  if (isMainThread) return undefined;
  const role = (workerData as { deskWorker?: unknown } | null)?.deskWorker;
  return typeof role === 'string' ? role : undefined;
}

/** Runs the role of a worker thread. */
export async function runWorker(role: string): Promise<void> {
  const start = ROLES[role];
  if (!start) throw new Error(`desk has no worker role '${role}'`);
  await start();
}
