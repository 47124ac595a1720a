// One sync per database: a second one is refused at once with exit 4; releasing frees it.
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely } from 'kysely';
import { ConflictError } from '../../src/errors.js';
import { acquireSyncLock, type LockableStore } from '../../src/mail/lock.js';

const dirs: string[] = [];
function storeIn(): LockableStore {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'desk-lock-'));
  dirs.push(dir);
  // The SQLite lock never touches db; a stand-in keeps the test free of the store.
  return { dialect: 'sqlite', dataDir: path.join(dir, 'desk-data'), db: {} as Kysely<any> };
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('sync lock', () => {
  it('refuses a second holder at once with "sync already running" (exit 4)', async () => {
    const store = storeIn();
    const first = await acquireSyncLock(store);
    const started = Date.now();
    const err = await acquireSyncLock(store).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).exitCode).toBe(4);
    expect((err as Error).message).toMatch(/^sync already running/);
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    expect(Date.now() - started).toBeLessThan(2000);
    await first.release();
  });

  it('can be taken again once released', async () => {
    const store = storeIn();
    await (await acquireSyncLock(store)).release();
    const again = await acquireSyncLock(store);
    await again.release();
  });

  it('is per database: two data dirs lock independently', async () => {
    const a = await acquireSyncLock(storeIn());
    const b = await acquireSyncLock(storeIn());
    await a.release();
    await b.release();
  });
});
