// Mail that only claims to be ours is not our reply. Anyone can write `From: support@…` and an
// In-Reply-To naming a customer's message; such mail must not become an agent's reply nor stop
// the first-response clock. desk believes mail from our address only when its Message-ID is one
// desk sent or the account's own receiving server (trustAuthResults: its authserv-id, the
// topmost such header) shows DKIM or DMARC pass for our domain. Generated forgeries of each kind
// go through a real Dovecot and the built CLI; genuine replies from a mail client still count.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { startDovecot, type Dovecot, type MailUser } from '../helpers/dovecot.js';

const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';
const SUPPORT = 'support@desk.test';
const MX = 'mx.desk.test';
const NOW = '2026-03-30T10:00:00Z';

let dovecot: Dovecot;
let login: MailUser;
let desk: TempDesk;
let seq = 0;

beforeAll(async () => {
  dovecot = await startDovecot();
  login = await dovecot.addUser(SUPPORT, 'claimed-secret');
  desk = tempDesk({ [PASSWORD_ENV]: login.password, DESK_NOW: NOW });
  writeFileSync(join(desk.dir, 'sla.yaml'), 'policies:\n  - name: default\n    match: {}\n    calendar: 24x7\n    first_response: 4h\n');
  writeFileSync(desk.config, [
    'accounts:',
    '  - name: support', '    host: 127.0.0.1', `    port: ${dovecot.port}`, '    secure: false',
    `    user: ${login.user}`, `    passwordEnv: ${PASSWORD_ENV}`, `    address: ${SUPPORT}`,
    `    trustAuthResults: { authservId: ${MX} }`,
    'sla: ./sla.yaml', 'timezone: UTC', '',
  ].join('\n'));
});
afterAll(async () => {
  desk?.cleanup();
  await dovecot?.stop();
});

function mail(headers: string[], body = 'Hello.'): string {
  return [...headers, 'Date: Mon, 30 Mar 2026 09:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
}

function sync(): void {
  const r = desk.run(['sync', '--quiet']);
  if (r.code !== 0) throw new Error(`desk sync exited ${r.code}: ${r.stderr}`);
}

interface Case { name: string; from: string; authResults: string[]; messageId?: (n: number) => string }

// Every kind of claim desk must not believe: From alone, Authentication-Results from another
// server, ours below (i.e. before) our server's own, `pass` hidden in comments and quoted
// strings, a pass for another or an unaligned domain, a Message-ID shaped like desk's own.
const FORGED: Case[] = [
  { name: 'From alone', from: SUPPORT, authResults: [] },
  { name: 'From in capitals with a name', from: `"Support" <SUPPORT@Desk.Test>`, authResults: [] },
  { name: 'another server says pass', from: SUPPORT, authResults: [`mx.evil.test; dkim=pass header.d=desk.test; dmarc=pass header.from=desk.test`] },
  { name: 'a forged header of ours below our server’s', from: SUPPORT, authResults: [`${MX}; dkim=none; dmarc=none`, `${MX}; dkim=pass header.d=desk.test; dmarc=pass header.from=desk.test`] },
  { name: 'pass in a comment', from: SUPPORT, authResults: [`${MX}; dkim=fail (dkim=pass header.d=desk.test) header.d=desk.test`] },
  { name: 'pass in a nested comment', from: SUPPORT, authResults: [`${MX} (x (y; dkim=pass header.d=desk.test)); dkim=neutral header.d=desk.test`] },
  { name: 'pass in a quoted string', from: SUPPORT, authResults: [`${MX}; dkim=fail reason="; dkim=pass header.d=desk.test" header.d=desk.test`] },
  { name: 'pass for another domain', from: SUPPORT, authResults: [`${MX}; dkim=pass header.d=evil.test; dmarc=pass header.from=evil.test`] },
  { name: 'pass for a look-alike domain', from: SUPPORT, authResults: [`${MX}; dkim=pass header.d=notdesk.test; dkim=pass header.d=desk.test.evil.test`] },
  { name: 'pass for a top-level domain', from: SUPPORT, authResults: [`${MX}; dkim=pass header.d=test`] },
  { name: 'a result that only starts like pass', from: SUPPORT, authResults: [`${MX}; dkim=passed header.d=desk.test; dmarc=pass2 header.from=desk.test`] },
  { name: 'a look-alike authserv-id', from: SUPPORT, authResults: [`evil${MX}; dkim=pass header.d=desk.test`, `${MX}.evil.test; dkim=pass header.d=desk.test`] },
  { name: 'a Message-ID shaped like desk’s', from: SUPPORT, authResults: [], messageId: (n) => `<desk.${n}.abc123@desk.test>` },
];
const GENUINE: Case[] = [
  { name: 'DKIM pass from our server', from: SUPPORT, authResults: [`${MX}; spf=pass smtp.mailfrom=desk.test; dkim=pass (2048-bit key) header.d=desk.test header.s=sel`] },
  { name: 'DMARC pass from our server, above a forged fail', from: `Ana <${SUPPORT}>`, authResults: [`${MX} 1; dmarc=pass (p=reject) header.from=desk.test`, `${MX}; dkim=fail`] },
];

describe('mail from our own address', () => {
  it('is our reply only when desk can tell; a forged one is inbound, marked, and stops no clock', async () => {
    const cases = [...FORGED, ...GENUINE];
    // One customer ticket per case.
    const customers = cases.map((c, i) => ({ c, email: `customer${i}@example.com`, messageId: `<c${i}.${++seq}@example.com>` }));
    await dovecot.deliver(login.user, customers.map((x, i) => mail([`From: ${x.email}`, `To: ${SUPPORT}`, `Subject: Problem ${i}`, `Message-ID: ${x.messageId}`])));
    sync();
    const tickets = JSON.parse(desk.run(['list', '--all', '--json']).stdout) as { id: number; requester: { email: string } }[];
    const ticketOf = (email: string) => tickets.find((t) => t.requester.email === email)!.id;
    expect(tickets).toHaveLength(cases.length);

    // Then a reply "from us" on each, in the shape of its case.
    await dovecot.deliver(login.user, customers.map((x, i) => {
      const id = x.c.messageId?.(ticketOf(x.email)) ?? `<r${i}.${++seq}@desk.test>`;
      return mail([...x.c.authResults.map((a) => `Authentication-Results: ${a}`), `From: ${x.c.from}`, `To: ${x.email}`,
        `Subject: Re: Problem ${i}`, `Message-ID: ${id}`, `In-Reply-To: ${x.messageId}`, `References: ${x.messageId}`], 'This is fixed, closing.');
    }));
    sync();

    const report = JSON.parse(desk.run(['sla', 'report', '--by', 'ticket', '--json', '--now', '2026-03-30T12:00:00Z']).stdout) as { id: number; first_response: { stopped: boolean } }[];
    const wrong: string[] = [];
    for (const x of customers) {
      const id = ticketOf(x.email);
      const shown = JSON.parse(desk.run(['show', String(id), '--json']).stdout);
      const second = shown.messages[1];
      const stopped = report.find((r) => r.id === id)!.first_response.stopped;
      const forged = FORGED.includes(x.c);
      const got = `${second?.direction} ${second?.auto ?? ''} stopped=${stopped} status=${shown.status}`;
      const want = forged ? `in claims to be from us: support@desk.test, unverified stopped=false status=new` : `out  stopped=true status=new`;
      if (got !== want) wrong.push(`${x.c.name}: ${got}`);
    }
    expect(wrong).toEqual([]);

    // desk show marks it; --why says why it was not believed.
    const forgedTicket = ticketOf(customers[0]!.email);
    expect(desk.run(['show', String(forgedTicket)]).stdout).toContain('[claims to be from us: support@desk.test, unverified]');
    const why = desk.run(['show', String(forgedTicket), '--why']).stdout;
    expect(why).toContain('claims to be from us, not believed: from our address support@desk.test, but its Message-ID is not one desk sent');
    expect(why).toContain(`no Authentication-Results from ${MX}`);
    const genuineWhy = desk.run(['show', String(ticketOf(customers[FORGED.length]!.email)), '--why']).stdout;
    expect(genuineWhy).toContain(`ours: from support@desk.test: Authentication-Results from ${MX}: dkim=pass header.d=desk.test`);
  });

  it('a malformed trustAuthResults is a usage error naming the setting', () => {
    const other = tempDesk({ [PASSWORD_ENV]: login.password });
    try {
      writeFileSync(other.config, ['accounts:', '  - name: support', '    host: 127.0.0.1', `    port: ${dovecot.port}`, '    secure: false',
        `    user: ${login.user}`, `    passwordEnv: ${PASSWORD_ENV}`, `    address: ${SUPPORT}`, '    trustAuthResults: mx.desk.test', ''].join('\n'));
      const r = other.run(['sync']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("config accounts[0].trustAuthResults must be a mapping with 'authservId: NAME'");
    } finally {
      other.cleanup();
    }
  });
});
