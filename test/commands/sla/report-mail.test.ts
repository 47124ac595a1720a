// `desk sla report --mail`: a report a lead can send upward, as the built CLI sends it to a real
// SMTP server in this process. Gmail and Outlook drop inline SVG, so the mail must carry the
// charts as PNG images that its HTML references by cid, and the figures as a text part. A dead
// server loses nothing: the report waits in the outbox. The HTML page itself gets a title, the
// period it covers, a target line, and marks a period that is not over.
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { tempDesk, type RunResult, type TempDesk } from '../../helpers/cli.js';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp.js';

const NOW = '2026-03-25T15:00:00Z'; // a Wednesday: the week, and the month, are not over
let smtp: TestSmtp;
let desk: TempDesk;

const run = (args: string[], env: Record<string, string> = {}): Promise<RunResult> => desk.runAsync(args, { env });
async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await run(args, env);
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Tickets over three weeks: solved in time, solved late, and some still open this week. */
function history(): string {
  const lines: string[] = [];
  const day = (d: number, h = 9) => new Date(Date.parse('2026-03-02T00:00:00Z') + d * 86_400_000 + h * 3_600_000).toISOString().replace('.000Z', 'Z');
  for (let i = 0; i < 24; i++) {
    const d = i; // one ticket a day from Monday 2 March
    const late = i % 5 === 0;
    const open = d >= 21;
    const created = day(d);
    const reply = new Date(Date.parse(created) + (late ? 6 : 1) * 3_600_000).toISOString().replace('.000Z', 'Z');
    lines.push(JSON.stringify({
      id: i + 1, subject: `Question ${i + 1}`, status: open ? 'open' : 'solved', priority: i % 3 ? 'normal' : 'high',
      queue: i % 2 ? 'billing' : 'tech', tier: 'L1', tags: [], requester: { email: `c${i}@example.com`, name: `Customer ${i}` },
      created_at: created, updated_at: open ? created : reply,
      messages: [
        { message_id: `<in${i}@example.com>`, direction: 'in', from: `c${i}@example.com`, date: created, text: 'Help' },
        ...(open ? [] : [{ message_id: `<out${i}@desk.example>`, direction: 'out', from: 'support@desk.example', date: reply, text: 'Done', author: 'ana' }]),
      ],
      events: open ? [] : [{ at: reply, actor: 'ana', type: 'status', from: 'open', to: 'solved' }],
    }));
  }
  return lines.join('\n') + '\n';
}

beforeAll(async () => {
  smtp = await startTestSmtp();
  desk = tempDesk({ DESK_NOW: NOW });
  writeFileSync(join(desk.dir, 'sla.yaml'), 'policies:\n  - name: default\n    match: {}\n    calendar: 24x7\n    first_response: 4h\n    resolution: 24h\n');
  writeFileSync(desk.config, [
    'team: Example Support',
    'slaTarget: 90%',
    'sla: ./sla.yaml',
    'timezone: UTC',
    `smtp: { host: 127.0.0.1, port: ${smtp.port}, secure: false, from: "Example Support <support@desk.example>" }`,
    '',
  ].join('\n'));
  writeFileSync(join(desk.dir, 'tickets.jsonl'), history());
  await ok(['import', join(desk.dir, 'tickets.jsonl')]);
});
afterAll(async () => {
  await smtp.close();
  desk.cleanup();
});
beforeEach(() => smtp.reset());

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

test('the HTML page has a title, the period it covers, a target line and a partial last period marked', async () => {
  const html = await ok(['sla', 'report', '--by', 'week', '--format', 'html']);
  expect(html).toContain('<title>Example Support — SLA report</title>');
  expect(html).toContain('<h1>Example Support — SLA report</h1>');
  expect(html).toContain('Tickets created 2026-03-02 – 2026-03-25');
  expect(html).toMatch(/<line class="target-line"[^>]*y1="([\d.]+)"/);
  expect(html).toContain('target 90%');
  // This week (W13) is not over: its point is drawn apart, and the line does not run into it.
  expect(html).toContain('2026-W13 is not over yet');
  expect(html).toMatch(/<circle class="point partial"[^>]*><title>2026-W13: /);
  const line = /<polyline class="trend-line"[^>]*points="([^"]+)"/.exec(html)![1]!.split(' ');
  expect(line).toHaveLength(3); // W10 to W12 joined; W12 → W13 is the dashed partial line
  // A finished period is not marked: a report up to the end of the week, made later, sees W13 complete.
  const later = await ok(['sla', 'report', '--by', 'week', '--format', 'html', '--until', '2026-03-29', '--now', '2026-03-30T08:00:00Z']);
  expect(later).not.toContain('is not over yet');
  expect(later).not.toContain('class="point partial"');
});

test('--mail sends the report through the outbox: PNG charts by cid, the figures as text', async () => {
  const out = await ok(['sla', 'report', '--by', 'queue', '--mail', 'lead@example.com,boss@example.com']);
  expect(out).toContain('report mailed to lead@example.com');
  expect(smtp.received.map((m) => m.to)).toEqual([['lead@example.com'], ['boss@example.com']]);
  const mail = await PostalMime.parse(smtp.received[0]!.raw);
  expect(mail.subject).toBe('Example Support — SLA report: 2026-03-02 – 2026-03-25');
  // No inline SVG (Gmail and Outlook drop it): images referenced by cid, each one a PNG part.
  expect(mail.html).not.toContain('<svg');
  const cids = [...mail.html!.matchAll(/<img src="cid:([^"]+)"/g)].map((m) => m[1]);
  expect(cids).toHaveLength(2);
  for (const cid of cids) {
    const part = mail.attachments.find((a) => a.contentId === `<${cid}>`);
    expect(part).toMatchObject({ mimeType: 'image/png', disposition: 'inline' });
    const bytes = Buffer.from(part!.content as ArrayBuffer);
    expect(bytes.subarray(0, 8)).toEqual(PNG);
    expect(bytes.readUInt32BE(16)).toBe(1440); // the chart's width, rendered at twice its size
    expect(bytes.length).toBeGreaterThan(5_000); // lines, bars and text, not a blank image
  }
  // The figures as text: the header, every group and the total, with their numbers.
  expect(mail.text).toContain('Example Support — SLA report');
  expect(mail.text).toMatch(/Queue\s+Tickets\s+Met\s+Breached\s+In progress\s+Compliance/);
  const json = JSON.parse(await ok(['sla', 'report', '--by', 'queue', '--json']));
  for (const g of [...json.groups, { ...json.total, key: 'Total' }]) {
    const row = mail.text!.split('\n').find((l) => l.startsWith(`${g.key} `));
    expect(row?.trim().split(/\s{2,}/).slice(0, 4)).toEqual([g.key, String(g.tickets), String(g.met), String(g.breached)]);
  }
  expect(mail.text).toContain('(target 90%)');
  // The outbox lists it, sent, as a report about no ticket.
  const entries = JSON.parse(await ok(['outbox', '--all', '--json']));
  expect(entries.filter((e: { kind: string }) => e.kind === 'report')).toEqual([
    expect.objectContaining({ ticket_id: null, kind: 'report', to: 'lead@example.com', state: 'sent', subject: mail.subject }),
    expect.objectContaining({ ticket_id: null, kind: 'report', to: 'boss@example.com', state: 'sent' }),
  ]);
});

test('with the SMTP server down the report waits in the outbox (exit 5) and a flush sends it', async () => {
  await smtp.stop();
  const r = await run(['sla', 'report', '--mail', 'lead@example.com']);
  expect(r.code).toBe(5);
  expect(r.stderr).toContain('saved in the outbox');
  const queued = JSON.parse(await ok(['outbox', '--json'])).filter((e: { kind: string }) => e.kind === 'report');
  expect(queued).toEqual([expect.objectContaining({ state: 'queued', to: 'lead@example.com' })]);
  await smtp.start();
  await ok(['outbox', 'flush']);
  expect(smtp.received.map((m) => m.to)).toEqual([['lead@example.com']]);
  expect((await PostalMime.parse(smtp.received[0]!.raw)).attachments.filter((a) => a.mimeType === 'image/png')).toHaveLength(2);
});

test('bad addresses and formats are refused before anything is queued (exit 2)', async () => {
  const before = (await ok(['outbox', '--all', '--json']));
  for (const args of [
    ['--mail', 'not an address'], ['--mail', 'a@example.com\r\nBcc: x@evil.example'], ['--mail', ','],
    ['--mail', 'a@example.com', '--format', 'csv'],
  ]) {
    const r = await run(['sla', 'report', ...args]);
    expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
  }
  expect(await ok(['outbox', '--all', '--json'])).toBe(before);
  expect(smtp.attempts).toBe(0);
});
