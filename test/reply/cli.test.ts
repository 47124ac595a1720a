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

async function outbox(): Promise<Array<{ id: number; state: string; ticket_id: number; attempts: number }>> {
  return JSON.parse((await ok(['outbox', '--json'])).stdout);
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
    expect(mail.text).toBe('Thanks for waiting, it works now.\n');
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
    expect((await parseMail(smtp.received[0]!.raw)).text).toBe('From a script.\n');
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
