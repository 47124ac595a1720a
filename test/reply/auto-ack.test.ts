// The automatic acknowledgement of new tickets: queued with the ticket, sent by the flush that
// follows, never to automatic mail or robots, at most once per sender per window, marked
// Auto-Submitted, and not an answer as far as the SLA is concerned.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoAcknowledger, refusalOf } from '../../src/commands/reply/auto-ack.js';
import { flushForSync } from '../../src/commands/outbox/flush.js';
import { evaluateTicket, parsePolicyFile } from '../../src/domain/sla/index.js';
import type { TicketWithHistory } from '../../src/domain/types.js';
import { getTicketHistory } from '../../src/store/repos/tickets.js';
import { testCtx, type TestCtx } from '../helpers/ctx.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { freshStoreLocation } from '../helpers/backend.js';
import { customerTicket, parseMail } from './setup.js';

let smtp: TestSmtp;
let dir: string;
let savedConfig: string | undefined;
let ctx: TestCtx;
let now = '2026-03-30T08:00:00Z';
let db: string;

beforeAll(async () => {
  smtp = await startTestSmtp();
  dir = mkdtempSync(join(tmpdir(), 'desk-autoack-'));
  writeFileSync(join(dir, 'sla.yaml'), 'policies:\n  - name: default\n    match: {}\n    calendar: 24x7\n    first_response: 4h\n');
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      'smtp:',
      '  host: 127.0.0.1',
      `  port: ${smtp.port}`,
      '  from: "Example Support <support@desk.example>"',
      'accounts:',
      '  - { name: support, host: 127.0.0.1, user: support, address: support@desk.example }',
      'autoAck:',
      '  canned: request-received',
      '  perSenderPerHours: 2',
      'sla: ./sla.yaml',
      'timezone: UTC',
      '',
    ].join('\n'),
  );
  savedConfig = process.env.DESK_CONFIG;
  process.env.DESK_CONFIG = join(dir, 'config.yaml');
});

afterAll(async () => {
  if (savedConfig === undefined) delete process.env.DESK_CONFIG;
  else process.env.DESK_CONFIG = savedConfig;
  await ctx?.close();
  await smtp.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await ctx?.close();
  rmSync(join(dir, 'desk.db'), { force: true });
  db = freshStoreLocation(dir); // a new one for each test
  ctx = testCtx({ db, now });
  smtp.reset();
});

async function newTicketAcked(email: string, at = now) {
  const store = await ctx.store();
  const id = await customerTicket(store, { email, messageIds: [`<${email}.${at}@mail.example.com>`], at });
  const ack = (await autoAcknowledger(ctx))!;
  const outcome = await store.write((tx) => ack.forNewTicket(tx, id));
  return { id, outcome };
}

describe('auto-acknowledgement', () => {
  it('is queued with the ticket, sent by the flush, marked automatic, and does not stop the SLA clock', async () => {
    const { id, outcome } = await newTicketAcked('joao@example.com');
    expect(outcome).toMatchObject({ queued: true });
    expect(smtp.attempts).toBe(0);
    expect(await flushForSync(ctx, { quiet: true })).toBeNull();
    expect(smtp.received).toHaveLength(1);

    const mail = await parseMail(smtp.received[0]!.raw);
    const header = (k: string) => mail.headers.find((h) => h.key === k)?.value;
    expect(header('auto-submitted')).toBe('auto-replied');
    expect(mail.subject).toBe(`Re: [#${id}] Export fails with error 500`);
    expect(mail.text).toContain(`logged it as ticket #${id}`);
    // the ticket was created at 08:00 under a 4h 24x7 policy
    expect(mail.text).toContain('will reply by 2026-03-30 12:00 (UTC)');

    const store = await ctx.store();
    const h = await getTicketHistory(store.db, id);
    expect(h.messages.find((m) => m.direction === 'out')).toMatchObject({ auto: 'auto-ack' });
    const policy = parsePolicyFile('policies:\n  - name: d\n    match: {}\n    calendar: 24x7\n    first_response: 4h\n', 'sla.yaml');
    expect(evaluateTicket(policy, h, new Date('2026-03-30T09:00:00Z')).sla.first_response).toMatchObject({ stopped: false });
  });

  it('goes to a sender at most once per window', async () => {
    expect((await newTicketAcked('kim@example.com')).outcome).toMatchObject({ queued: true });
    const second = await newTicketAcked('kim@example.com', '2026-03-30T08:30:00Z');
    expect(second.outcome).toMatchObject({ queued: false });
    expect((second.outcome as { reason: string }).reason).toMatch(/acknowledged at 2026-03-30T08:00:00Z already/);
    expect((await newTicketAcked('lee@example.com')).outcome).toMatchObject({ queued: true });
  });

  it('is queued again once the window has passed', async () => {
    expect((await newTicketAcked('kim@example.com')).outcome).toMatchObject({ queued: true });
    await ctx.close();
    ctx = testCtx({ db, now: '2026-03-30T10:00:01Z' });
    expect((await newTicketAcked('kim@example.com', '2026-03-30T10:00:00Z')).outcome).toMatchObject({ queued: true });
  });

  it('is never sent to robots’ addresses', async () => {
    for (const email of ['noreply@example.com', 'mailer-daemon@example.com', 'no-reply@shop.example']) {
      expect((await newTicketAcked(email)).outcome).toMatchObject({ queued: false });
    }
    await flushForSync(ctx, { quiet: true });
    expect(smtp.attempts).toBe(0);
  });
});

describe('refusalOf', () => {
  const base: TicketWithHistory = {
    id: 1, subject: 's', status: 'new', priority: 'normal', tier: 'L1', queue: null, assignee: null, tags: [],
    requester: { email: 'joao@example.com' }, created_at: now, updated_at: now, events: [],
    messages: [{ message_id: '<a@b>', direction: 'in', from: 'joao@example.com', date: now, text: 'hi' }],
  };
  const ours = new Set(['support@desk.example']);

  it('lets an ordinary customer mail through', () => {
    expect(refusalOf(base, ours)).toBeNull();
  });
  it('refuses automatic mail (auto-replies, bounces, lists)', () => {
    expect(refusalOf({ ...base, messages: [{ ...base.messages[0]!, auto: 'auto-submitted: auto-replied' }] }, ours)).toMatch(/automatic/);
  });
  it('refuses our own addresses and tickets without customer mail', () => {
    expect(refusalOf({ ...base, requester: { email: 'support@desk.example' } }, ours)).toMatch(/our own/);
    expect(refusalOf({ ...base, messages: [] }, ours)).toMatch(/no message/);
  });
});
