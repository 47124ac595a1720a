import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { composeMail, replyMessageId } from '../../src/mail/compose.js';
import { needsTls, sendRaw, type SmtpTarget } from '../../src/mail/smtp.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

let smtp: TestSmtp;
let authSmtp: TestSmtp;
let mail: Awaited<ReturnType<typeof composeMail>>;

const target = (): SmtpTarget => ({
  host: smtp.host,
  port: smtp.port,
  secure: false,
  // Short, so a stalled server is noticed quickly; the stall itself is the server's doing.
  timeouts: { connectMs: 2000, greetingMs: 2000, socketMs: 400 },
});

beforeAll(async () => {
  smtp = await startTestSmtp();
  authSmtp = await startTestSmtp({ auth: { user: 'support', pass: 's3cret' } });
  mail = await composeMail({
    from: { address: 'support@desk.example' },
    to: { address: 'joao@example.com' },
    subject: 'Re: [#1] Hello',
    text: 'Hi\n',
    messageId: replyMessageId(1, 'support@desk.example', 'fixed'),
    date: new Date('2026-03-30T08:30:00Z'),
  });
});

afterAll(async () => {
  await smtp.close();
  await authSmtp.close();
});

beforeEach(async () => {
  smtp.reset();
  await smtp.start();
});

describe('sendRaw', () => {
  it('delivers the message byte for byte to the envelope recipient', async () => {
    const outcome = await sendRaw(target(), mail.envelope, mail.raw);
    expect(outcome.kind).toBe('sent');
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.to).toEqual(['joao@example.com']);
    expect(smtp.received[0]!.from).toBe('support@desk.example');
    expect(smtp.received[0]!.raw.toString().trimEnd()).toBe(mail.raw.toString().trimEnd());
  });

  it('reports a refused recipient with the server’s words (nothing delivered)', async () => {
    smtp.behave({ kind: 'refuse-rcpt', code: 550, message: 'No such user here' });
    const outcome = await sendRaw(target(), mail.envelope, mail.raw);
    expect(outcome).toMatchObject({ kind: 'refused', stage: 'envelope', code: 550 });
    expect(outcome.kind === 'refused' && outcome.response).toContain('No such user here');
    expect(smtp.received).toHaveLength(0);
  });

  it('reports a temporary refusal after the body as refused, not as unknown', async () => {
    smtp.behave({ kind: 'refuse-data', code: 451, message: 'Try again later' });
    const outcome = await sendRaw(target(), mail.envelope, mail.raw);
    expect(outcome).toMatchObject({ kind: 'refused', stage: 'data', code: 451 });
  });

  it('reports a server that is down as unreachable', async () => {
    await smtp.stop();
    const outcome = await sendRaw(target(), mail.envelope, mail.raw);
    expect(outcome).toMatchObject({ kind: 'unreachable', stage: 'connect' });
    expect(outcome.kind === 'unreachable' && outcome.reason).toMatch(/ECONNREFUSED/);
  });

  it('a connection dropped before the body was handed over cannot have delivered: unreachable', async () => {
    smtp.behave({ kind: 'drop-before-data' });
    const outcome = await sendRaw(target(), mail.envelope, mail.raw);
    expect(outcome.kind).toBe('unreachable');
  });

  it('a connection dropped after the body was handed over may have delivered: unknown', async () => {
    smtp.behave({ kind: 'drop-after-data' });
    const outcome = await sendRaw(target(), mail.envelope, mail.raw);
    expect(outcome.kind).toBe('unknown');
    expect(smtp.unacknowledged).toHaveLength(1);
  });

  it('a server that stalls after DATA is unknown, not refused', async () => {
    smtp.behave({ kind: 'stall-after-data' });
    const outcome = await sendRaw(target(), mail.envelope, mail.raw);
    expect(outcome.kind).toBe('unknown');
    expect(smtp.unacknowledged).toHaveLength(1);
  });

  it('logs in with PLAIN credentials', async () => {
    const t = { ...target(), host: authSmtp.host, port: authSmtp.port, user: 'support', password: 's3cret' };
    expect((await sendRaw(t, mail.envelope, mail.raw)).kind).toBe('sent');
    expect(authSmtp.received.at(-1)!.user).toBe('support');
    const wrong = await sendRaw({ ...t, password: 'nope' }, mail.envelope, mail.raw);
    expect(wrong).toMatchObject({ kind: 'refused', stage: 'auth', code: 535 });
  });
});

describe('needsTls', () => {
  it('insists on TLS when a password would cross the network', () => {
    expect(needsTls({ host: 'smtp.example.com', secure: false, user: 'u', password: 'p' })).toBe(true);
    expect(needsTls({ host: 'smtp.example.com', secure: true, user: 'u', password: 'p' })).toBe(false);
    expect(needsTls({ host: '127.0.0.1', secure: false, user: 'u', password: 'p' })).toBe(false);
    expect(needsTls({ host: 'smtp.example.com', secure: false })).toBe(false);
  });
});
