// Spam end to end: mail lands in a real Dovecot, `desk sync` judges it by the config's and the
// database's lists, the spam flag header and our receiving server's Authentication-Results (a
// forged one decides nothing), stores spam in no ticket and never acknowledges it through the
// real SMTP server; agents move tickets to spam (blocking the sender), release and purge it, and
// a flood from one domain is gone in one command.
import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { mailServersForFile } from '../helpers/mail-servers.js';
import type { MailUser } from '../helpers/dovecot.js';
import { onPostgres } from '../helpers/backend.js';

const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';
const NOW = '2026-03-30T08:00:00Z';
const OURS = 'mx.desk.test';

const servers = mailServersForFile();
const desks = servers.desks;
let seq = 0;

async function spamDesk(address: string, spam: string[], ack = true): Promise<{ desk: TempDesk; login: MailUser }> {
  const login = await servers.dovecot.addUser(address, `secret-${++seq}`);
  const desk = tempDesk({ [PASSWORD_ENV]: login.password, DESK_NOW: NOW });
  desks.push(desk);
  writeFileSync(desk.config, [
    'accounts:',
    '  - name: support', '    host: 127.0.0.1', `    port: ${servers.dovecot.port}`, '    secure: false',
    `    user: ${login.user}`, `    passwordEnv: ${PASSWORD_ENV}`, `    address: ${address}`,
    `    trustAuthResults: { authservId: ${OURS} }`,
    'smtp:', '  host: 127.0.0.1', `  port: ${servers.smtp.port}`, '  secure: false', `  from: ${address}`,
    ...(ack ? ['autoAck: { canned: request-received, perSenderPerHours: 0 }'] : []), 'timezone: UTC', ...spam, '',
  ].join('\n'));
  return { desk, login };
}

function mail(from: string, to: string, subject: string, extra: string[] = []): string {
  const id = `<m${++seq}.${Date.now()}@${from.split('@')[1]}>`;
  return [...extra, `From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Message-ID: ${id}`, 'Date: Mon, 30 Mar 2026 07:00:00 +0000',
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `Hello, ${subject}.`, ''].join('\r\n');
}

function ok(desk: TempDesk, args: string[], env?: Record<string, string>): string {
  const r = desk.run(args, env ? { env } : undefined);
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function sync(desk: TempDesk): Promise<{ spam: number; new_tickets: number }> {
  const r = await desk.runAsync(['sync', '--json']);
  if (r.code !== 0) throw new Error(`desk sync exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n')[0]!);
}

type Listed = { id: number; requester: { email: string }; subject: string };
type Spam = { id: number; sender: string; subject: string; reason: string; ticket: number | null; blocked: string | null };
const tickets = (desk: TempDesk) => JSON.parse(ok(desk, ['list', '--all', '--json'])) as Listed[];
const spamList = (desk: TempDesk) => JSON.parse(ok(desk, ['spam', 'list', '--json'])) as Spam[];
const sentTo = () => servers.smtp.received.map((m) => m.to[0]!).sort();

describe('spam in desk sync', () => {
  it('lists, the flag header and our own server\'s verdicts decide; spam opens no ticket and is never acknowledged; agents move, release and purge', async () => {
    servers.smtp.reset();
    const to = 'support@desk.test';
    const { desk, login } = await spamDesk(to, [
      'spam:', '  block: ["@Spam.test", "@xn--bcher-kva.test"]', '  allow: [friend@spam.test]',
      "  header: 'X-Spam-Flag: YES'", '  authResults: { dmarcFail: spam, spfFail: mark }',
    ]);
    await servers.dovecot.deliver(login.user, [
      mail('a@spam.test', to, 'Cheap pills'), // blocked domain
      mail('x@deep.sub.SPAM.test', to, 'More pills'), // a subdomain of it
      mail('friend@spam.test', to, 'Lunch?'), // allowed beats blocked
      mail('shop@bücher.test', to, 'Books'), // the IDN domain, blocked by its punycode form
      mail('flagged@ok.test', to, 'You won', ['X-Spam-Flag: yes']), // the spam flag
      mail('unflagged@ok.test', to, 'Invoice', ['X-Spam-Flag: NO']),
      // Our own server's verdict: DMARC failed.
      mail('ceo@phish.test', to, 'Wire money', [`Authentication-Results: ${OURS}; dmarc=fail header.from=phish.test`]),
      // Forged by the sender: a fail below our server's pass, and a fail in another server's name.
      mail('billing@bank.test', to, 'Statement', [`Authentication-Results: ${OURS}; dmarc=pass header.from=bank.test`, `Authentication-Results: ${OURS}; dmarc=fail header.from=bank.test`]),
      mail('alerts@bank.test', to, 'Alert', ['Authentication-Results: mx.evil.test; dmarc=fail; spf=fail']),
      mail('tom@soft.test', to, 'SPF trouble', [`Authentication-Results: ${OURS}; spf=fail smtp.mailfrom=soft.test; dmarc=none`]), // spfFail: mark
      mail('customer@ok.test', to, 'Export fails'),
    ]);
    const first = await sync(desk);
    expect(first).toMatchObject({ new: 11, spam: 5, new_tickets: 6 });

    const all = tickets(desk);
    expect(all.map((t) => t.requester.email).sort()).toEqual(
      ['alerts@bank.test', 'billing@bank.test', 'customer@ok.test', 'friend@spam.test', 'tom@soft.test', 'unflagged@ok.test']);
    const spam = spamList(desk);
    const reasons = Object.fromEntries(spam.map((s) => [s.sender, s.reason]));
    expect(reasons).toEqual({
      'a@spam.test': 'blocked: @spam.test', 'x@deep.sub.spam.test': 'blocked: @spam.test', 'shop@bücher.test': 'blocked: @xn--bcher-kva.test',
      'flagged@ok.test': 'X-Spam-Flag: YES', 'ceo@phish.test': 'dmarc=fail from our receiving server',
    });
    expect(spam.every((s) => s.ticket === null)).toBe(true);
    // Acknowledged: the six tickets, never spam (a real SMTP server received them).
    expect(sentTo()).toEqual(['alerts@bank.test', 'billing@bank.test', 'customer@ok.test', 'friend@spam.test', 'tom@soft.test', 'unflagged@ok.test']);
    const tom = all.find((t) => t.requester.email === 'tom@soft.test')!;

    // An agent moves the customer's ticket to spam and blocks the sender: gone from the list, and
    // the next mail from that address is spam, not acknowledged.
    const customer = all.find((t) => t.requester.email === 'customer@ok.test')!;
    ok(desk, ['note', String(customer.id), 'looks like a bot']);
    const moved = JSON.parse(ok(desk, ['spam', String(customer.id), '--block', '--json']));
    expect(moved).toEqual([expect.objectContaining({ ticket: customer.id, blocked: 'customer@ok.test' })]);
    expect(tickets(desk).map((t) => t.id)).not.toContain(customer.id);
    // A blocked sender's reply to their own ticket is spam too: it joins and reopens nothing.
    ok(desk, ['spam', 'block', 'TOM@soft.test']);
    ok(desk, ['close', String(tom.id)]);
    servers.smtp.reset();
    await servers.dovecot.deliver(login.user, [mail('customer@ok.test', to, 'Again'), mail('tom@soft.test', to, `Re: [#${tom.id}] SPF trouble`)]);
    expect(await sync(desk)).toMatchObject({ spam: 2, new_tickets: 0, threaded: 0 });
    expect(servers.smtp.received).toHaveLength(0);
    // spfFail: mark — a ticket, tagged.
    const tomNow = JSON.parse(ok(desk, ['show', String(tom.id), '--json']));
    expect([tomNow.tags, tomNow.status, tomNow.messages.length]).toEqual([['suspected-spam'], 'closed', 2]); // its mail and the acknowledgement

    // Release brings the ticket back whole (its number, its note), and unblocks the sender.
    const now = spamList(desk);
    const movedSpam = now.find((s) => s.ticket === customer.id)!;
    expect(ok(desk, ['spam', 'release', String(movedSpam.id)])).toContain(`released as ticket #${customer.id}; customer@ok.test unblocked`);
    const back = JSON.parse(ok(desk, ['show', String(customer.id), '--json']));
    expect(back.subject).toBe('Export fails');
    expect(back.events.filter((e: { type: string }) => e.type === 'note').map((e: { text?: string }) => e.text)).toEqual(['looks like a bot', expect.stringContaining('released from spam')]);
    // Spam the sync stored comes back as a new ticket built from its mail.
    const flagged = now.find((s) => s.sender === 'flagged@ok.test')!;
    const out = ok(desk, ['spam', 'release', String(flagged.id)]);
    const newId = Number(/ticket #(\d+)/.exec(out)![1]);
    const t = JSON.parse(ok(desk, ['show', String(newId), '--json']));
    expect([t.subject, t.requester.email, t.status, t.messages.length]).toEqual(['You won', 'flagged@ok.test', 'new', 1]);

    // Purge: asks (refused without a terminal unless --yes), keeps what is younger.
    const later = { DESK_NOW: '2026-04-02T08:00:00Z' };
    const refused = desk.run(['spam', 'purge', '--older-than', '1d'], { env: later });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect(spamList(desk)).toHaveLength(6);
    expect(JSON.parse(ok(desk, ['spam', 'purge', '--older-than', '1d', '--yes', '--json'], later))).toEqual({ purged: 6 });
    expect(spamList(desk)).toEqual([]);
  });

  it('a flood from one domain is one command away from gone', async () => {
    const to = 'flood@desk.test';
    const { desk, login } = await spamDesk(to, [], false);
    // 1,000 on SQLite (about 9 s); PostgreSQL moves ticket by ticket over the network: 200 keeps it short.
    const N = onPostgres() ? 200 : 1000;
    // Bad input first: exit 2 naming what is wrong (3 for what is not there), nothing changed.
    const good = readFileSync(desk.config, 'utf8');
    for (const [bad, key] of [['spam: { block: ["acme.com"] }', 'spam.block.0'], ['spam: { authResults: { dmarcFail: maybe } }', 'spam.authResults.dmarcFail'], ["spam: { header: 'X-Spam-Flag' }", 'spam.header']]) {
      writeFileSync(desk.config, `${good}${bad}\n`);
      const r = desk.run(['spam', 'senders']);
      expect([r.code, r.stderr]).toEqual([2, expect.stringContaining(key)]);
    }
    writeFileSync(desk.config, good);
    for (const [args, code] of [[['spam', 'block', 'a b@x.test'], 2], [['spam', '7', '--from', '@x.test'], 2], [['spam', '999'], 3], [['spam', 'unblock', 'a@x.test'], 3]] as const) {
      expect([args, desk.run([...args]).code]).toEqual([args, code]);
    }
    const flood = Array.from({ length: N }, (_, i) => mail(`bot${i}@x${i % 7}.flood.test`, to, `Offer ${i}`));
    await servers.dovecot.deliver(login.user, [...flood, mail('real@customer.test', to, 'Real question'), mail('bot@notflood.test', to, 'Lookalike')]);
    expect(await sync(desk)).toMatchObject({ new_tickets: N + 2 });
    const r = desk.run(['spam', '--from', '@FLOOD.test', '--no-block']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${N} tickets moved to spam`);
    const all = tickets(desk);
    expect(all.map((t) => t.requester.email).sort()).toEqual(['bot@notflood.test', 'real@customer.test']);
    expect(spamList(desk)).toHaveLength(N);
    // Block the domain from the database: the next wave is spam at once.
    ok(desk, ['spam', 'block', '@flood.test']);
    await servers.dovecot.deliver(login.user, [mail('bot9999@flood.test', to, 'Offer again')]);
    expect(await sync(desk)).toMatchObject({ spam: 1, new_tickets: 0 });
  });
});
