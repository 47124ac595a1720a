// The outbox against a real SMTP server: nothing lost, nothing sent twice.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { flushOutbox, getOutboxEntry, listOutbox, outboxDb, type Claimant, type FlushOptions, type SentFolder } from '../../src/mail/outbox.js';
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
