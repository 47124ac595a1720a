// The worker threads desk starts run its executable again (paths.ts workerEntry), which loads the
// same bundle; the argument `--desk-worker=ROLE` (paths.ts workerArgv, workerRole) names the role, and the
// role's module is loaded on demand. The main thread never loads node:worker_threads for this:
// only a command line with that argument is checked (typed by hand, it is an unknown option).
const ROLES: Record<string, () => Promise<void>> = {
  'sync-prepare': async () => (await import('../mail/sync-pool.js')).serveWorker(),
  'sla-partition': async () => (await import('../commands/sla/parallel.js')).workerMain(),
};

/** Runs the role of a worker thread; false when this is no worker thread (the process's own). */
export async function runWorker(role: string): Promise<boolean> {
  const { isMainThread } = await import('node:worker_threads');
  if (isMainThread) return false;
  const start = ROLES[role];
  if (!start) throw new Error(`desk has no worker role '${role}'`);
  await start();
  return true;
}
