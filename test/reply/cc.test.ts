// Replies the way customers write mail: the CC list a customer's mail brings is kept on the ticket
// and every reply goes to it (reply-all) unless `--no-cc`; `--cc` adds (and is remembered), `--bcc`
// reaches the envelope only; `--attach` files arrive byte for byte; a CC'd person's answer threads
// into the ticket as the customer's; signatures (the agent's, then the queue's or the mailbox's)
// are filled in below the reply. The built CLI against a real Dovecot and a real SMTP server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { startDovecot, type Dovecot, type MailUser } from '../helpers/dovecot.js';
import { startTestSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp.js';
import { createRng } from '../helpers/mailgen.js';
import { parseMail } from './setup.js';
import { isPlainAddress } from '../../src/domain/cc.js';

const SUPPORT = 'support@desk.test';
const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';
const NOW = '2026-03-30T08:00:00Z';

let dovecot: Dovecot;
let smtp: TestSmtp;
let login: MailUser;
let desk: TempDesk;
let seq = 0;

beforeAll(async () => {
  [dovecot, smtp] = await Promise.all([startDovecot(), startTestSmtp()]);
  login = await dovecot.addUser(SUPPORT, 'secret-cc');
  desk = tempDesk({ [PASSWORD_ENV]: login.password, DESK_NOW: NOW, DESK_AGENT: 'ana' });
  const templates = join(desk.dir, 'templates');
  mkdirSync(join(templates, 'replies'), { recursive: true });
  writeFileSync(join(templates, 'replies', 'with-guide.md'), '---\ntitle: With the guide\nattachments: [guide.pdf]\n---\nHi {{ customer.first_name | default: "there" }}, the guide is attached.\n');
  writeFileSync(join(templates, 'replies', 'guide.pdf'), Buffer.from('%PDF-1.4 guide \u0000\u00ff bytes', 'latin1'));
  writeFileSync(desk.config, [
    'accounts:',
    '  - name: support', '    host: 127.0.0.1', `    port: ${dovecot.port}`, '    secure: false',
    `    user: ${login.user}`, `    passwordEnv: ${PASSWORD_ENV}`, `    address: ${SUPPORT}`, '    queue: tech',
    '    signature: "Desk support · {{ ticket.subject }}"',
    'smtp:', '  host: 127.0.0.1', `  port: ${smtp.port}`, '  secure: false', `  from: ${SUPPORT}`,
    'queues:', '  tech:', '    signature: "Tech team · ticket #{{ ticket.id }} for {{ customer.email }}"',
    'templates: ./templates', 'timezone: UTC', '',
  ].join('\n'));
  expect(run(['agent', 'add', 'ana', '--email', 'ana@desk.test', '--display-name', 'Ana Costa', '--signature', '-'], 'Cheers,\n{{ agent.name }} ({{ ticket.priority }})\n').code).toBe(0);
});

afterAll(async () => {
  desk?.cleanup();
  await Promise.all([dovecot?.stop(), smtp?.close()]);
});

function run(args: string[], input?: string) {
  return desk.run(args, input === undefined ? undefined : { input });
}

function mail(headers: string[], body = 'Hello, the export fails.'): string {
  return [...headers, `Message-ID: <cc${++seq}.${Date.now()}@example.com>`, 'Date: Mon, 30 Mar 2026 07:00:00 +0000',
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
}

async function sync(): Promise<void> {
  const r = await desk.runAsync(['sync', '--quiet']);
  if (r.code !== 0) throw new Error(`desk sync exited ${r.code}: ${r.stderr}`);
}

const header = (m: ReceivedMail, name: string) =>
  m.headerLines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim();

function show(id: number) {
  const r = run(['show', String(id), '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

/** A reply through the CLI; the mail the SMTP server received for it. */
async function reply(args: string[]): Promise<{ json: Record<string, unknown>; mail: ReceivedMail }> {
  smtp.reset();
  const r = await desk.runAsync(['reply', ...args, '--json']);
  if (r.code !== 0) throw new Error(`desk reply exited ${r.code}: ${r.stderr}`);
  await smtp.until(() => smtp.received.length === 1);
  return { json: JSON.parse(r.stdout), mail: smtp.received[0]! };
}

describe('CC, Bcc, attachments and signatures of replies', () => {
  let ticket: number;
  let firstReplyId: string;

  it('keeps the CC list of customer mail on the ticket and replies to all of it; --bcc stays off the headers', async () => {
    await dovecot.deliver(login.user, [mail([
      'From: "João Silva" <joao@example.com>',
      `To: Support <${SUPPORT}>, "Ana Lima" <ana.lima@example.com>`,
      `Cc: bob@example.com, JOAO@example.com, ${SUPPORT.toUpperCase()}`,
      'Subject: Export fails',
    ])]);
    await sync();
    ticket = 1; // the desk's first ticket
    // Neither our own mailbox nor the requester (in any case) is on the list.
    expect(show(ticket).cc).toEqual([{ email: 'ana.lima@example.com', name: 'Ana Lima' }, { email: 'bob@example.com', name: null }]);
    expect(run(['show', String(ticket)]).stdout).toContain('cc Ana Lima <ana.lima@example.com>, bob@example.com');

    const attachment = join(desk.dir, 'report v2.csv');
    const bytes = Buffer.concat([Buffer.from('id;amount\r\n1;€ 12,50\r\n'), Buffer.from([0, 1, 2, 255, 13, 10, 46, 13, 10])]);
    writeFileSync(attachment, bytes);
    const { json, mail: sent } = await reply([String(ticket), '--message', 'Fixed in 4.2.1.', '--bcc', 'lead@example.com', '--attach', attachment]);
    firstReplyId = String(json.message_id);
    expect(json).toMatchObject({ to: 'joao@example.com', cc: ['ana.lima@example.com', 'bob@example.com'], bcc: ['lead@example.com'] });
    expect(sent.to.sort()).toEqual(['ana.lima@example.com', 'bob@example.com', 'joao@example.com', 'lead@example.com']);
    expect(header(sent, 'To')).toContain('joao@example.com');
    expect(header(sent, 'Cc')).toMatch(/^"?Ana Lima"? <ana\.lima@example\.com>, bob@example\.com$/);
    expect(sent.headerLines.filter((l) => /^bcc:/i.test(l))).toEqual([]);
    expect(sent.raw.toString('latin1')).not.toContain('lead@example.com');

    const parsed = await parseMail(sent.raw);
    expect(parsed.attachments.map((a) => [a.filename, a.mimeType])).toEqual([['report v2.csv', 'text/csv']]);
    expect(Buffer.from(parsed.attachments[0]!.content as ArrayBuffer).equals(bytes)).toBe(true);
    // The agent's signature, then the queue's (over the mailbox's), with their variables filled in.
    expect(parsed.text!.trimEnd()).toBe(`Fixed in 4.2.1.\n\nCheers,\nAna Costa (normal)\n\nTech team · ticket #${ticket} for joao@example.com`);

  });

  it('--no-cc answers the requester alone; --cc adds people who stay on the list', async () => {
    const only = await reply([String(ticket), '--message', 'Just for you.', '--no-cc']);
    expect(only.mail.to).toEqual(['joao@example.com']);
    expect(header(only.mail, 'Cc')).toBeUndefined();

    const more = await reply([String(ticket), '--message', 'Adding Carol.', '--cc', 'Carol@Example.com,dave@example.com', '--no-signature']);
    expect(more.mail.to.sort()).toEqual(['ana.lima@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com', 'joao@example.com']);
    expect((await parseMail(more.mail.raw)).text!.trimEnd()).toBe('Adding Carol.');
    // Added Cc stays on the list, the Bcc of the first reply does not; the ticket's record of a reply names its Cc.
    const h = show(ticket);
    expect(h.cc.map((c: { email: string }) => c.email)).toEqual(['ana.lima@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com']);
    expect(h.messages.filter((m: { direction: string }) => m.direction === 'out').map((m: { cc: string[] }) => m.cc)).toEqual([
      ['ana.lima@example.com', 'bob@example.com'], [], ['ana.lima@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com'],
    ]);

    // --no-cc with --cc: the list is left out, the added address still gets it.
    const alone = await reply([String(ticket), '--message', 'Carol only.', '--no-cc', '--cc', 'carol@example.com']);
    expect(alone.mail.to.sort()).toEqual(['carol@example.com', 'joao@example.com']);
  });

  it('refuses bad --cc, --bcc and --attach with exit 2, naming them, and queues nothing', () => {
    const big = join(desk.dir, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, 19 * 1024 * 1024);
    const cases: [string[], RegExp][] = [
      [['--attach', join(desk.dir, 'missing.pdf')], /--attach .*missing\.pdf: no such file/],
      [['--attach', big], /more than the 18\.0 MiB/],
      [['--bcc', 'x@y.example>\r\nBcc: evil@example.com'], /invalid e-mail address in --bcc/],
    ];
    for (const [flags, message] of cases) {
      const r = run(['reply', String(ticket), '--message', 'x', ...flags]);
      expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(message)]);
    }
    expect(JSON.parse(run(['outbox', '--all', '--json']).stdout)).toHaveLength(4); // the four replies above
  });

  it("sends a canned reply's attachments with the CC, and a reply queued while SMTP was down goes to the same people", async () => {
    await smtp.stop();
    const r = await desk.runAsync(['reply', String(ticket), '--canned', 'with-guide', '--bcc', 'lead@example.com']);
    expect(r.code).toBe(5);
    await smtp.start();
    smtp.reset();
    expect((await desk.runAsync(['outbox', 'flush'])).code).toBe(0);
    await smtp.until(() => smtp.received.length === 1);
    const sent = smtp.received[0]!;
    expect(sent.to.sort()).toEqual(['ana.lima@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com', 'joao@example.com', 'lead@example.com']);
    const parsed = await parseMail(sent.raw);
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['guide.pdf']);
    expect(Buffer.from(parsed.attachments[0]!.content as ArrayBuffer).equals(Buffer.from('%PDF-1.4 guide \u0000\u00ff bytes', 'latin1'))).toBe(true);
    // A canned reply places the agent's signature itself; the queue's goes below it.
    expect(parsed.text!.trimEnd()).toBe(`Hi João, the guide is attached.\n\nTech team · ticket #${ticket} for joao@example.com`);
  });

  it("threads a CC'd person's answer into the ticket as the customer's", async () => {
    expect(run(['set', String(ticket), '--status', 'pending']).code).toBe(0);
    await dovecot.deliver(login.user, [mail([
      'From: Bob <bob@example.com>', `To: ${SUPPORT}`, 'Cc: joao@example.com, erin@example.com',
      'Subject: Re: Export fails', `In-Reply-To: ${firstReplyId}`, `References: ${firstReplyId}`,
    ], 'It works for me too now.')]);
    await sync();
    const h = show(ticket);
    expect(h.messages.at(-1)).toMatchObject({ direction: 'in', from: 'bob@example.com', text: expect.stringContaining('works for me') });
    expect(h.messages.at(-1).auto).toBeUndefined();
    // The customer answered: the ticket is open again (and the SLA clock of a reply runs).
    expect(h.status).toBe('open');
    expect(h.cc.map((c: { email: string }) => c.email)).toContain('erin@example.com');
  });

  it('keeps only sendable addresses of hostile To/Cc headers, and a reply carries no injected header', async () => {
    // Header values as hostile senders write them; CR LF inside a value arrives folded or encoded
    // (a bare one would only start a header of the mail itself).
    const rng = createRng(14);
    const pieces = [
      '"Eve\r\n Bcc: thief@evil.example" <eve@example.com>', '=?utf-8?b?RXZlDQpCY2M6IHRoaWVmQGV2aWwuZXhhbXBsZQ==?= <eve2@example.com>',
      '"\u202egnp.exe\u0007" <bidi@example.com>', 'group: g1@example.com, g2@example.com;', '"a,b" <quoted@example.com>', '<"quoted local"@example.com>',
      'comment(x)@example.com', 'no-at-sign', '@example.com', 'a@', 'ctl\u0007@example.com', 'sp ace@example.com', `${'l'.repeat(300)}@example.com`,
      'undisclosed-recipients:;', 'ok@example.com', '"Ünïcødé Ñame" <uni@example.com>', 'semi;colon@example.com', 'tab\t@example.com',
      '<x@evil.example>\r\n\tBcc: thief@evil.example', `=?utf-8?q?=0D=0ABcc:_thief@evil.example?= <${SUPPORT}>`,
    ];
    const raws: string[] = [];
    for (let i = 0; i < 2; i++) {
      const picked = pieces.filter(() => rng.next() < 0.5);
      raws.push(mail([`From: hostile${i}@example.net`, `To: ${SUPPORT}, ${picked.slice(0, 3).join(', ')}`, `Cc: ${picked.slice(3).join(', ')}`, `Subject: Hostile ${i}`]));
    }
    raws.push(mail(['From: hostile-all@example.net', `To: ${SUPPORT}`, `Cc: ${pieces.join(', ')}`, 'Subject: Hostile all']));
    await dovecot.deliver(login.user, raws);
    await sync();
    const exported = run(['export']).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((t) => t.subject.startsWith('Hostile'));
    expect(exported).toHaveLength(3);
    for (const t of exported) {
      for (const c of t.cc) expect([c.email, isPlainAddress(c.email), /[\u0000-\u001f\u202e]/.test(c.name ?? '')]).toEqual([c.email, true, false]);
    }
    const all = exported.find((t: { subject: string }) => t.subject === 'Hostile all');
    const kept = all.cc.map((c: { email: string }) => c.email);
    expect(kept).toEqual(expect.arrayContaining(['eve@example.com', 'eve2@example.com', 'bidi@example.com', 'g1@example.com', 'g2@example.com', 'quoted@example.com', 'ok@example.com', 'uni@example.com']));
    // (An address the sender really listed, even after a folded "Bcc:", is copied like any other.)
    expect(kept).not.toContain(SUPPORT);
    const { mail: sent } = await reply([String(all.id), '--message', 'Hello all.']);
    const names = sent.headerLines.map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
    expect(names.filter((n) => n === 'bcc' || n === 'to' || n === 'cc')).toEqual(['to', 'cc']);
    expect(sent.to.sort()).toEqual(['hostile-all@example.net', ...kept].sort());
  });

  it('imports and exports a ticket\'s CC list, and refuses an address it could not send to', () => {
    const file = join(desk.dir, 'in.jsonl');
    writeFileSync(file, [
      JSON.stringify({ subject: 'Imported', requester: { email: 'kim@example.org' }, created_at: '2026-03-01T10:00:00Z', cc: [{ email: 'Lee@Example.org', name: 'Lee' }, 'kim@example.org', 'max@example.org'] }),
      JSON.stringify({ subject: 'Bad', requester: { email: 'kim@example.org' }, created_at: '2026-03-02T10:00:00Z', cc: ['x@y>\r\nBcc: z@w'] }),
      '',
    ].join('\n'));
    const r = run(['import', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 2: 'cc\[0\]\.email' is not an e-mail address/);
    const line = run(['export']).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((t) => t.subject === 'Imported');
    expect(line.cc).toEqual([{ email: 'lee@example.org', name: 'Lee' }, { email: 'max@example.org', name: null }]);
  });
});
