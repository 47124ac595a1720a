// Replies sent from the triage screen, end to end: `desk triage` in a real terminal (tmux), a
// real SMTP server. The reply is the one `desk reply` sends (same code, same process): stamped
// at triage's --now, delivered to the customer; and when the server is down, the agent reads why
// on the status line, stays on the screen, and the reply waits in the outbox to be sent later.
import { writeFileSync } from 'node:fs';
import { tempDesk, type TempDesk } from '../../helpers/cli.js';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp.js';
import { triagePane, type TriagePane } from '../../helpers/tmux.js';

// A time that is not the machine's: the reply must carry triage's --now, not the real clock.
const NOW = '2026-03-30T09:00:00Z';
let desk: TempDesk;
let smtp: TestSmtp;
let pane: TriagePane;

/** desk ARGS at NOW (through DESK_NOW: the desk's own environment leaves the clock alone). */
function ok(args: string[]): string {
  const r = desk.run(args, { env: { DESK_NOW: NOW } });
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const newTicket = (queue: string, subject: string) =>
  JSON.parse(ok(['new', '--from', 'eve@example.com', '--subject', subject, '--body', 'Any news?', '--queue', queue, '--json'])).id as number;

/** The status line of an 80-column screen or a wider one: the row above the key help. */
const statusLine = (scr: string) => scr.split('\n').at(-3) ?? '';

beforeAll(async () => {
  pane = triagePane('triage-reply');
  smtp = await startTestSmtp();
  // No DESK_NOW: the time comes from triage's own --now flag.
  desk = tempDesk({ DESK_AGENT: 'ana', DESK_NOW: '' });
  writeFileSync(desk.config, `smtp: { host: ${smtp.host}, port: ${smtp.port}, secure: false, from: support@desk.example }\n`);
  ok(['agent', 'add', 'ana', '--email', 'ana@desk.example']);
});
afterAll(async () => {
  pane.close();
  desk.cleanup();
  await smtp.close();
});
beforeEach(() => smtp.reset());

test('a reply written in triage reaches the SMTP server and the CC list, stamped at triage --now', async () => {
  // A ticket whose customer copied a colleague: the confirmation and the status line say who gets it.
  const line = JSON.stringify({ subject: 'Where is my order?', queue: 'sent', requester: { email: 'eve@example.com' }, cc: ['ana.lima@example.com'] });
  expect(desk.run(['import', '-'], { input: `${line}\n`, env: { DESK_NOW: NOW } }).code).toBe(0);
  const id = JSON.parse(ok(['list', '--queue', 'sent', '--json']))[0].id as number;
  pane.start(desk, ['triage', '--queue', 'sent', '--now', NOW], { env: { VISUAL: "sed -i '1s/^/It ships today./'" } });
  await pane.waitFor(new RegExp(`^> #${id} `, 'm'));
  pane.keys('r');
  const confirm = await pane.waitFor('Send this reply?');
  expect(confirm).toContain('To eve@example.com, cc ana.lima@example.com');
  pane.keys('Enter');
  const s = await pane.waitFor((scr) => statusLine(scr).includes(`#${id}`));
  expect(statusLine(s)).toContain(`#${id}: reply sent to eve@example.com, cc ana.lima@example.com`);

  expect(smtp.received.map((m) => m.to)).toEqual([['eve@example.com', 'ana.lima@example.com']]);
  expect(smtp.received[0]!.raw.toString('utf8')).toContain('It ships today.');
  pane.keys('q');
  await pane.waitFor('__EXIT__0');
  expect(pane.sttyRestored()).toBe(true);

  const t = JSON.parse(ok(['show', String(id), '--json']));
  expect(t.events).toEqual([expect.objectContaining({ at: NOW, actor: 'ana', type: 'reply' })]);
  expect(t.status).toBe('open');
  expect(t.messages.at(-1)).toMatchObject({ direction: 'out', author: 'ana', date: NOW, text: 'It ships today.\n\nBest regards,\nana\n' });
});

test('SMTP down: triage says why on the status line and stays; the reply waits in the outbox and goes out later', async () => {
  const id = newTicket('down', 'Refund please');
  const other = newTicket('down', 'Second ticket');
  await smtp.stop();
  try {
    // Wide enough for the whole message and its hint on the status line.
    pane.start(desk, ['triage', '--queue', 'down', '--now', NOW], { env: { VISUAL: "sed -i '1s/^/Refund is on its way./'" }, columns: 220 });
    const first = await pane.waitFor(/^> #\d+ /m);
    const selected = Number(/^> #(\d+) /m.exec(first)![1]);
    pane.keys('r');
    await pane.waitFor('Send this reply?');
    pane.keys('Enter');
    const s = await pane.waitFor((scr) => statusLine(scr).includes('not sent'));
    // What happened, to which ticket, and that nothing is lost: it stays queued and is retried.
    expect(statusLine(s)).toContain(`reply to #${selected} not sent: `);
    expect(statusLine(s)).toContain('it stays queued; `desk outbox flush` (or `desk sync`) retries');
    expect(s).toContain('desk triage ·'); // still the triage screen, not a crash or a shell

    // The screen still answers keys.
    const next = selected === id ? other : id;
    pane.keys('j');
    await pane.waitFor(new RegExp(`^> #${next} `, 'm'));
    pane.keys('q');
    await pane.waitFor('__EXIT__0');
    expect(pane.sttyRestored()).toBe(true);
  } finally {
    await smtp.start();
  }
  expect(smtp.received).toEqual([]);

  // The reply was recorded and waits; once the server is back, it goes out.
  const queued = JSON.parse(ok(['outbox', '--json']));
  expect(queued).toEqual([expect.objectContaining({ ticket_id: expect.any(Number), to: 'eve@example.com' })]);
  // (not spawnSync: the SMTP server runs in this process and must answer meanwhile)
  const flushed = await desk.runAsync(['outbox', 'flush'], { env: { DESK_NOW: NOW } });
  expect(flushed).toMatchObject({ code: 0 });
  expect(smtp.received.map((m) => m.to)).toEqual([['eve@example.com']]);
  expect(smtp.received[0]!.raw.toString('utf8')).toContain('Refund is on its way.');
});
