// The outbox against a real SMTP server: nothing lost, nothing sent twice.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ConflictError, NotFoundError } from '../../src/errors.js';
import {
  cancelEntries, flushOutbox, getOutboxEntry, listOutbox, outboxDb, retryEntries, type Claimant, type FlushOptions, type SentFolder,
} from '../../src/mail/outbox.js';
import type { Store } from '../../src/store/index.js';
import { sendRaw, type SmtpTarget } from '../../src/mail/smtp.js';
import { queueReply, type ReplyDraft } from '../../src/commands/reply/queue.js';
import { getTicketHistory } from '../../src/store/repos/tickets.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { customerTicket, parseMail, tempStore, type TempStore } from './setup.js';

let smtp: TestSmtp;
let t: TempStore;
let clock: Date;

beforeAll(async () => {
  smtp = await startTestSmtp();
});
afterAll(async () => smtp.close());

beforeEach(async () => {
  smtp.reset();
  await smtp.start();
  t = await tempStore();
  clock = new Date('2026-03-30T08:30:00Z');
});
afterEach(async () => t.cleanup());

const target = (): SmtpTarget => ({ host: smtp.host, port: smtp.port, secure: false, timeouts: { connectMs: 2000, greetingMs: 2000, socketMs: 400 } });

function flush(extra: Partial<FlushOptions> = {}) {
  return flushOutbox({ store: t.store, now: () => clock, send: (env, raw) => sendRaw(target(), env, raw), ...extra });
}

function draft(ticketId: number, extra: Partial<ReplyDraft> = {}): ReplyDraft {
  return {
    ticketId,
    text: 'Hi João,\n\nIt is fixed.\n',
    actor: 'ana',
    at: clock,
    from: { address: 'support@desk.example', name: 'Example Support' },
    kind: 'reply',
    ...extra,
  };
}

const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

describe('writing a reply', () => {
  it('stores the message, its events and its outbox entry before anything is sent', async () => {
    const id = await customerTicket(t.store);
    const q = await queueReply(t.store, draft(id, { status: 'pending' }));
    expect(smtp.attempts).toBe(0);
    const [entry] = await listOutbox(t.store.db);
    expect(entry).toMatchObject({ id: q.entryId, ticket_id: id, message_id: q.messageId, state: 'queued', attempts: 0, to: 'joao@example.com', kind: 'reply' });
    const h = await getTicketHistory(t.store.db, id);
    const out = h.messages.find((m) => m.direction === 'out')!;
    // The first-response clock stops at the instant the agent queued the reply.
    expect(out).toMatchObject({ message_id: q.messageId, date: '2026-03-30T08:30:00Z', author: 'ana', auto: null });
    expect(h.status).toBe('pending');
    expect(h.events.map((e) => [e.type, e.text ?? e.to])).toEqual([['reply', q.messageId], ['status', 'pending']]);
  });

  it('delivers a reply that threads back: tag, Re:, In-Reply-To, References, our Message-ID', async () => {
    const id = await customerTicket(t.store, { messageIds: ['<c1@mail.example.com>', '<c2@mail.example.com>'] });
    const q = await queueReply(t.store, draft(id));
    const report = await flush();
    expect(report.results.map((r) => r.outcome)).toEqual(['sent']);
    expect(smtp.received).toHaveLength(1);
    const got = smtp.received[0]!;
    expect(got.from).toBe('support@desk.example');
    expect(got.to).toEqual(['joao@example.com']);
    const mail = await parseMail(got.raw);
    expect(mail.subject).toBe(`Re: [#${id}] Export fails with error 500`);
    expect(mail.messageId).toBe(q.messageId);
    expect(mail.messageId).toMatch(new RegExp(`^<desk\\.${id}\\.[0-9a-f]+@desk\\.example>$`));
    expect(mail.inReplyTo).toBe('<c2@mail.example.com>');
    expect(mail.references).toBe('<c1@mail.example.com> <c2@mail.example.com>');
    expect(mail.text).toBe('Hi João,\n\nIt is fixed.\n');
    expect((await getOutboxEntry(t.store.db, q.entryId))!).toMatchObject({ state: 'sent', attempts: 1, sent_at: '2026-03-30T08:30:00Z' });
  });
});

describe('delivery failures', () => {
  it('SMTP down, then up: queued with back-off, then exactly one delivery', async () => {
    const id = await customerTicket(t.store);
    const q = await queueReply(t.store, draft(id));
    await smtp.stop();
    const down = await flush({ dueOnly: true });
    expect(down.results).toMatchObject([{ id: q.entryId, outcome: 'retry', next_attempt_at: '2026-03-30T08:31:00Z' }]);
    expect(down.failed).toBe(1);
    expect((await getOutboxEntry(t.store.db, q.entryId))!).toMatchObject({ state: 'queued', attempts: 1 });
    expect((await getOutboxEntry(t.store.db, q.entryId))!.last_error).toMatch(/could not be reached/);

    await smtp.start();
    advance(30_000);
    const early = await flush({ dueOnly: true });
    expect(early.results).toMatchObject([{ outcome: 'waiting' }]);
    expect(smtp.attempts).toBe(0);

    advance(30_000);
    expect((await flush({ dueOnly: true })).results).toMatchObject([{ outcome: 'sent' }]);
    expect((await flush({ dueOnly: true })).results).toEqual([]);
    expect(smtp.received).toHaveLength(1);
  });

  it('a refusal keeps the reply queued with the server’s words, and the back-off grows', async () => {
    const id = await customerTicket(t.store);
    const q = await queueReply(t.store, draft(id));
    smtp.behave({ kind: 'refuse-rcpt', code: 450, message: 'Mailbox busy' });
    expect((await flush()).results).toMatchObject([{ outcome: 'retry', next_attempt_at: '2026-03-30T08:31:00Z' }]);
    expect((await flush()).results).toMatchObject([{ outcome: 'retry', next_attempt_at: '2026-03-30T08:32:00Z' }]);
    const entry = (await getOutboxEntry(t.store.db, q.entryId))!;
    expect(entry).toMatchObject({ state: 'queued', attempts: 2 });
    expect(entry.last_error).toContain('Mailbox busy');
    expect(smtp.received).toHaveLength(0);
  });

  it('a stall after DATA is "unknown": not resent by a flush, resent exactly once with --force', async () => {
    const id = await customerTicket(t.store);
    const q = await queueReply(t.store, draft(id));
    smtp.behave({ kind: 'stall-after-data' });
    expect((await flush()).results).toMatchObject([{ outcome: 'unknown' }]);
    expect(smtp.unacknowledged).toHaveLength(1);

    smtp.behave({ kind: 'accept' });
    const again = await flush();
    expect(again.results).toMatchObject([{ id: q.entryId, outcome: 'held' }]);
    expect(smtp.attempts).toBe(1);

    expect((await flush({ force: true })).results).toMatchObject([{ outcome: 'sent' }]);
    expect((await flush({ force: true })).results).toEqual([]);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.attempts).toBe(2);
  });

  it('a connection dropped after the body was handed over is "unknown" too', async () => {
    const id = await customerTicket(t.store);
    await queueReply(t.store, draft(id));
    smtp.behave({ kind: 'drop-after-data' });
    expect((await flush()).results).toMatchObject([{ outcome: 'unknown' }]);
  });
});

describe('a crash between send and record', () => {
  const deadPeer: Claimant = { id: 'elsewhere:1', isAlive: () => false };
  const livePeer: Claimant = { id: 'elsewhere:2', isAlive: () => true };

  async function leaveSending(entryId: number, by: string, at: string) {
    await t.store.write((tx) =>
      outboxDb(tx).updateTable('outbox').set({ state: 'sending', claimed_by: by, claimed_at: at, attempts: 1 }).where('id', '=', entryId).execute(),
    );
  }

  it('an entry left "sending" by a dead process becomes unknown and is not resent blindly', async () => {
    const id = await customerTicket(t.store);
    const q = await queueReply(t.store, draft(id));
    await leaveSending(q.entryId, 'somehost:4242', '2026-03-30T08:30:00Z');
    const report = await flush({ claimant: deadPeer });
    expect(report.results).toMatchObject([{ id: q.entryId, outcome: 'unknown' }]);
    expect(report.results[0]!.detail).toMatch(/desk stopped while sending/);
    expect((await flush({ claimant: deadPeer })).results).toMatchObject([{ outcome: 'held' }]);
    expect(smtp.attempts).toBe(0);
    expect((await flush({ claimant: deadPeer, force: true })).results).toMatchObject([{ outcome: 'sent' }]);
    expect(smtp.received).toHaveLength(1);
  });

  it('an entry another live process is sending is left alone, until its claim goes stale', async () => {
    const id = await customerTicket(t.store);
    const q = await queueReply(t.store, draft(id));
    await leaveSending(q.entryId, 'otherhost:7', '2026-03-30T08:30:00Z');
    expect((await flush({ claimant: livePeer })).results).toEqual([]);
    expect((await getOutboxEntry(t.store.db, q.entryId))!.state).toBe('sending');
    advance(31 * 60_000);
    expect((await flush({ claimant: livePeer })).results).toMatchObject([{ outcome: 'unknown' }]);
    expect(smtp.attempts).toBe(0);
  });

  it('two flushes at once deliver a reply exactly once', async () => {
    const id = await customerTicket(t.store);
    await queueReply(t.store, draft(id));
    await queueReply(t.store, draft(id, { text: 'A second reply\n' }));
    const [a, b] = await Promise.all([flush(), flush()]);
    const sent = [...a.results, ...b.results].filter((r) => r.outcome === 'sent');
    expect(sent).toHaveLength(2);
    expect(new Set(sent.map((r) => r.id)).size).toBe(2);
    expect(smtp.received).toHaveLength(2);
  });
});

describe('confirming "unknown" mail in the Sent folder', () => {
  function folder(found: boolean, seen: string[]): SentFolder {
    return {
      contains: async (id) => {
        seen.push(id);
        return found;
      },
      close: async () => undefined,
    };
  }

  async function unknownEntry() {
    const id = await customerTicket(t.store);
    const q = await queueReply(t.store, draft(id));
    smtp.behave({ kind: 'drop-after-data' });
    await flush();
    smtp.behave({ kind: 'accept' });
    return q;
  }

  it('found there: marked sent, never resent', async () => {
    const q = await unknownEntry();
    const seen: string[] = [];
    advance(11 * 60_000);
    expect((await flush({ sentFolder: folder(true, seen) })).results).toMatchObject([{ outcome: 'confirmed' }]);
    expect(seen).toEqual([q.messageId]);
    expect((await getOutboxEntry(t.store.db, q.entryId))!.state).toBe('sent');
    expect(smtp.received).toHaveLength(0);
  });

  it('absent: resent once; but only after the server had time to file it', async () => {
    const q = await unknownEntry();
    const seen: string[] = [];
    expect((await flush({ sentFolder: folder(false, seen) })).results).toMatchObject([{ outcome: 'held' }]);
    expect(seen).toEqual([]);
    advance(11 * 60_000);
    expect((await flush({ sentFolder: folder(false, seen) })).results).toMatchObject([{ id: q.entryId, outcome: 'sent' }]);
    expect(smtp.received).toHaveLength(1);
  });

  it('a Sent folder that cannot be searched holds the entry', async () => {
    await unknownEntry();
    advance(11 * 60_000);
    const broken: SentFolder = { contains: async () => Promise.reject(new Error('IMAP down')), close: async () => undefined };
    const report = await flush({ sentFolder: broken });
    expect(report.results).toMatchObject([{ outcome: 'held' }]);
    expect(report.results[0]!.detail).toContain('IMAP down');
    expect(smtp.received).toHaveLength(0);
  });
});

describe('refused for good', () => {
  async function queued() {
    const id = await customerTicket(t.store);
    const q = await queueReply(t.store, draft(id));
    return { id, q };
  }

  const notes = async (id: number) => (await getTicketHistory(t.store.db, id)).events.filter((e) => e.type === 'note');

  it('550 at RCPT: failed with the server’s words, a note on the ticket, and no flush tries it again', async () => {
    const { id, q } = await queued();
    smtp.behave({ kind: 'refuse-rcpt', code: 550, message: '5.1.1 no such user' });
    const report = await flush();
    expect(report.results).toMatchObject([{ id: q.entryId, ticket_id: id, to: 'joao@example.com', outcome: 'failed', next_attempt_at: null }]);
    expect(report.results[0]!.detail).toContain('550 5.1.1 no such user');
    expect(report.failed).toBe(1);
    const entry = (await getOutboxEntry(t.store.db, q.entryId))!;
    expect(entry).toMatchObject({ state: 'failed', attempts: 1, next_attempt_at: null });
    expect(entry.last_error).toContain('550 5.1.1 no such user');

    const [note] = await notes(id);
    expect(note).toMatchObject({ actor: 'desk', at: '2026-03-30T08:30:00Z' });
    expect(note!.text).toMatch(/^The reply to joao@example\.com was refused by the mail server: 550 5\.1\.1 no such user\n/);
    expect(note!.text).toContain(`desk outbox retry ${q.entryId}`);

    smtp.behave({ kind: 'accept' });
    advance(2 * 3_600_000);
    expect((await flush()).results).toEqual([]);
    expect((await flush({ dueOnly: true })).results).toEqual([]);
    expect((await flush({ force: true })).results).toEqual([]);
    expect(smtp.attempts).toBe(1);
    expect(smtp.received).toHaveLength(0);
    // still listed: it is not delivered
    expect(await listOutbox(t.store.db)).toMatchObject([{ id: q.entryId, state: 'failed' }]);
    expect(await notes(id)).toHaveLength(1);
  });

  it('554 at the end of DATA: failed', async () => {
    const { id, q } = await queued();
    smtp.behave({ kind: 'refuse-data', code: 554, message: '5.7.1 message rejected as spam' });
    expect((await flush()).results).toMatchObject([{ id: q.entryId, outcome: 'failed' }]);
    expect((await getOutboxEntry(t.store.db, q.entryId))!).toMatchObject({ state: 'failed', next_attempt_at: null });
    expect((await getOutboxEntry(t.store.db, q.entryId))!.last_error).toContain('554 5.7.1 message rejected as spam');
    expect((await notes(id))[0]!.text).toContain('554 5.7.1 message rejected as spam');
    smtp.behave({ kind: 'accept' });
    expect((await flush()).results).toEqual([]);
    expect(smtp.received).toHaveLength(0);
  });

  it('a 5xx at MAIL FROM (553 sender not allowed): failed', async () => {
    const { q } = await queued();
    smtp.behave({ kind: 'refuse-mail', code: 553, message: '5.7.1 sender not allowed' });
    expect((await flush()).results).toMatchObject([{ id: q.entryId, outcome: 'failed' }]);
  });

  it('451 at RCPT is temporary: still retried with back-off, no note', async () => {
    const { id, q } = await queued();
    smtp.behave({ kind: 'refuse-rcpt', code: 451, message: '4.7.1 greylisted, try again later' });
    expect((await flush()).results).toMatchObject([{ outcome: 'retry', next_attempt_at: '2026-03-30T08:31:00Z' }]);
    expect((await getOutboxEntry(t.store.db, q.entryId))!.state).toBe('queued');
    expect(await notes(id)).toEqual([]);
    smtp.behave({ kind: 'accept' });
    advance(60_000);
    expect((await flush({ dueOnly: true })).results).toMatchObject([{ outcome: 'sent' }]);
    expect(smtp.received).toHaveLength(1);
  });

  it('530 at MAIL FROM (the server wants a login first) is our setup, not the message: still retried', async () => {
    const { q } = await queued();
    smtp.behave({ kind: 'refuse-mail', code: 530, message: '5.7.0 Authentication required' });
    expect((await flush()).results).toMatchObject([{ id: q.entryId, outcome: 'retry' }]);
    expect((await getOutboxEntry(t.store.db, q.entryId))!.state).toBe('queued');
  });

  it('535 at login (bad credentials) is our setup: still retried, and sent once the password is right', async () => {
    const authed = await startTestSmtp({ auth: { user: 'desk', pass: 'right' } });
    try {
      const { id, q } = await queued();
      const login = (pass: string): FlushOptions['send'] => (env, raw) =>
        sendRaw({ host: authed.host, port: authed.port, secure: false, user: 'desk', password: pass, timeouts: { connectMs: 2000, greetingMs: 2000, socketMs: 400 } }, env, raw);
      const wrong = await flush({ send: login('wrong') });
      expect(wrong.results).toMatchObject([{ id: q.entryId, outcome: 'retry' }]);
      expect(wrong.results[0]!.detail).toMatch(/at auth: 535/);
      expect((await getOutboxEntry(t.store.db, q.entryId))!.state).toBe('queued');
      expect(await notes(id)).toEqual([]);
      expect((await flush({ send: login('right') })).results).toMatchObject([{ outcome: 'sent' }]);
      expect(authed.received).toHaveLength(1);
    } finally {
      await authed.close();
    }
  });
});

describe('an agent retries or cancels', () => {
  const by = { now: new Date('2026-03-30T09:00:00Z'), actor: 'ana' };

  async function failedEntry() {
    const id = await customerTicket(t.store);
    const q = await queueReply(t.store, draft(id));
    smtp.behave({ kind: 'refuse-rcpt', code: 550, message: '5.1.1 no such user' });
    await flush();
    smtp.behave({ kind: 'accept' });
    return { id, q };
  }

  let sentCount = 0;
  async function sentEntry() {
    const id = await customerTicket(t.store, { messageIds: [`<sent-${++sentCount}@mail.example.com>`] });
    const q = await queueReply(t.store, draft(id, { text: 'Delivered\n' }));
    await flush({ ids: [q.entryId] });
    return q;
  }

  it('retry: a failed reply is queued again, due now, and the next flush delivers it exactly once', async () => {
    const { id, q } = await failedEntry();
    const [entry] = await retryEntries(t.store, [q.entryId], by);
    expect(entry).toMatchObject({ id: q.entryId, state: 'queued', next_attempt_at: '2026-03-30T09:00:00Z', attempts: 1 });
    clock = by.now;
    // even an automatic run (which respects back-off) sends it at once
    expect((await flush({ dueOnly: true })).results).toMatchObject([{ id: q.entryId, outcome: 'sent' }]);
    expect((await flush()).results).toEqual([]);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.to).toEqual(['joao@example.com']);
    const notes = (await getTicketHistory(t.store.db, id)).events.filter((e) => e.type === 'note');
    expect(notes.map((n) => n.actor)).toEqual(['desk', 'ana']);
    expect(notes[1]!.text).toMatch(/queued again by ana/);
  });

  it('retry of a queued entry skips its back-off', async () => {
    const id = await customerTicket(t.store);
    const q = await queueReply(t.store, draft(id));
    await smtp.stop();
    await flush();
    await smtp.start();
    expect((await flush({ dueOnly: true })).results).toMatchObject([{ outcome: 'waiting' }]);
    await retryEntries(t.store, [q.entryId], { now: clock, actor: 'ana' });
    expect((await flush({ dueOnly: true })).results).toMatchObject([{ outcome: 'sent' }]);
    expect(smtp.received).toHaveLength(1);
  });

  it('retry refuses unknown ids (not found) and sent or unknown entries (conflict), changing nothing', async () => {
    const { q } = await failedEntry();
    const sent = await sentEntry();
    await expect(retryEntries(t.store, [q.entryId, 999], by)).rejects.toThrow(NotFoundError);
    await expect(retryEntries(t.store, [q.entryId, 999], by)).rejects.toThrow(/#999/);
    await expect(retryEntries(t.store, [q.entryId, sent.entryId], by)).rejects.toThrow(ConflictError);
    await expect(retryEntries(t.store, [q.entryId, sent.entryId], by)).rejects.toThrow(/sent already/);
    expect((await getOutboxEntry(t.store.db, q.entryId))!.state).toBe('failed'); // all or nothing

    const id = await customerTicket(t.store, { messageIds: ['<stall@mail.example.com>'] });
    const u = await queueReply(t.store, draft(id, { text: 'Stalls\n' }));
    smtp.behave({ kind: 'stall-after-data' });
    await flush({ ids: [u.entryId] });
    await expect(retryEntries(t.store, [u.entryId], by)).rejects.toThrow(/desk outbox flush --force/);
  });

  it('cancel: a queued reply is withdrawn, never sent, hidden from the list but for --all, with a note', async () => {
    const id = await customerTicket(t.store);
    const q = await queueReply(t.store, draft(id));
    const [entry] = await cancelEntries(t.store, [q.entryId], by);
    expect(entry).toMatchObject({ id: q.entryId, state: 'cancelled', next_attempt_at: null });
    expect((await flush()).results).toEqual([]);
    expect((await flush({ force: true })).results).toEqual([]);
    expect(smtp.attempts).toBe(0);
    expect(await listOutbox(t.store.db)).toEqual([]);
    expect(await listOutbox(t.store.db, { all: true })).toMatchObject([{ id: q.entryId, state: 'cancelled' }]);
    const [note] = (await getTicketHistory(t.store.db, id)).events.filter((e) => e.type === 'note');
    expect(note).toMatchObject({ actor: 'ana', at: '2026-03-30T09:00:00Z' });
    expect(note!.text).toMatch(/^The reply to joao@example\.com \(outbox #\d+\) was withdrawn by ana: it was not sent/);
    await expect(retryEntries(t.store, [q.entryId], by)).rejects.toThrow(/cancelled/);
  });

  it('cancel takes failed and unknown entries too, and refuses sent ones', async () => {
    const { q } = await failedEntry();
    expect((await cancelEntries(t.store, [q.entryId], by))[0]!.state).toBe('cancelled');
    const sent = await sentEntry();
    await expect(cancelEntries(t.store, [sent.entryId], by)).rejects.toThrow(ConflictError);
    await expect(cancelEntries(t.store, [12345], by)).rejects.toThrow(NotFoundError);

    const id = await customerTicket(t.store, { messageIds: ['<drop@mail.example.com>'] });
    const u = await queueReply(t.store, draft(id, { text: 'Dropped\n' }));
    smtp.behave({ kind: 'drop-after-data' });
    await flush({ ids: [u.entryId] });
    smtp.behave({ kind: 'accept' });
    expect((await cancelEntries(t.store, [u.entryId], by))[0]!.state).toBe('cancelled');
    expect((await flush({ force: true })).results).toEqual([]);
    expect(smtp.received).toHaveLength(1); // only the sent one
  });

  it('cancel and claim race: a cancel that lands first means the flush sends nothing', async () => {
    const id = await customerTicket(t.store);
    const q = await queueReply(t.store, draft(id));
    let raced = false;
    // The flush has listed the entry as queued; the agent's cancel commits just before its claim.
    const racing: Store = {
      ...t.store,
      write: async (fn) => {
        if (!raced) {
          raced = true;
          await cancelEntries(t.store, [q.entryId], by);
        }
        return t.store.write(fn);
      },
    };
    expect((await flush({ store: racing })).results).toEqual([]);
    expect(raced).toBe(true);
    expect(smtp.attempts).toBe(0);
    expect((await getOutboxEntry(t.store.db, q.entryId))!.state).toBe('cancelled');
  });

  it('cancel and claim race: a claim that lands first means the cancel is refused and the reply is sent', async () => {
    const id = await customerTicket(t.store);
    const q = await queueReply(t.store, draft(id));
    let cancel: unknown;
    const report = await flush({
      send: async (env, raw) => {
        cancel = await cancelEntries(t.store, [q.entryId], by).catch((err: unknown) => err);
        return sendRaw(target(), env, raw);
      },
    });
    expect(cancel).toBeInstanceOf(ConflictError);
    expect((cancel as Error).message).toMatch(/being sent right now/);
    expect(report.results).toMatchObject([{ outcome: 'sent' }]);
    expect((await getOutboxEntry(t.store.db, q.entryId))!.state).toBe('sent');
    expect((await getTicketHistory(t.store.db, id)).events.filter((e) => e.type === 'note')).toEqual([]);
  });

  it('cancel and flush at the same time: exactly one wins', async () => {
    for (let i = 0; i < 5; i++) {
      const id = await customerTicket(t.store, { messageIds: [`<race-${i}@mail.example.com>`] });
      const q = await queueReply(t.store, draft(id, { text: `Race ${i}\n` }));
      const before = smtp.received.length;
      const [report, cancelled] = await Promise.all([
        flush({ ids: [q.entryId] }),
        cancelEntries(t.store, [q.entryId], by).then(() => true, (err: unknown) => (err instanceof ConflictError ? false : Promise.reject(err))),
      ]);
      const sent = report.results.some((r) => r.outcome === 'sent');
      expect(sent).toBe(!cancelled);
      expect(smtp.received.length - before).toBe(sent ? 1 : 0);
      expect((await getOutboxEntry(t.store.db, q.entryId))!.state).toBe(cancelled ? 'cancelled' : 'sent');
    }
  });
});
