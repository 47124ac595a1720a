// The sync engine against a real Dovecot: a generated mailbox of thousands of realistic messages
// (threads, auto-replies, bounces, HTML, attachments, missing Message-IDs, broken MIME, odd
// charsets, duplicates) must become exactly the tickets the generator says, once, whatever
// happens to the mailbox afterwards.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { openMailbox, type ImapEndpoint } from '../../src/mail/imap.js';
import { replayQuarantine, syncMailbox, type SyncOptions, type SyncTarget } from '../../src/mail/sync.js';
import { storeBatch } from '../../src/mail/sync-batch.js';
import type { MailboxReport } from '../../src/mail/sync-report.js';
import { syncDb } from '../../src/mail/sync-schema.js';
import { startDovecot, type Dovecot, type MailUser } from '../helpers/dovecot.js';
import { generateMailbox, plainMessage, replyMessage, createRng, type GeneratedMail } from '../helpers/mailgen.js';
import { canonicalDump } from './dump.js';
import { freshStoreLocation } from '../helpers/backend.js';

const COUNT = 2500;
const SUPPORT = 'support@desk.test';

let dovecot: Dovecot;
let tmp: string;
const stores: Store[] = [];

beforeAll(async () => {
  dovecot = await startDovecot();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'desk-sync-engine-'));
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await dovecot?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function newStore(name: string): Promise<Store> {
  const store = await openStore({ location: freshStoreLocation(tmp, name) });
  stores.push(store);
  return store;
}

function endpointFor(login: MailUser, mailbox = 'INBOX'): ImapEndpoint {
  return { name: login.user.split('@')[0]!, host: dovecot.host, port: dovecot.port, secure: false, user: login.user, password: login.password, mailbox };
}

function engine(store: Store, extra: Partial<SyncOptions> = {}): SyncOptions {
  return {
    store,
    now: () => new Date(),
    ourAddresses: new Set([SUPPORT]),
    onNewTicket: async () => undefined,
    batchSize: 300,
    ...extra,
  };
}

async function sync(store: Store, login: MailUser, target: Partial<SyncTarget> = {}, extra: Partial<SyncOptions> = {}): Promise<MailboxReport> {
  const ep = endpointFor(login);
  const mb = await openMailbox(ep);
  try {
    return await syncMailbox(mb, { account: ep.name, mailbox: 'INBOX', queue: 'tech', ...target }, engine(store, extra));
  } finally {
    await mb.close();
  }
}

function bucketsAddUp(r: MailboxReport): void {
  expect(r.new_tickets + r.threaded + r.auto_generated + r.duplicates + r.quarantined).toBe(r.new);
}

describe('a generated mailbox of thousands of messages', () => {
  let login: MailUser;
  let mails: GeneratedMail[];
  let store: Store;
  let first: MailboxReport;

  beforeAll(async () => {
    login = await dovecot.addUser('big@desk.test', 'secret-big');
    mails = generateMailbox(COUNT, 7, { to: SUPPORT });
    await dovecot.deliver(login.user, mails.map((m) => m.raw));
    store = await newStore('big');
    first = await sync(store, login);
  });

  it('accounts for every message in the reconciliation', () => {
    expect(first.on_server).toBe(COUNT);
    expect(first.new).toBe(COUNT);
    bucketsAddUp(first);
    expect(first.duplicates).toBe(mails.filter((m) => m.kind === 'duplicate').length);
    expect(first.quarantined).toBe(mails.filter((m) => !m.expect.parseable && m.kind !== 'duplicate').length);
    expect(first.auto_generated).toBe(mails.filter((m) => m.expect.auto && m.kind !== 'duplicate').length);
    expect(first.new_tickets).toBe(new Set(mails.map((m) => m.ticketOf).filter((t) => t !== null)).size);
  });

  it('threads every message onto the ticket the generator says, auto mail never opening one', async () => {
    const rows = await store.db.selectFrom('messages').select(['message_id', 'ticket_id', 'raw_sha256', 'auto_reason', 'thread_rule']).orderBy('id').execute();
    // Generated index → stored row, matched by raw hash (duplicates and unparseable mail are not stored).
    const stored = mails.filter((m) => m.kind !== 'duplicate' && m.expect.parseable);
    expect(rows).toHaveLength(stored.length);
    const ticketOfIndex = new Map<number, number | null>();
    stored.forEach((m, i) => {
      const row = rows[i]!;
      const index = mails.indexOf(m);
      expect(row.auto_reason !== null).toBe(m.expect.auto);
      if (m.ticketOf === null) {
        expect(row.ticket_id).toBeNull();
        return;
      }
      // All messages of one generated ticket share one stored ticket, and no other does.
      if (m.ticketOf === index) ticketOfIndex.set(index, row.ticket_id);
      expect(row.ticket_id).toBe(ticketOfIndex.get(m.ticketOf));
      if (m.ticketOf !== index) expect(row.thread_rule).toMatch(/^known-message-id: /);
    });
    const tickets = await store.db.selectFrom('tickets').select(['id', 'status', 'queue']).execute();
    expect(tickets).toHaveLength(first.new_tickets);
    expect(new Set(tickets.map((t) => t.status))).toEqual(new Set(['new']));
    expect(new Set(tickets.map((t) => t.queue))).toEqual(new Set(['tech']));
  });

  it('keeps readable text, the sender and the raw message of each', async () => {
    const rows = await store.db.selectFrom('messages').select(['from_addr', 'text', 'raw_sha256', 'subject']).orderBy('id').execute();
    const stored = mails.filter((m) => m.kind !== 'duplicate' && m.expect.parseable);
    stored.forEach((m, i) => {
      expect(rows[i]!.from_addr).toBe(m.expect.from);
      expect(rows[i]!.text).toContain(m.expect.textIncludes);
    });
    const raws = await syncDb(store.db).selectFrom('mail_raw').select(['message_pk', 'raw']).orderBy('message_pk').execute();
    expect(raws.length).toBe(stored.length);
    // The raw bytes as the server gave them (Dovecot serves CRLF line ends).
    expect(Buffer.from(raws[0]!.raw).toString('latin1').replace(/\r\n/g, '\n')).toBe(stored[0]!.raw.toString('latin1').replace(/\r\n/g, '\n'));
  });

  it('stores attachment content under the data dir, under safe paths', async () => {
    const rows = await store.db.selectFrom('messages as m').select(['m.id', 'm.raw_sha256']).orderBy('m.id').execute();
    const atts = await store.db.selectFrom('attachments').select(['message_id', 'path', 'sha256', 'size', 'filename']).orderBy('id').execute();
    const stored = mails.filter((m) => m.kind !== 'duplicate' && m.expect.parseable);
    let checked = 0;
    stored.forEach((m, i) => {
      // Bounces also carry their report parts (delivery status, returned message) as attachments.
      if (m.kind === 'bounce') return;
      const mine = atts.filter((a) => a.message_id === rows[i]!.id);
      expect(mine.map((a) => [a.sha256, Number(a.size)])).toEqual(m.expect.attachments.map((a) => [a.sha256, a.size]));
      checked += mine.length;
    });
    expect(checked).toBeGreaterThan(50);
    for (const a of atts) {
      expect(a.path).toMatch(/^attachments\/[0-9a-f]{2}\/[0-9a-f]{64}\/[^/\\]+$/);
      const file = path.join(store.dataDir, a.path!);
      expect(path.relative(store.dataDir, file).startsWith('..')).toBe(false);
      expect(readFileSync(file).length).toBe(Number(a.size));
    }
  });

  it('quarantines unparseable mail with the reason', async () => {
    const q = await syncDb(store.db).selectFrom('mail_quarantine').selectAll().execute();
    expect(q).toHaveLength(first.quarantined);
    for (const row of q) expect(row.reason).toMatch(/no sender address/);
  });

  it('adds nothing on a second run', async () => {
    const before = await canonicalDump(store.db);
    const again = await sync(store, login);
    expect(again).toMatchObject({ new: 0, new_tickets: 0, threaded: 0, duplicates: 0, quarantined: 0 });
    expect(await canonicalDump(store.db)).toEqual(before);
  });

  it('re-checks everything after a UIDVALIDITY reset and still adds nothing', async () => {
    const before = await canonicalDump(store.db, { withCursors: false });
    await dovecot.resetUidValidity(login.user);
    const after = await sync(store, login);
    expect(after.uid_validity_changed).toBe(true);
    expect(after.new).toBe(COUNT);
    expect(after.duplicates).toBe(COUNT);
    expect(await canonicalDump(store.db, { withCursors: false })).toEqual(before);
    // …and new mail after the reset is picked up from the new UIDs on.
    const next = plainMessage({ rng: createRng(99), to: SUPPORT });
    await dovecot.deliver(login.user, [next.raw]);
    expect(await sync(store, login)).toMatchObject({ new: 1, new_tickets: 1, uid_validity_changed: false });
  });
});

describe('mail that people or servers already touched', () => {
  it('syncs mail that was read before the sync, and leaves it as it was', async () => {
    const login = await dovecot.addUser('seen@desk.test', 'secret-seen');
    const rng = createRng(5);
    await dovecot.deliver(login.user, [plainMessage({ rng, to: SUPPORT }).raw, plainMessage({ rng, to: SUPPORT }).raw], { seen: true });
    await dovecot.deliver(login.user, [plainMessage({ rng, to: SUPPORT }).raw]);
    await dovecot.markSeen(login, [3]);
    const store = await newStore('seen');
    expect(await sync(store, login)).toMatchObject({ new: 3, new_tickets: 3 });
    const c = await dovecot.client(login);
    try {
      await c.mailboxOpen('INBOX', { readOnly: true });
      const flags: string[][] = [];
      for await (const m of c.fetch('1:*', { uid: true, flags: true }, { uid: true })) flags.push([...(m.flags ?? [])].filter((f) => f !== '\\Recent'));
      expect(flags).toEqual([['\\Seen'], ['\\Seen'], ['\\Seen']]);
    } finally {
      await c.logout();
    }
  });

  it('threads a reply to a solved ticket and reopens it; a reply to a closed one opens a follow-up', async () => {
    const login = await dovecot.addUser('reopen@desk.test', 'secret-reopen');
    const rng = createRng(11);
    const a = plainMessage({ rng, to: SUPPORT });
    const b = plainMessage({ rng, to: SUPPORT });
    await dovecot.deliver(login.user, [a.raw, b.raw]);
    const store = await newStore('reopen');
    await sync(store, login);
    await store.db.updateTable('tickets').set({ status: 'solved' }).where('id', '=', 1).execute();
    await store.db.updateTable('tickets').set({ status: 'closed' }).where('id', '=', 2).execute();
    const ref = (m: GeneratedMail) => ({ messageId: m.messageId!, subject: m.expect.subject, from: { email: m.expect.from, name: null } });
    await dovecot.deliver(login.user, [replyMessage(ref(a), { rng, to: SUPPORT }).raw, replyMessage(ref(b), { rng, to: SUPPORT }).raw]);
    expect(await sync(store, login)).toMatchObject({ new: 2, threaded: 1, new_tickets: 1 });
    const tickets = await store.db.selectFrom('tickets').select(['id', 'status']).orderBy('id').execute();
    expect(tickets).toEqual([{ id: 1, status: 'open' }, { id: 2, status: 'closed' }, { id: 3, status: 'new' }]);
    const reopen = await store.db.selectFrom('events').selectAll().where('ticket_id', '=', 1).execute();
    expect(reopen).toMatchObject([{ type: 'status', from_value: 'solved', to_value: 'open', actor: a.expect.from }]);
    const followUp = await store.db.selectFrom('messages').select('thread_rule').where('ticket_id', '=', 3).executeTakeFirstOrThrow();
    expect(followUp.thread_rule).toMatch(/^new: follow-up to closed ticket 2/);
  });

  it("a reply to another desk installation's Message-ID does not thread into our ticket of the same number", async () => {
    const login = await dovecot.addUser('foreign@desk.test', 'secret-foreign');
    const rng = createRng(41);
    const first = plainMessage({ rng, to: SUPPORT });
    await dovecot.deliver(login.user, [first.raw]);
    const store = await newStore('foreign');
    await sync(store, login);
    // Same shape as desk's own ids, ticket 1, but sent by some other desk: not ours.
    const foreign = { messageId: '<desk.1.0123456789abcdef@helpdesk.other.example>', subject: 'Your order', from: { email: 'someone@else.example', name: null } };
    await dovecot.deliver(login.user, [replyMessage(foreign, { rng, to: SUPPORT }).raw]);
    expect(await sync(store, login)).toMatchObject({ new: 1, threaded: 0, new_tickets: 1 });
    const rules = await store.db.selectFrom('messages').select(['ticket_id', 'thread_rule']).orderBy('id').execute();
    expect(rules[1]!.ticket_id).toBe(2);
    expect(rules[1]!.thread_rule).not.toMatch(/^our-message-id/);
  });

  it('the same mail in two synced mailboxes makes one ticket', async () => {
    const one = await dovecot.addUser('one@desk.test', 'secret-one');
    const two = await dovecot.addUser('two@desk.test', 'secret-two');
    const mail = plainMessage({ rng: createRng(21), to: SUPPORT });
    await dovecot.deliver(one.user, [Buffer.concat([Buffer.from('Delivered-To: one@desk.test\r\n'), mail.raw])]);
    await dovecot.deliver(two.user, [Buffer.concat([Buffer.from('Delivered-To: two@desk.test\r\n'), mail.raw])]);
    const store = await newStore('two-boxes');
    expect(await sync(store, one)).toMatchObject({ new_tickets: 1 });
    expect(await sync(store, two)).toMatchObject({ new: 1, duplicates: 1, new_tickets: 0 });
  });
});

describe('replay', () => {
  it('stores quarantined mail that reads fine now, and only once', async () => {
    const store = await newStore('replay');
    const mail = plainMessage({ rng: createRng(31), to: SUPPORT });
    // As if an older desk had failed on it.
    await store.write((tx) =>
      storeBatch(tx, store.ops, { account: 'support', mailbox: 'INBOX', uidValidity: '1', queue: 'tech' }, [
        { kind: 'quarantine', uid: 7, raw: mail.raw, rawSha256: 'a'.repeat(64), contentSha256: 'b'.repeat(64), receivedAt: '2026-03-02T10:00:00Z', reason: 'old parser failed' },
      ], null, async () => undefined),
    );
    const report = await replayQuarantine(engine(store), () => 'tech');
    expect(report).toEqual({ retried: 1, stored: 1, still_quarantined: 0 });
    const tickets = await store.db.selectFrom('tickets').select(['subject', 'queue']).execute();
    expect(tickets).toEqual([{ subject: mail.expect.subject, queue: 'tech' }]);
    expect(await replayQuarantine(engine(store), () => 'tech')).toEqual({ retried: 0, stored: 0, still_quarantined: 0 });
  });
});
