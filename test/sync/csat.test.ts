// Satisfaction surveys end to end: customer mail lands in a real Dovecot, agents solve the
// tickets, `desk sync` sends each due survey through a real SMTP server (one mailto: link per
// rating, in the text and the HTML part), the customer's rating mail comes back through Dovecot
// and is recorded once on its ticket; a later rating replaces it, a forged token or a token of
// another ticket records nothing; one survey per customer per period; the report and
// `desk customer show` show the figures; a rules file reopens a ticket rated low and tells the lead.
import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import PostalMime from 'postal-mime';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { mailServersForFile } from '../helpers/mail-servers.js';
import type { ReceivedMail } from '../helpers/smtp.js';

const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';
const T0 = '2030-01-07T09:00:00Z';
const HOUR = 3_600_000;
const at = (hours: number) => new Date(Date.parse(T0) + hours * HOUR).toISOString().replace(/\.\d{3}Z$/, 'Z');

const servers = mailServersForFile();
const desks = servers.desks;
let seq = 0;

function mail(from: string, to: string, subject: string, body = `Hello, ${subject}.`, extra: string[] = []): string {
  const id = `<c${++seq}.${Date.now()}@${from.split('@')[1]}>`;
  return [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Message-ID: ${id}`, 'Date: Mon, 07 Jan 2030 07:00:00 +0000',
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', ...extra, '', body, ''].join('\r\n');
}

const header = (m: ReceivedMail, name: string) =>
  m.headerLines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim();

interface Ev { type: string; from?: string | null; to?: string | null; text?: string | null }

describe('csat surveys and ratings through Dovecot and SMTP', () => {
  it('sends due surveys, records ratings once, replaces, refuses forged tokens, limits per period, reports, reopens on a low rating', async () => {
    const address = 'help@csat.test';
    const login = await servers.dovecot.addUser(address, 'secret-csat');
    const desk = tempDesk({ [PASSWORD_ENV]: login.password, DESK_NOW: T0 });
    desks.push(desk);
    const rules = join(dirname(desk.config), 'rules.yaml');
    const policy = join(dirname(desk.config), 'sla.yaml');
    writeFileSync(policy, 'policies:\n  - { name: default, match: {}, calendar: 24x7, first_response: 4h, resolution: 48h }\n');
    writeFileSync(rules, ['leads: { L1: lead@csat.test }', 'csat:', '  - name: unhappy', '    when: { csat: "<3" }', '    then: { reopen: true, notify: lead }', ''].join('\n'));
    writeFileSync(desk.config, [
      'accounts:',
      '  - name: support', '    host: 127.0.0.1', `    port: ${servers.dovecot.port}`, '    secure: false',
      `    user: ${login.user}`, `    passwordEnv: ${PASSWORD_ENV}`, `    address: ${address}`,
      'smtp:', '  host: 127.0.0.1', `  port: ${servers.smtp.port}`, '  secure: false', `  from: ${address}`,
      'csat: { enabled: true, delay: 1d, scale: "1-5", period: 30d, question: "How did we do?" }',
      `rules: ${rules}`, `sla: ${policy}`,
      'timezone: UTC', '',
    ].join('\n'));
    const sync = async (hours: number) => {
      const r = await desk.runAsync(['sync', '--quiet'], { env: { DESK_NOW: at(hours) } });
      if (r.code !== 0) throw new Error(`desk sync exited ${r.code}: ${r.stderr}`);
    };
    const run = (args: string[], hours: number) => {
      const r = desk.run(args, { env: { DESK_NOW: at(hours) } });
      if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    };
    const ticketOf = (email: string, subject: string) =>
      (JSON.parse(run(['list', '--all', '--json'], 0)) as { id: number; subject: string; requester: { email: string } }[])
        .find((t) => t.requester.email === email && t.subject === subject)!.id;
    const show = (id: number, hours = 0) => JSON.parse(run(['show', String(id), '--json'], hours)) as { status: string; events: Ev[] };
    const ratings = (id: number, hours = 0) => show(id, hours).events.filter((e) => e.type === 'rating');

    await servers.dovecot.deliver(login.user, [
      mail('ann@cust.test', address, 'Printer broken'),
      mail('ann@cust.test', address, 'Scanner broken'),
      mail('bob@cust.test', address, 'Invoice wrong'),
      mail('away@cust.test', address, 'Out of office', 'I am away.', ['Auto-Submitted: auto-replied']),
      mail('noreply@shop.test', address, 'Your order shipped'),
      mail('cat@cust.test', address, 'Password reset'),
    ]);
    await sync(0);
    const ann = ticketOf('ann@cust.test', 'Printer broken');
    const ann2 = ticketOf('ann@cust.test', 'Scanner broken');
    const bob = ticketOf('bob@cust.test', 'Invoice wrong');
    const robot = ticketOf('noreply@shop.test', 'Your order shipped');
    const cat = ticketOf('cat@cust.test', 'Password reset');
    run(['set', String(ann), String(ann2), String(bob), String(robot), String(cat), '--status', 'solved'], 1);
    run(['reopen', String(cat)], 10); // reopened before the survey was due: none
    const before = servers.smtp.received.length;

    // Not due before the delay.
    await sync(20);
    expect(servers.smtp.received.length).toBe(before);

    // Due: one survey to Ann (her second ticket is inside the period) and one to Bob.
    await sync(26);
    const surveys = servers.smtp.received.slice(before);
    expect(surveys.map((m) => m.to[0]).sort()).toEqual(['ann@cust.test', 'bob@cust.test']);
    const tokens = new Map<string, { ticket: number; token: string }>();
    for (const m of surveys) {
      expect(header(m, 'Auto-Submitted')).toBe('auto-generated');
      const parsed = await PostalMime.parse(m.raw);
      for (const part of [parsed.text ?? '', parsed.html ?? '']) {
        const links = [...part.matchAll(/mailto:help@csat\.test\?subject=Rating%20([1-5])%20%5B%23(\d+)%5D%20([0-9a-f]{32})/g)];
        expect(links.map((l) => l[1]).sort()).toEqual(['1', '2', '3', '4', '5']);
        tokens.set(m.to[0]!, { ticket: Number(links[0]![2]), token: links[0]![3]! });
      }
    }
    expect(tokens.get('ann@cust.test')!.ticket).toBe(ann);
    expect(tokens.get('bob@cust.test')!.ticket).toBe(bob);
    // Nothing twice on the next run.
    await sync(27);
    expect(servers.smtp.received.length).toBe(before + 2);

    const annToken = tokens.get('ann@cust.test')!.token;
    const bobToken = tokens.get('bob@cust.test')!.token;
    const ticketCount = () => (JSON.parse(run(['list', '--all', '--json'], 0)) as unknown[]).length;
    const count = ticketCount();

    // Ann rates 4 with a comment above the quote: recorded once, no ticket, no reopening, no mail.
    const rating4 = mail('ann@cust.test', address, `Rating 4 [#${ann}] ${annToken}`, 'Quick and kind.\n\n> How did we do?');
    await servers.dovecot.deliver(login.user, [rating4]);
    await sync(28);
    await servers.dovecot.deliver(login.user, [rating4]); // the same mail again
    await sync(29);
    expect(ratings(ann)).toEqual([expect.objectContaining({ to: '4', text: 'Quick and kind.' })]);
    expect(show(ann).status).toBe('solved');
    expect(ticketCount()).toBe(count);
    expect(servers.smtp.received.length).toBe(before + 2);

    // A later rating replaces the earlier one.
    await servers.dovecot.deliver(login.user, [mail('ann@cust.test', address, `Re: Rating 5 [#${ann}] ${annToken}`, '')]);
    await sync(30);
    expect(ratings(ann).map((e) => [e.from ?? null, e.to])).toEqual([[null, '4'], ['4', '5']]);

    // Forged: a token nobody was sent, Ann's token on Bob's ticket, Bob using Ann's ticket, a rating off the scale.
    await servers.dovecot.deliver(login.user, [
      mail('bob@cust.test', address, `Rating 1 [#${bob}] ${'0'.repeat(32)}`),
      mail('bob@cust.test', address, `Rating 1 [#${bob}] ${annToken}`),
      mail('bob@cust.test', address, `Rating 1 [#${ann}] ${annToken}`),
      mail('bob@cust.test', address, `Rating 9 [#${bob}] ${bobToken}`),
    ]);
    await sync(31);
    expect(ratings(bob)).toEqual([]);
    expect(ratings(ann)).toHaveLength(2);
    // …and is ordinary mail: it threads into Bob's ticket (his own tag), which it reopens.
    expect(show(bob).status).toBe('open');

    // The report: 2 surveys, 1 answered, average 5; customer show lists Ann's rating.
    const report = JSON.parse(run(['sla', 'report', '--by', 'agent', '--json'], 32));
    expect(report.total).toMatchObject({ csat_surveys: 2, csat_responses: 1, csat_response_rate: 0.5, csat_average: 5, csat_score: 1 });
    expect(report.groups[0]).toMatchObject({ key: '(unassigned)', csat_surveys: 2, csat_responses: 1 });
    const byWeek = JSON.parse(run(['sla', 'report', '--by', 'week', '--json'], 32));
    expect(byWeek.groups.reduce((a: number, g: { csat_surveys: number }) => a + g.csat_surveys, 0)).toBe(2);
    const html = run(['sla', 'report', '--by', 'org', '--format', 'html'], 32);
    expect(html).toMatch(/CSAT average/);
    expect(html).toMatch(/<td>5\.0<\/td><td>1<\/td><td>50%<\/td>/);
    const csv = run(['sla', 'report', '--by', 'queue', '--format', 'csv'], 32).trim().split(/\r?\n/);
    expect(csv[0]).toMatch(/,csat_surveys,csat_responses,csat_response_rate,csat_average,csat_score$/);
    expect(csv.at(-1)).toMatch(/,2,1,0\.5,5,1$/);
    const customer = JSON.parse(run(['customer', 'show', 'ann@cust.test', '--json'], 32));
    expect(customer.satisfaction).toMatchObject({ ratings: 1, average: 5, good: 1, last: [expect.objectContaining({ ticket_id: ann, rating: '5' })] });
    expect(run(['customer', 'show', 'ann@cust.test'], 32)).toMatch(/Satisfaction: 100% good of 1 rating, average 5\.0/);

    // Bob's ticket solved again and surveyed? No: within the period he got one already. Rate his
    // survey 2: the rules file's csat rule reopens it.
    run(['set', String(bob), '--status', 'solved'], 33);
    await servers.dovecot.deliver(login.user, [mail('bob@cust.test', address, `Rating 2 [#${bob}] ${bobToken}`, 'Still wrong.')]);
    await sync(34);
    expect(ratings(bob)).toEqual([expect.objectContaining({ to: '2', text: 'Still wrong.' })]);
    expect(show(bob).status).toBe('open');
    // …and the lead of its tier is told, through the outbox.
    expect(servers.smtp.received.slice(before + 2).map((m) => [m.to[0], header(m, 'Subject')])).toEqual([['lead@csat.test', expect.stringMatching(new RegExp(`ticket ${bob} rated 2`))]]);

    // The query term csat: finds tickets by their latest rating, in the database.
    const idsOf = (q: string) => (JSON.parse(run(['list', q, '--all', '--json'], 34)) as { id: number }[]).map((t) => t.id).sort((a, b) => a - b);
    expect(idsOf('csat:<3')).toEqual([bob]);
    expect(idsOf('csat:>=4')).toEqual([ann]);
    expect(idsOf('csat:good')).toEqual([ann]);
    expect(idsOf('csat:1')).toEqual([]);
    expect(idsOf('csat:any')).toEqual([ann, bob].sort((a, b) => a - b));
    expect(idsOf('csat:none').some((id) => id === ann || id === bob)).toBe(false);
  });

  it('refuses bad csat settings with exit 2, naming the setting', () => {
    const desk = tempDesk();
    desks.push(desk);
    for (const [setting, value] of [['enabled', 'yes-please'], ['delay', '"1 day"'], ['period', '0x10d'], ['scale', '"1-10"'], ['colour', 'red']]) {
      writeFileSync(desk.config, `csat: { ${setting === 'enabled' ? '' : 'enabled: true, '}${setting}: ${value} }\n`);
      const r = desk.run(['list']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`'csat.${setting}'`);
    }
  });
});
