// desk reply / desk outbox / desk note as a user runs them: the built CLI in its own process,
// talking to a real SMTP server that runs in this test (so every command that may send mail runs
// asynchronously: a blocking spawn would freeze the server it talks to).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDesk, type TempDesk, type RunResult } from '../helpers/cli.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { parseMail } from './setup.js';

let smtp: TestSmtp;
let desk: TempDesk;
const T0 = '2026-03-30T08:00:00Z';

function config(timeoutSeconds: number): string {
  return [
    'agent: ana',
    'smtp:',
    '  host: 127.0.0.1',
    `  port: ${smtp.port}`,
    '  secure: false',
    '  from: "Example Support <support@desk.example>"',
    `  timeoutSeconds: ${timeoutSeconds}`,
    'templates: ./templates',
    'sla: ./sla.yaml',
    'timezone: UTC',
    '',
  ].join('\n');
}

beforeAll(async () => {
  smtp = await startTestSmtp();
  desk = tempDesk({ DESK_NOW: T0 });
  writeFileSync(desk.config, config(1));
  writeFileSync(join(desk.dir, 'crash-config.yaml'), config(30));
  writeFileSync(
    join(desk.dir, 'sla.yaml'),
    'policies:\n  - name: default\n    match: {}\n    calendar: 24x7\n    first_response: 1h\n',
  );
  mkdirSync(join(desk.dir, 'templates', 'replies'), { recursive: true });
  writeFileSync(
    join(desk.dir, 'templates', 'replies', 'nickname.md'),
    '---\ntitle: Uses a variable that does not exist\n---\nHi {{ customer.nickname }},\n',
  );
  // A canned reply with a file next to it, and one whose file is missing.
  writeFileSync(join(desk.dir, 'templates', 'replies', 'guide.pdf'), Buffer.from('%PDF-1.4 the export guide\n'));
  writeFileSync(
    join(desk.dir, 'templates', 'replies', 'with-guide.md'),
    '---\ntitle: Sends the export guide\nattachments: [guide.pdf]\n---\nHi {{ customer.first_name }}, the guide is attached.\n',
  );
  writeFileSync(
    join(desk.dir, 'templates', 'replies', 'lost-guide.md'),
    '---\ntitle: Names a file that is not there\nattachments: [missing.pdf]\n---\nHi, see the attachment.\n',
  );
  const editor = join(desk.dir, 'editor.sh');
  // Keeps a copy of what the agent was shown, then writes a reply above it.
  writeFileSync(editor, `#!/bin/sh\ncp "$1" "${join(desk.dir, 'shown-in-editor.txt')}"\n{ printf "Thanks for waiting, it works now.\\n\\n"; cat "$1"; } > "$1.new" && mv "$1.new" "$1"\n`);
  chmodSync(editor, 0o755);
  const emptyEditor = join(desk.dir, 'empty-editor.sh');
  writeFileSync(emptyEditor, '#!/bin/sh\nexit 0\n');
  chmodSync(emptyEditor, 0o755);
});
afterAll(async () => {
  await smtp.close();
  desk.cleanup();
});
beforeEach(async () => {
  smtp.reset();
  await smtp.start();
});

async function run(args: string[], env: Record<string, string> = {}, input?: string): Promise<RunResult> {
  return desk.runAsync(args, { env, input });
}

async function ok(args: string[], env: Record<string, string> = {}, input?: string): Promise<RunResult> {
  const r = await run(args, env, input);
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

async function newTicket(extra: string[] = [], env: Record<string, string> = {}): Promise<number> {
  const r = await ok(['new', '--from', 'joao@example.com', '--name', 'João Silva', '--subject', 'Export fails', '--body', 'Hello, the export fails with error 500.', '--json', ...extra], env);
  return JSON.parse(r.stdout).id as number;
}

interface Entry { id: number; state: string; ticket_id: number; attempts: number; last_error: string | null; next_attempt_at: string | null }

async function outbox(all = false): Promise<Entry[]> {
  return JSON.parse((await ok(['outbox', '--json', ...(all ? ['--all'] : [])])).stdout);
}

async function entryOf(ticket: number, all = false): Promise<Entry | undefined> {
  return (await outbox(all)).find((e) => e.ticket_id === ticket);
}

describe('desk reply', () => {
  it('--message sends a threaded reply and sets the status in the same step', async () => {
    const id = await newTicket();
    const r = await ok(['reply', String(id), '--message', 'Hi João, it is fixed now.', '--status', 'pending', '--json']);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ticket: id, state: 'sent', status: 'pending', to: 'joao@example.com', subject: `Re: [#${id}] Export fails` });
    expect(smtp.received).toHaveLength(1);
    const mail = await parseMail(smtp.received[0]!.raw);
    expect(mail.subject).toBe(`Re: [#${id}] Export fails`);
    expect(mail.from).toMatchObject({ address: 'support@desk.example', name: 'Example Support' });
    expect(mail.messageId).toBe(out.message_id);
    const shown = JSON.parse((await ok(['show', String(id), '--json'])).stdout);
    expect(mail.inReplyTo).toBe(shown.messages[0].message_id);
    expect(shown.status).toBe('pending');
    expect(shown.messages[1]).toMatchObject({ direction: 'out', message_id: out.message_id, author: 'tester', date: T0 });
  });

  it('--canned fills in the variables and applies the reply’s status_after', async () => {
    const id = await newTicket();
    await ok(['reply', String(id), '--canned', 'password-reset']);
    const mail = await parseMail(smtp.received[0]!.raw);
    expect(mail.text).toMatch(/^Hi João,/);
    expect(mail.text).toContain('Enter joao@example.com');
    expect(mail.text).toMatch(/Best regards,\ntester\n/);
    expect(JSON.parse((await ok(['show', String(id), '--json'])).stdout).status).toBe('pending');
  });

  it('--canned with attachments sends the files next to the reply, recorded on the message', async () => {
    const id = await newTicket();
    await ok(['reply', String(id), '--canned', 'with-guide']);
    const mail = await parseMail(smtp.received[0]!.raw);
    expect(mail.text).toMatch(/^Hi João, the guide is attached\./);
    expect(mail.attachments.map((a) => [a.filename, a.mimeType])).toEqual([['guide.pdf', 'application/pdf']]);
    expect(Buffer.from(mail.attachments[0]!.content as ArrayBuffer).toString()).toBe('%PDF-1.4 the export guide\n');
    const shown = JSON.parse((await ok(['show', String(id), '--json'])).stdout);
    expect(shown.messages[1].attachments).toMatchObject([{ filename: 'guide.pdf', content_type: 'application/pdf', size: 26 }]);
  });

  it('--canned naming a file that is missing is refused before anything is queued or sent', async () => {
    const id = await newTicket();
    const r = await run(['reply', String(id), '--canned', 'lost-guide']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.pdf');
    expect(smtp.attempts).toBe(0);
    expect((await outbox()).filter((e) => e.ticket_id === id)).toEqual([]);
  });

  it('refuses a reply whose variable does not resolve before anything is queued or sent', async () => {
    const id = await newTicket();
    const r = await run(['reply', String(id), '--canned', 'nickname']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('{{customer.nickname}}');
    expect(smtp.attempts).toBe(0);
    expect((await outbox()).filter((e) => e.ticket_id === id)).toEqual([]);
    const shown = JSON.parse((await ok(['show', String(id), '--json'])).stdout);
    expect(shown.messages.map((m: { direction: string }) => m.direction)).toEqual(['in']);
    expect(shown.events.filter((e: { type: string }) => e.type === 'reply')).toEqual([]);
  });

  it('opens $EDITOR with the last message quoted under a marker, and sends only what is above it', async () => {
    const id = await newTicket();
    await ok(['reply', String(id)], { EDITOR: join(desk.dir, 'editor.sh') });
    const shown = readFileSync(join(desk.dir, 'shown-in-editor.txt'), 'utf8');
    expect(shown).toContain('------------------------ >8 ------------------------');
    expect(shown).toContain('> Hello, the export fails with error 500.');
    const mail = await parseMail(smtp.received[0]!.raw);
    expect(mail.text).toBe('Thanks for waiting, it works now.\n\nBest regards,\ntester\n'); // signed as the agent signs
  });

  it("the quote header gives the customer's time in the configured zone, readably", async () => {
    writeFileSync(join(desk.dir, 'berlin.yaml'), config(1).replace('timezone: UTC', 'timezone: Europe/Berlin'));
    const id = await newTicket();
    await ok(['reply', String(id)], { EDITOR: join(desk.dir, 'editor.sh'), DESK_CONFIG: join(desk.dir, 'berlin.yaml') });
    const shown = readFileSync(join(desk.dir, 'shown-in-editor.txt'), 'utf8');
    expect(shown).toContain('On Mon 30 Mar 2026 10:00 CEST, João Silva <joao@example.com> wrote:\n> Hello, the export fails');
  });

  it('an empty reply from the editor is aborted and sends nothing', async () => {
    const id = await newTicket();
    const r = await run(['reply', String(id)], { EDITOR: join(desk.dir, 'empty-editor.sh') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/aborted/);
    expect(smtp.attempts).toBe(0);
    expect((await outbox()).filter((e) => e.ticket_id === id)).toEqual([]);
  });

  it('reads the message from standard input with --message -', async () => {
    const id = await newTicket();
    await ok(['reply', String(id), '--message', '-'], {}, 'From a script.\n');
    expect((await parseMail(smtp.received[0]!.raw)).text).toBe('From a script.\n\nBest regards,\ntester\n');
  });

  it('exits 3 for a ticket or canned reply that does not exist', async () => {
    expect((await run(['reply', '99999', '--message', 'x'])).code).toBe(3);
    const id = await newTicket();
    expect((await run(['reply', String(id), '--canned', 'no-such-reply'])).code).toBe(3);
    expect(smtp.attempts).toBe(0);
  });

  it('CR/LF in a customer’s subject and name never produce an extra header', async () => {
    const r = await ok(['new', '--from', 'eve@example.com', '--name', 'Eve\r\nBcc: victim@example.com', '--subject', 'Hi\r\nBcc: victim@example.com\r\nX-Evil: 1', '--json']);
    const id = JSON.parse(r.stdout).id as number;
    await ok(['reply', String(id), '--message', 'Hello']);
    const got = smtp.received[0]!;
    expect(got.to).toEqual(['eve@example.com']);
    const names = got.headerLines.map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
    expect(names).not.toContain('bcc');
    expect(names).not.toContain('x-evil');
    expect((await parseMail(got.raw)).subject).toBe(`Re: [#${id}] Hi Bcc: victim@example.com X-Evil: 1`);
  });

  it('desk note is internal and never mailed', async () => {
    const id = await newTicket();
    await ok(['note', String(id), 'customer on legacy plan']);
    expect(smtp.attempts).toBe(0);
    expect(await outbox()).not.toContainEqual(expect.objectContaining({ ticket_id: id }));
  });
});

describe('the outbox', () => {
  it('SMTP down: the reply stays queued (exit 5); flush delivers it exactly once; SLA counts the queue time', async () => {
    const id = await newTicket();
    await smtp.stop();
    const r = await run(['reply', String(id), '--message', 'Sorry for the wait.'], { DESK_NOW: '2026-03-30T08:30:00Z' });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/could not be reached/);
    expect(r.stderr).toMatch(/stays queued/);
    const [entry] = (await outbox()).filter((e) => e.ticket_id === id);
    expect(entry).toMatchObject({ state: 'queued', attempts: 1 });

    await smtp.start();
    const flushed = await ok(['outbox', 'flush'], { DESK_NOW: '2026-03-30T11:00:00Z' });
    expect(flushed.stdout).toMatch(/sent/);
    expect((await ok(['outbox', 'flush'])).stderr).toMatch(/nothing to send/);
    expect(smtp.received).toHaveLength(1);

    // The reply was given at 08:30 (queued), though it left at 11:00: first response in 30 minutes.
    const report = JSON.parse((await ok(['sla', 'report', '--by', 'ticket', '--format', 'json', '--now', '2026-03-30T12:00:00Z'])).stdout);
    const mine = (Array.isArray(report) ? report : report.tickets).find((t: { id: number }) => t.id === id);
    expect(mine.first_response).toMatchObject({ elapsed_s: 1800, stopped: true, breached: false });
  });

  it('a stall after DATA: "unknown", not resent by flush, resent exactly once with --force', async () => {
    const id = await newTicket();
    smtp.behave({ kind: 'stall-after-data' });
    const r = await run(['reply', String(id), '--message', 'Stalled reply']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/unknown/);
    smtp.behave({ kind: 'accept' });

    const held = await ok(['outbox', 'flush']);
    expect(held.stdout).toMatch(/held/);
    expect(smtp.attempts).toBe(1);
    const listed = await ok(['outbox']);
    expect(listed.stdout).toMatch(/unknown/);

    await ok(['outbox', 'flush', '--force']);
    await ok(['outbox', 'flush', '--force']);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.attempts).toBe(2);
    expect((await outbox()).filter((e) => e.ticket_id === id)).toEqual([]);
  });

  it('a crash between send and record: no blind resend', async () => {
    const id = await newTicket();
    smtp.behave({ kind: 'stall-after-data' });
    const env = { ...desk.env, DESK_CONFIG: join(desk.dir, 'crash-config.yaml') };
    const child = spawn(process.execPath, [BIN, 'reply', String(id), '--message', 'Will crash'], { env, cwd: desk.dir, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await smtp.until(() => smtp.unacknowledged.length === 1); // the server has the whole message…
    child.kill('SIGKILL'); // …and desk dies before it hears back
    await exited;
    smtp.behave({ kind: 'accept' });

    expect((await outbox()).find((e) => e.ticket_id === id)).toMatchObject({ state: 'sending' });
    const recovered = await run(['outbox', 'flush']);
    expect(recovered.stdout).toMatch(/desk stopped while sending/);
    expect((await outbox()).find((e) => e.ticket_id === id)).toMatchObject({ state: 'unknown' });
    await ok(['outbox', 'flush']);
    expect(smtp.attempts).toBe(1);
    expect(smtp.received).toHaveLength(0);

    await ok(['outbox', 'flush', '--force']);
    expect(smtp.received).toHaveLength(1);
  });
});

describe('mail the server refuses for good', () => {
  it('desk reply --json says failed for a reply refused for good', async () => {
    const id = await newTicket();
    smtp.behave({ kind: 'refuse-rcpt', code: 550, message: '5.1.1 no such user' });
    const r = await run(['reply', String(id), '--message', 'Hello?', '--json']);
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stdout)).toMatchObject({ ticket: id, state: 'failed' });
    smtp.behave({ kind: 'accept' });
  });

  it('550 at RCPT from desk reply: failed (exit 5), not retried by flush, listed, a note on the ticket', async () => {
    const id = await newTicket();
    smtp.behave({ kind: 'refuse-rcpt', code: 550, message: '5.1.1 no such user' });
    const r = await run(['reply', String(id), '--message', 'Hello?']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/550 5\.1\.1 no such user/);
    expect(r.stderr).toMatch(/not retried/);
    expect(r.stderr).toMatch(/desk outbox retry \d+/);
    const entry = (await entryOf(id))!;
    expect(entry).toMatchObject({ state: 'failed', attempts: 1, next_attempt_at: null });
    expect(entry.last_error).toContain('550 5.1.1 no such user');

    smtp.behave({ kind: 'accept' });
    const again = await run(['outbox', 'flush']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/nothing to send/);
    expect(smtp.attempts).toBe(1);

    const listed = await ok(['outbox']);
    expect(listed.stdout).toMatch(new RegExp(`^${entry.id}\\t#${id}\\tfailed\\t1\\t.*550 5\\.1\\.1 no such user`, 'm'));
    expect(listed.stderr).toMatch(/desk outbox retry ID/);

    const shown = await ok(['show', String(id)]);
    expect(shown.stdout).toMatch(/note desk\n\s+The reply to joao@example\.com was refused by the mail server: 550 5\.1\.1 no such user/);
    const json = JSON.parse((await ok(['show', String(id), '--json'])).stdout);
    expect(json.events.filter((e: { type: string }) => e.type === 'note')).toMatchObject([{ actor: 'desk' }]);
  });

  it('flush reports a refusal for good with the ticket, recipient and server’s answer, and exits 5', async () => {
    const id = await newTicket();
    await smtp.stop();
    expect((await run(['reply', String(id), '--message', 'Queued while down'])).code).toBe(5);
    await smtp.start();
    smtp.behave({ kind: 'refuse-data', code: 554, message: '5.7.1 message rejected' });
    const entry = (await entryOf(id))!;
    const r = await run(['outbox', 'flush']);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain(`outbox #${entry.id} (ticket #${id}, to joao@example.com): failed, will not retry:`);
    expect(r.stdout).toContain('554 5.7.1 message rejected');
    expect(r.stderr).toContain(`outbox #${entry.id} (ticket #${id}, to joao@example.com)`);

    const json = await run(['outbox', 'flush', '--json']);
    expect(json.code).toBe(0); // nothing left to try
    expect(JSON.parse(json.stdout)).toEqual([]);
    expect((await entryOf(id))!.state).toBe('failed');
  });

  it('desk outbox retry: the next flush delivers it exactly once', async () => {
    const id = await newTicket();
    smtp.behave({ kind: 'refuse-rcpt', code: 550, message: '5.1.1 no such user' });
    await run(['reply', String(id), '--message', 'Second try works']);
    const entry = (await entryOf(id))!;
    smtp.behave({ kind: 'accept' });

    const retried = await ok(['outbox', 'retry', String(entry.id), '--json'], { DESK_NOW: '2026-03-30T09:00:00Z' });
    expect(JSON.parse(retried.stdout)).toMatchObject([{ id: entry.id, ticket_id: id, state: 'queued', next_attempt_at: '2026-03-30T09:00:00Z' }]);
    const flushed = await ok(['outbox', 'flush']);
    expect(flushed.stdout).toContain(`outbox #${entry.id}`);
    expect(flushed.stdout).toMatch(/: sent:/);
    await ok(['outbox', 'flush']);
    expect(smtp.received).toHaveLength(1);
    expect((await parseMail(smtp.received[0]!.raw)).text).toBe('Second try works\n\nBest regards,\ntester\n');
    expect(await entryOf(id)).toBeUndefined();
    expect(await entryOf(id, true)).toMatchObject({ state: 'sent' });
  });

  it('desk outbox cancel: a queued reply is never sent; sent ones exit 4, unknown ids exit 3', async () => {
    const id = await newTicket();
    await smtp.stop();
    await run(['reply', String(id), '--message', 'Never mind']);
    await smtp.start();
    const entry = (await entryOf(id))!;
    expect(entry.state).toBe('queued');

    const cancelled = await ok(['outbox', 'cancel', String(entry.id)]);
    expect(cancelled.stdout).toContain(`outbox #${entry.id} (ticket #${id}, to joao@example.com): cancelled`);
    expect((await ok(['outbox', 'flush'])).stderr).toMatch(/nothing to send/);
    await ok(['outbox', 'flush', '--force']);
    expect(smtp.attempts).toBe(0);
    expect(await entryOf(id)).toBeUndefined();
    expect(await entryOf(id, true)).toMatchObject({ state: 'cancelled' });
    expect((await ok(['outbox', '--all'])).stdout).toMatch(new RegExp(`^${entry.id}\\t#${id}\\tcancelled\\t`, 'm'));
    expect((await ok(['show', String(id)])).stdout).toMatch(/note tester\n\s+The reply to joao@example\.com \(outbox #\d+\) was withdrawn by tester/);

    const again = await run(['outbox', 'retry', String(entry.id)]);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/was cancelled/);

    const other = await newTicket();
    await ok(['reply', String(other), '--message', 'Delivered']);
    const sent = (await entryOf(other, true))!;
    const refused = await run(['outbox', 'cancel', String(sent.id)]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/sent already/);
    expect((await run(['outbox', 'retry', String(sent.id)])).code).toBe(4);

    const missing = await run(['outbox', 'cancel', '99999']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no outbox entry #99999/);
    expect((await run(['outbox', 'retry', '99999'])).code).toBe(3);
    expect((await run(['outbox', 'retry', 'abc'])).code).toBe(2);
  });

  it('retry of an entry of unknown fate exits 4 and points to flush --force', async () => {
    const id = await newTicket();
    smtp.behave({ kind: 'drop-after-data' });
    expect((await run(['reply', String(id), '--message', 'Dropped'])).code).toBe(5);
    smtp.behave({ kind: 'accept' });
    const entry = (await entryOf(id))!;
    expect(entry.state).toBe('unknown');
    const r = await run(['outbox', 'retry', String(entry.id)]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('desk outbox flush --force');
    const c = await ok(['outbox', 'cancel', String(entry.id), '--json']);
    expect(JSON.parse(c.stdout)).toMatchObject([{ id: entry.id, state: 'cancelled' }]);
  });
});
