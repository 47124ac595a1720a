// The automatic acknowledgement end to end: customer mail lands in a real Dovecot, `desk sync`
// opens tickets and sends what `autoAck` says through a real SMTP server. One acknowledgement per
// new ticket, none to automatic mail or robots, the per-sender limit holds across a sync, and two
// desks acknowledging each other stop after one mail each (with or without a relay that strips
// Auto-Submitted on the way).
import { beforeEach, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { mailServersForFile } from '../helpers/mail-servers.js';
import type { MailUser } from '../helpers/dovecot.js';
import type { ReceivedMail } from '../helpers/smtp.js';

const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';
const NOW = '2026-03-30T08:00:00Z';

const servers = mailServersForFile();
const desks = servers.desks;
let seq = 0;
beforeEach(() => servers.smtp.reset());

/** A desk on its own Dovecot user, acknowledging new tickets with the starter reply. */
async function ackingDesk(address: string, autoAck = 'autoAck: { canned: request-received, perSenderPerHours: 1 }'): Promise<{ desk: TempDesk; login: MailUser }> {
  const login = await servers.dovecot.addUser(address, `secret-${++seq}`);
  const desk = tempDesk({ [PASSWORD_ENV]: login.password, DESK_NOW: NOW });
  desks.push(desk);
  writeFileSync(desk.config, [
    'accounts:',
    '  - name: support', '    host: 127.0.0.1', `    port: ${servers.dovecot.port}`, '    secure: false',
    `    user: ${login.user}`, `    passwordEnv: ${PASSWORD_ENV}`, `    address: ${address}`,
    'smtp:', '  host: 127.0.0.1', `  port: ${servers.smtp.port}`, '  secure: false', `  from: ${address}`,
    autoAck, 'timezone: UTC', '',
  ].join('\n'));
  return { desk, login };
}

function mail(from: string, to: string, subject: string, extra: string[] = []): string {
  const id = `<m${++seq}.${Date.now()}@${from.split('@')[1]}>`;
  return [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Message-ID: ${id}`, 'Date: Mon, 30 Mar 2026 07:00:00 +0000',
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', ...extra, '', `Hello, ${subject}.`, ''].join('\r\n');
}

async function sync(desk: TempDesk): Promise<void> {
  const r = await desk.runAsync(['sync', '--quiet']);
  if (r.code !== 0) throw new Error(`desk sync exited ${r.code}: ${r.stderr}`);
}

const header = (m: ReceivedMail, name: string) =>
  m.headerLines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim();

describe('autoAck in desk sync', () => {
  it('acknowledges each new ticket once, never automatic mail or robots, at most once per sender', async () => {
    const { desk, login } = await ackingDesk('support@ack.test');
    const to = 'support@ack.test';
    await servers.dovecot.deliver(login.user, [
      mail('joao@example.com', to, 'Export fails'),
      mail('joao@example.com', to, 'And the import too'), // a second ticket within the hour: no second mail
      mail('kim@example.org', to, 'Cannot log in'),
      mail('away@example.net', to, 'Out of office', ['Auto-Submitted: auto-replied']),
      mail('news@example.net', to, 'Our newsletter', ['List-Id: <news.example.net>', 'Precedence: bulk']),
      mail('noreply@shop.example', to, 'Your order shipped'),
    ]);
    await sync(desk);
    const tickets = JSON.parse(desk.run(['list', '--all', '--json']).stdout) as { id: number; requester: { email: string } }[];
    expect(tickets.map((t) => t.requester.email).sort()).toEqual(['joao@example.com', 'joao@example.com', 'kim@example.org', 'noreply@shop.example']);

    expect(servers.smtp.received.map((m) => m.to).sort()).toEqual([['joao@example.com'], ['kim@example.org']]);
    for (const m of servers.smtp.received) {
      expect(header(m, 'Auto-Submitted')).toBe('auto-replied');
      const ticket = tickets.find((t) => t.requester.email === m.to[0])!;
      expect(header(m, 'Subject')).toMatch(/^Re: \[#\d+\] /);
      expect(ticket).toBeDefined();
    }
    // The first of João's tickets got it; the acknowledgement does not count as an answer.
    const joao = tickets.filter((t) => t.requester.email === 'joao@example.com').map((t) => t.id).sort((a, b) => a - b);
    const first = JSON.parse(desk.run(['show', String(joao[0]), '--json']).stdout);
    expect(first.messages.map((m: { direction: string; auto?: string }) => [m.direction, m.auto ?? null])).toEqual([['in', null], ['out', 'auto-ack']]);
    expect(JSON.parse(desk.run(['show', String(joao[1]), '--json']).stdout).messages).toHaveLength(1);

    // Nothing new on the next run: nothing sent again.
    await sync(desk);
    expect(servers.smtp.received).toHaveLength(2);
    // A customer's reply threads into the ticket: no new ticket, no acknowledgement.
    await servers.dovecot.deliver(login.user, [mail('kim@example.org', to, `Re: [#${tickets.find((t) => t.requester.email === 'kim@example.org')!.id}] Cannot log in`)]);
    await sync(desk);
    expect(servers.smtp.received).toHaveLength(2);
  });

  for (const relay of ['keeps', 'strips'] as const) {
    it(`two desks acknowledging each other stop after one mail each (a relay that ${relay} Auto-Submitted)`, async () => {
      const a = await ackingDesk(`desk-a-${relay}@one.test`);
      const b = await ackingDesk(`desk-b-${relay}@two.test`);
      const addressOf = new Map([[a.login.user, a], [b.login.user, b]]);
      // Each desk's address writes to the other once (a misdirected forward, a test mail…).
      await servers.dovecot.deliver(a.login.user, [mail(b.login.user, a.login.user, 'Hello from B')]);
      await servers.dovecot.deliver(b.login.user, [mail(a.login.user, b.login.user, 'Hello from A')]);
      let delivered = 0;
      // Deliver what each sends to the other, sync both, until nothing new is sent (bounded).
      for (let round = 0; round < 6; round++) {
        await sync(a.desk);
        await sync(b.desk);
        const fresh = servers.smtp.received.slice(delivered);
        if (fresh.length === 0) break;
        delivered = servers.smtp.received.length;
        for (const m of fresh) {
          let raw = m.raw.toString('utf8');
          if (relay === 'strips') raw = raw.replace(/^Auto-Submitted:.*\r?\n/im, '');
          for (const rcpt of m.to) if (addressOf.has(rcpt)) await servers.dovecot.deliver(rcpt, [raw]);
        }
      }
      expect(servers.smtp.received.map((m) => m.from).sort()).toEqual([a.login.user, b.login.user]);
    });
  }
});
