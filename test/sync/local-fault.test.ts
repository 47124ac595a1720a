// A local fault while storing mail (the attachment directory unwritable, a full disk) is this
// machine's, not the mail's: `desk sync` fails the batch with nothing of it recorded, leaves the
// cursor where it was and no temp files, exits 1 naming the cause, and the next run after the
// fault is gone ends in exactly the database of one clean run. Real faults, no hooks: a file
// where the data directory belongs (ENOTDIR, which stops root too) and, where this machine lets
// us mount one, a tiny tmpfs under the attachments (ENOSPC). The database's own faults: on SQLite
// a full disk under the file; on PostgreSQL the server out of space and the connection dropped,
// each in the middle of a batch (a trigger, as the server would fail the statement).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { onlyOn, onPostgres, storeExec } from '../helpers/backend.js';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { startDovecot, type Dovecot, type MailUser, accountYaml } from '../helpers/dovecot.js';
import { attachmentMessage, createRng, generateMailbox, replyMessage, type GeneratedMail } from '../helpers/mailgen.js';
import { canonicalDump } from './dump.js';

const SUPPORT = 'support@desk.test';
const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';

let dovecot: Dovecot;
let login: MailUser;
let clean: Record<string, unknown[]>;
let cleanExport: string;
/** what a clean quiet run says (the mailbox holds some unreadable mail: quarantined, as it should be) */
let cleanStderr: string;
/** KiB the clean run added to the database */
let cleanGrowthKiB: number;
const desks: TempDesk[] = [];

/**
 * A mailbox where customers send files and others answer in their threads: what the fault must
 * not turn into quarantined mail or, on a replay, replies made into new tickets. Above the
 * worker threshold, so the mail is parsed (and attachments written) in worker threads.
 */
function mailbox(): GeneratedMail[] {
  const rng = createRng(41);
  const mails = generateMailbox(300, 41, { to: SUPPORT });
  for (let i = 0; i < 12; i++) {
    const original = attachmentMessage({ rng, to: SUPPORT, date: new Date(Date.UTC(2026, 2, 2, 9, i)) });
    const parent = { messageId: original.messageId!, subject: original.expect.subject, from: { email: original.expect.from, name: null } };
    mails.push(original, replyMessage(parent, { rng, to: SUPPORT, date: new Date(Date.UTC(2026, 2, 2, 10, i)) }));
  }
  return mails;
}

function deskFor(): TempDesk {
  const desk = tempDesk({ [PASSWORD_ENV]: login.password, DESK_SYNC_WORKERS: '2' });
  desks.push(desk);
  writeFileSync(desk.config, accountYaml({ port: dovecot.port, user: login.user, passwordEnv: PASSWORD_ENV, address: SUPPORT, queue: 'tech' }));
  return desk;
}

async function dumpOf(desk: TempDesk, db = desk.db): Promise<Record<string, unknown[]>> {
  const store = await openStore({ location: db });
  try {
    return await canonicalDump(store.db);
  } finally {
    await store.close();
  }
}

/** Every file under dir whose name says it is a temp file. */
function tempFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.tmp$/.test(f));
}

/** What a failed run must have left: nothing recorded, no cursor, no quarantine, no temp files. */
async function expectNothingRecorded(desk: TempDesk, db = desk.db): Promise<void> {
  const dump = await dumpOf(desk, db);
  for (const table of ['tickets', 'messages', 'attachments', 'mail_raw', 'mail_quarantine', 'mail_cursors', 'requesters']) {
    expect({ table, rows: dump[table] }).toEqual({ table, rows: [] });
  }
  expect(tempFiles(desk.dir)).toEqual([]);
}

beforeAll(async () => {
  dovecot = await startDovecot();
  login = await dovecot.addUser('faults@desk.test', 'fault-secret');
  await dovecot.deliver(login.user, mailbox().map((m) => m.raw));
  const reference = deskFor();
  const size = () => (onPostgres() ? 0 : statSync(reference.db).size);
  const initial = size();
  const r = reference.run(['sync', '--quiet']);
  expect(r.code).toBe(0);
  cleanStderr = r.stderr;
  cleanGrowthKiB = (size() - initial) / 1024;
  clean = await dumpOf(reference);
  cleanExport = reference.run(['export']).stdout;
  // The mailbox really exercises what the fault hits: attachments, threads, workers.
  expect(clean.attachments!.length).toBeGreaterThan(20);
  expect(clean.tickets!.length).toBeLessThan(clean.messages!.length);
}, 120_000);

afterAll(async () => {
  for (const d of desks) d.cleanup();
  await dovecot?.stop();
});

describe('a local fault while storing mail', () => {
  it('a file where the attachment directory belongs (ENOTDIR): exit 1 naming it, nothing recorded; the rerun equals one clean run', async () => {
    const desk = deskFor();
    const attachments = join(desk.dataDir, 'attachments');
    mkdirSync(desk.dataDir, { recursive: true });
    writeFileSync(attachments, 'not a directory');
    const failed = desk.run(['sync']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('support/INBOX');
    expect(failed.stderr).toContain('ENOTDIR');
    expect(failed.stderr).toContain('nothing of the batch was recorded');
    expect(failed.stderr).not.toMatch(/quarantined/);
    expect(failed.stderr).not.toMatch(/^\s+at |DESK_DEBUG/m); // a message, not a stack trace
    await expectNothingRecorded(desk);
    // Still broken: the second run fails the same way and still records nothing.
    expect(desk.run(['sync', '--quiet']).code).toBe(1);
    await expectNothingRecorded(desk);

    rmSync(attachments);
    const again = desk.run(['sync', '--quiet']);
    expect(again).toMatchObject({ code: 0, stderr: cleanStderr });
    expect(await dumpOf(desk)).toEqual(clean);
    expect(desk.run(['export']).stdout).toBe(cleanExport);
  }, 120_000);

  // A real full disk needs a small tmpfs: the suite runs as root (as CI does). Without it these
  // tests fail saying so; they are never skipped silently.
  it('a full disk under the attachments (ENOSPC): exit 1 naming it, no temp files; the rerun with room equals one clean run', async () => {
    const desk = deskFor();
    const attachments = join(desk.dataDir, 'attachments');
    mkdirSync(attachments, { recursive: true });
    // Room for a few attachment files, not for all of them.
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', attachments], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      throw new Error(`the ENOSPC test needs to mount a small tmpfs (run the suite as root): ${mounted.stderr}`);
    }
    try {
      const failed = desk.run(['sync']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('support/INBOX');
      expect(failed.stderr).toContain('ENOSPC');
      expect(failed.stderr).not.toMatch(/quarantined/);
      await expectNothingRecorded(desk);

      expect(spawnSync('mount', ['-o', 'remount,size=64m', attachments]).status).toBe(0);
      const again = desk.run(['sync', '--quiet']);
      expect(again).toMatchObject({ code: 0, stderr: cleanStderr });
      expect(await dumpOf(desk)).toEqual(clean);
      expect(desk.run(['export']).stdout).toBe(cleanExport);
      expect(tempFiles(desk.dir)).toEqual([]);
    } finally {
      spawnSync('umount', [attachments]);
    }
  }, 120_000);

  /** A trigger on messages that fails the batch's statement the way `body` (PL/pgSQL) does. */
  const failingMessages = (desk: TempDesk, body: string) =>
    storeExec(desk.db, `create function desk_test_fault() returns trigger language plpgsql as $$ begin ${body}; return null; end $$;
      create trigger desk_test_fault before insert on messages for each statement execute function desk_test_fault();`);
  const healed = (desk: TempDesk) => storeExec(desk.db, 'drop trigger desk_test_fault on messages; drop function desk_test_fault();');

  const onPg = onlyOn('postgres');
  const onSqlite = onlyOn('sqlite');

  /** A sync failing on a fault the server raises mid-batch: the code, the words; then healed, the rerun equals one clean run. */
  async function faultThenRerun(body: string, code: number, words: string[]): Promise<void> {
    const desk = deskFor();
    failingMessages(desk, body);
    const failed = desk.run(['sync']);
    expect(failed.code).toBe(code);
    for (const w of words) expect(failed.stderr).toContain(w);
    expect(failed.stderr).not.toMatch(/quarantined|DESK_DEBUG|^\s+at /m);
    await expectNothingRecorded(desk);

    healed(desk);
    const again = desk.run(['sync', '--quiet']);
    expect(again).toMatchObject({ code: 0, stderr: cleanStderr });
    expect(await dumpOf(desk)).toEqual(clean);
    expect(desk.run(['export']).stdout).toBe(cleanExport);
  }

  onPg('the database server out of space mid-batch (SQLSTATE 53100): exit 1 naming it, nothing recorded; the rerun equals one clean run', () =>
    faultThenRerun(`raise exception 'could not extend file "base/1/2": No space left on device' using errcode = 'disk_full'`, 1,
      ['support/INBOX', 'No space left on device', 'nothing of the batch was recorded']), 120_000);

  // The server ends the sync's own connection while it writes the batch.
  onPg('the connection to the database dropped mid-batch: exit 5 saying it was rolled back, nothing recorded; the rerun equals one clean run', () =>
    faultThenRerun('perform pg_terminate_backend(pg_backend_pid())', 5, ['lost the connection to PostgreSQL', 'rolled back']), 120_000);

  onSqlite('a full disk under the database (SQLITE_FULL): exit 1 naming it, nothing recorded; the rerun with room equals one clean run', async () => {
    const desk = deskFor();
    const volume = join(desk.dir, 'volume');
    mkdirSync(volume);
    const db = join(volume, 'desk.db');
    const env = { DESK_DB: db };
    // Room for the empty desk, not for the mail; the data dir (attachments, the sync lock) on a
    // volume of its own with room to spare, so that the database is what fills up.
    const size = Math.round(statSync(desk.db).size / 1024 + 64 + cleanGrowthKiB / 4);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}k`, 'tmpfs', volume], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      throw new Error(`the SQLITE_FULL test needs to mount a small tmpfs (run the suite as root): ${mounted.stderr}`);
    }
    const dataDir = join(volume, 'desk-data');
    mkdirSync(dataDir);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dataDir]).status).toBe(0);
    try {
      expect(desk.run(['init'], { env }).code).toBe(0);
      const failed = desk.run(['sync'], { env });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('support/INBOX');
      expect(failed.stderr).toMatch(/SQLITE_FULL/);
      expect(failed.stderr).toContain('nothing of the batch was recorded');
      expect(failed.stderr).not.toMatch(/quarantined|DESK_DEBUG/);
      await expectNothingRecorded(desk, db);

      expect(spawnSync('mount', ['-o', 'remount,size=64m', volume]).status).toBe(0);
      const again = desk.run(['sync', '--quiet'], { env });
      expect(again).toMatchObject({ code: 0, stderr: cleanStderr });
      expect(await dumpOf(desk, db)).toEqual(clean);
      expect(desk.run(['export'], { env }).stdout).toBe(cleanExport);
    } finally {
      spawnSync('umount', [dataDir]);
      spawnSync('umount', [volume]);
    }
  }, 120_000);
});
