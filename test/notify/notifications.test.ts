// Agents are told what concerns them, end to end through the built CLI: a note's @mention, an
// assignment, a customer's reply synced from a real Dovecot; each lands in the agent's
// `desk inbox` and goes out once as mail through a real SMTP server (or bundled in a digest);
// the agent's settings switch kinds off. And who else is on a ticket: another agent's presence
// shows in `desk show` until it expires, and a reply written before the customer's latest
// message is refused (exit 4) unless --force. Times come from DESK_NOW.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDesk, type TempDesk } from '../helpers/cli.js';
import { mailServersForFile } from '../helpers/mail-servers.js';
import { accountYaml } from '../helpers/dovecot.js';
import type { ReceivedMail } from '../helpers/smtp.js';
import { storeExec } from '../helpers/backend.js';
import PostalMime from 'postal-mime';

const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';

const servers = mailServersForFile();
const desks = servers.desks;
beforeEach(() => servers.smtp.reset());

const smtpYaml = (from: string) => ['smtp:', '  host: 127.0.0.1', `  port: ${servers.smtp.port}`, '  secure: false', `  from: ${from}`, 'timezone: UTC', ''].join('\n');

function teamDesk(extraConfig = ''): TempDesk {
  const desk = tempDesk({ DESK_AGENT: 'ben' });
  desks.push(desk);
  writeFileSync(desk.config, extraConfig + smtpYaml('support@team.test'));
  // The team, written straight into the store (what `desk agent add` writes): setup, not the subject.
  storeExec(desk.db, `insert into agents (name, email, tier, away, created_at) values
    ('ana', 'ana@team.test', 'L1', 0, '2026-03-01T00:00:00Z'), ('ben', 'ben@team.test', 'L1', 0, '2026-03-01T00:00:00Z'),
    ('cy', 'cy@team.test', 'L1', 0, '2026-03-01T00:00:00Z')`);
  return desk;
}

function run(desk: TempDesk, args: string[], env: Record<string, string> = {}) {
  return desk.run(args, { env });
}
function ok(desk: TempDesk, args: string[], env: Record<string, string> = {}): string {
  const r = run(desk, args, env);
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
async function okAsync(desk: TempDesk, args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await desk.runAsync(args, { env });
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

interface Note { id: number; kind: string; ticket: number; actor: string; text: string; read_at: string | null; mail: string | null }
const inbox = (desk: TempDesk, agent: string, all = false): Note[] =>
  JSON.parse(ok(desk, ['inbox', '--json', ...(all ? ['--all'] : [])], { DESK_AGENT: agent })) as Note[];

const subjectOf = async (m: ReceivedMail) => (await PostalMime.parse(m.raw)).subject ?? '';
const subjectsOf = (list: ReceivedMail[]) => Promise.all(list.map(subjectOf));
const bodyOf = async (m: ReceivedMail) => (await PostalMime.parse(m.raw)).text ?? '';
const mailTo = (who: string) => servers.smtp.received.filter((m) => m.to.includes(who));

describe('notifications', () => {
  it('a mention, an assignment and an SLA clock at risk reach the inbox and go out as one mail each, once, or bundled in a digest; settings switch kinds off', async () => {
    const desk = teamDesk('sla: ./sla.yaml\n');
    writeFileSync(join(desk.dir, 'sla.yaml'), 'policies:\n  - { name: default, match: {}, calendar: 24x7, first_response: 4h, resolution: 40h }\n');
    const at = (t: string) => ({ DESK_NOW: `2026-03-30T${t}:00Z` });
    const id = JSON.parse(ok(desk, ['new', '--from', 'joao@example.com', '--subject', 'Export fails', '--body', 'Error 500', '--json'], at('09:00'))).id as number;

    // A mention of ana (and words that only look like mentions: an unknown name, an address).
    ok(desk, ['note', String(id), '@ana look, not @zed, nor mail@ana.example'], at('09:05'));
    expect(inbox(desk, 'ana')).toMatchObject([{ kind: 'mention', ticket: id, actor: 'ben', text: '@ana look, not @zed, nor mail@ana.example', read_at: null }]);

    // Mailed by the outbox: one mail to ana (the next flushes send it no more).
    await okAsync(desk, ['outbox', 'flush'], at('09:06'));
    expect(servers.smtp.received.map((m) => m.to)).toEqual([['ana@team.test']]);
    expect(await subjectOf(servers.smtp.received[0]!)).toContain(`ben mentioned you on #${id}`);
    expect(await bodyOf(servers.smtp.received[0]!)).toContain('@ana look');

    // An assignment by someone else tells the assignee.
    ok(desk, ['assign', String(id), 'ana'], at('09:10'));
    await okAsync(desk, ['outbox', 'flush'], at('09:13'));
    expect(await subjectsOf(mailTo('ana@team.test'))).toEqual([expect.stringContaining('mentioned you'), expect.stringContaining(`assigned you #${id}`)]);

    // Settings: ana turns mentions off (nothing at all), cy keeps everything in the inbox only.
    expect(ok(desk, ['inbox', 'settings', '--notify', 'mention=off'], { DESK_AGENT: 'ana' })).toContain('mention=off assigned=mail');
    ok(desk, ['inbox', 'settings', '--as', 'cy', '--notify', 'all=inbox']);
    ok(desk, ['note', String(id), '@ana @cy see the logs'], at('09:20'));
    expect(inbox(desk, 'cy')).toMatchObject([{ kind: 'mention', mail: null }]);
    await okAsync(desk, ['outbox', 'flush'], at('09:21'));
    expect(servers.smtp.received).toHaveLength(2); // nothing more: off for ana, inbox only for cy
    const bad = run(desk, ['inbox', 'settings', '--notify', 'mention=loud']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--notify');

    // Reading: unread first; read ones only with --all; an id not in your inbox is exit 3.
    const [newest, older] = inbox(desk, 'ana');
    expect([newest!.kind, older!.kind]).toEqual(['assigned', 'mention']); // newest first; nothing new while mentions are off
    expect(ok(desk, ['inbox', 'read', String(older!.id)], { DESK_AGENT: 'ana' })).toContain('1 notification marked read');
    expect(inbox(desk, 'ana').map((n) => n.id)).toEqual([newest!.id]);
    expect(inbox(desk, 'ana', true).map((n) => n.id)).toEqual([newest!.id, older!.id]);
    expect(run(desk, ['inbox', 'read', String(older!.id)], { DESK_AGENT: 'cy' }).code).toBe(3);
    ok(desk, ['inbox', 'read', '--all'], { DESK_AGENT: 'ana' });
    expect(ok(desk, ['inbox'], { DESK_AGENT: 'ana' })).toContain('no unread notifications for ana');

    // An hourly digest bundles what came in the hour into one mail, sent once when the hour is over.
    servers.smtp.reset();
    ok(desk, ['inbox', 'settings', '--notify', 'all=mail', '--digest', 'hourly'], { DESK_AGENT: 'ana' });
    ok(desk, ['note', String(id), 'first: @ana please check'], at('10:05'));
    ok(desk, ['assign', String(id), 'cy'], at('10:10'));
    ok(desk, ['assign', String(id), 'ana'], at('10:20'));
    ok(desk, ['note', String(id), 'and @ana, the logs are attached'], at('10:40'));
    await okAsync(desk, ['outbox', 'flush'], at('10:50'));
    expect(mailTo('ana@team.test')).toEqual([]); // the hour is not over
    await okAsync(desk, ['outbox', 'flush'], at('11:01'));
    // The first response of ana's ticket is due at 13:00: the syncs at 12:30 and 12:40 tell her
    // once (it waits for the 12:00 hour's digest), and send the 10:00 hour's digest no more.
    await okAsync(desk, ['sync', '--quiet'], at('12:30'));
    await okAsync(desk, ['sync', '--quiet'], at('12:40'));
    expect(inbox(desk, 'ana').filter((n) => n.kind === 'sla_at_risk')).toMatchObject([
      { ticket: id, actor: 'desk', mail: 'pending', text: expect.stringContaining('first response due 2026-03-30 13:00') },
    ]);
    const digests = mailTo('ana@team.test');
    expect(digests).toHaveLength(1);
    expect(await subjectOf(digests[0]!)).toContain('3 notifications');
    const text = await bodyOf(digests[0]!);
    for (const part of ['please check', 'assigned to you by ben', 'the logs are attached']) expect(text).toContain(part);
  });

  it("a customer's reply synced from Dovecot tells the assignee; presence (recorded, or from the reply editor) shows in show until it ends; a reply written before the customer's mail is refused unless --force", async () => {
    const login = await servers.dovecot.addUser('support@sync.test', 'sync-secret');
    const desk = teamDesk(accountYaml({ port: servers.dovecot.port, user: login.user, passwordEnv: PASSWORD_ENV, address: 'support@sync.test' }));
    const env = (t: string, agent = 'ben') => ({ DESK_NOW: `2026-03-30T${t}:00Z`, DESK_AGENT: agent, [PASSWORD_ENV]: login.password });
    const mail = (subject: string, date: string, id: string, extra: string[] = []) => [
      'From: João Silva <joao@example.com>', 'To: support@sync.test', `Subject: ${subject}`, `Message-ID: <${id}@example.com>`,
      `Date: ${date}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', ...extra, '', `${subject}.`, ''].join('\r\n');

    await servers.dovecot.deliver(login.user, [mail('Export fails', 'Mon, 30 Mar 2026 13:50:00 +0000', 'first')]);
    await okAsync(desk, ['sync', '--quiet'], env('14:00'));
    const [ticket] = JSON.parse(ok(desk, ['list', '--json'])) as { id: number }[];
    const id = ticket!.id;
    ok(desk, ['inbox', 'settings', '--notify', 'assigned=inbox'], env('14:01', 'ana'));
    ok(desk, ['assign', String(id), 'ana'], env('14:01'));
    ok(desk, ['inbox', 'read', '--all'], env('14:01', 'ana'));

    // Ana opened the ticket at 14:02 (as triage records it), live until 14:10.
    storeExec(desk.db, `insert into presence (agent, ticket_id, activity, since, opened_at, expires_at) values ('ana', ${id}, 'replying', '2026-03-30T14:02:00Z', '2026-03-30T14:02:00Z', '2026-03-30T14:10:00Z')`);
    expect(ok(desk, ['show', String(id)], env('14:03'))).toContain('ana is replying (since 14:02)');
    expect(ok(desk, ['show', String(id)], env('14:03', 'ana'))).not.toContain('ana is replying'); // not yourself

    // The customer writes again at 14:05; the sync tells ana (inbox and mail).
    await servers.dovecot.deliver(login.user, [mail(`Re: [#${id}] Export fails`, 'Mon, 30 Mar 2026 14:05:00 +0000', 'second', ['In-Reply-To: <first@example.com>'])]);
    await okAsync(desk, ['sync', '--quiet'], env('14:06'));
    const told = inbox(desk, 'ana');
    expect(told).toMatchObject([{ kind: 'customer_reply', ticket: id, actor: 'joao@example.com' }]);
    expect(await subjectsOf(mailTo('ana@team.test'))).toEqual([expect.stringContaining(`joao@example.com replied on #${id}`)]);

    // Ana's reply, written since 14:02, is refused without a terminal (exit 4), and nothing goes out.
    const refused = await desk.runAsync(['reply', String(id), '--message', 'It is fixed now.'], { env: env('14:07', 'ana') });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('a new message from João Silva <joao@example.com> arrived at 14:05');
    expect(refused.stderr).toContain('--force');
    expect(mailTo('joao@example.com')).toEqual([]);
    await okAsync(desk, ['reply', String(id), '--message', 'It is fixed now.', '--force'], env('14:08', 'ana'));
    expect(mailTo('joao@example.com')).toHaveLength(1);

    // The presence is gone once expired: show says nothing of ana after 14:10.
    expect(ok(desk, ['show', String(id)], env('14:11'))).not.toContain('ana is');
    // With no presence left, a reply from the shell (opened now) is not held up by the older mail.
    await okAsync(desk, ['reply', String(id), '--message', 'One more thing.'], env('14:12', 'ana'));
    expect(mailTo('joao@example.com')).toHaveLength(2);

    // While ana writes in the editor, ben's `desk show` says she is replying; afterwards it does not.
    const seen = join(desk.dir, 'seen.txt');
    const editor = join(desk.dir, 'editor.sh');
    writeFileSync(editor, `#!/bin/sh\nDESK_AGENT=ben '${process.execPath}' '${BIN}' show ${id} > '${seen}'\nprintf 'Here is the fix.\\n' > "$1"\n`);
    chmodSync(editor, 0o755);
    await okAsync(desk, ['reply', String(id)], { ...env('14:20', 'ana'), EDITOR: editor });
    expect(readFileSync(seen, 'utf8')).toContain('ana is replying (since 14:20)');
    expect(ok(desk, ['show', String(id)], env('14:21'))).not.toContain('ana is');
    expect(mailTo('joao@example.com')).toHaveLength(3);
  });
});
