// The knowledge base as agents use it, as processes on each backend: articles written, listed,
// searched with ticket search's folding (the same answers on SQLite and PostgreSQL: the expected
// lists below are the same for both projects), suggested by `desk show`, sent by `desk reply --kb`
// through a real SMTP server and counted by `desk kb report`; the acknowledgement of mail that
// arrives through a real Dovecot points at the public articles. Hostile article text and bad slugs
// are tested as classes.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { onPostgres } from '../helpers/backend.js';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { mailServersForFile } from '../helpers/mail-servers.js';

const NOW = '2026-03-30T08:00:00Z';
const BASE = 'https://help.example.com';
const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';

const servers = mailServersForFile();
const desks = servers.desks;
beforeEach(() => servers.smtp.reset());

function deskWith(configLines: string[], env: Record<string, string> = {}): TempDesk {
  const desk = tempDesk({ DESK_NOW: NOW, ...env });
  desks.push(desk);
  writeFileSync(desk.config, [...configLines, 'timezone: UTC', 'team: Acme Support', `kb: { baseUrl: "${BASE}/" }`, ''].join('\n'));
  return desk;
}

function ok(desk: TempDesk, args: string[], env?: Record<string, string>): string {
  const r = desk.run(args, { env });
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The articles every scenario starts from (one internal). */
function writeArticles(desk: TempDesk): void {
  ok(desk, ['kb', 'new', 'reset-password', '--title', 'Reset your password', '--tag', 'account', '--public', '--body',
    'Open **Settings** and choose *Réinitialiser le mot de passe*. A reset link arrives by mail within minutes.\n\n## If no mail comes\n\nCheck the spam folder.']);
  ok(desk, ['kb', 'new', 'export-csv', '--title', 'Export invoices as CSV', '--tag', 'billing', '--tag', 'data', '--public', '--body',
    'Invoices export from Billing, then Export. The ﬁle is a CSV in UTF-8.']);
  ok(desk, ['kb', 'new', 'vpn-agents', '--title', 'VPN for agents', '--body', 'Internal: the vault holds the VPN password and the reset code.']);
}

const slugs = (out: string) => (JSON.parse(out) as { slug: string }[]).map((a) => a.slug);
const textOf = async (raw: Buffer) => (await PostalMime.parse(raw)).text ?? '';

describe('desk kb', () => {
  it('keeps, lists and searches articles, suggests them on a ticket, answers with one and counts it', async () => {
    const desk = deskWith(['smtp:', '  host: 127.0.0.1', `  port: ${servers.smtp.port}`, '  secure: false', '  from: support@acme.test']);
    writeArticles(desk);

    // where they live: files next to the config on SQLite, the database on PostgreSQL
    const kbDir = join(desk.dir, 'kb');
    if (onPostgres()) expect(existsSync(kbDir)).toBe(false);
    else expect(readdirSync(kbDir).sort()).toEqual(['export-csv.md', 'reset-password.md', 'vpn-agents.md']);

    expect(slugs(ok(desk, ['kb', 'list', '--json']))).toEqual(['export-csv', 'reset-password', 'vpn-agents']);
    expect(slugs(ok(desk, ['kb', 'list', '--audience', 'public', '--json']))).toEqual(['export-csv', 'reset-password']);
    expect(slugs(ok(desk, ['kb', 'list', '--tag', 'data', '--json']))).toEqual(['export-csv']);
    const shown = JSON.parse(ok(desk, ['kb', 'show', 'reset-password', '--json']));
    expect(shown).toMatchObject({ slug: 'reset-password', title: 'Reset your password', audience: 'public', tags: ['account'], queues: [],
      updated_at: onPostgres() ? NOW : expect.stringMatching(/^\d{4}-\d\d-\d\dT/), updated_by: onPostgres() ? desk.env.DESK_AGENT : null });
    expect(shown.body).toContain('Réinitialiser');

    // the folding of ticket search: accents, case, NFKC ligatures, the last word as a prefix
    expect(slugs(ok(desk, ['kb', 'search', 'REINITIALISER', '--json']))).toEqual(['reset-password']);
    expect(slugs(ok(desk, ['kb', 'search', 'file', '--json']))).toEqual(['export-csv']);
    expect(slugs(ok(desk, ['kb', 'search', 'pass', '--json']))).toEqual(['reset-password', 'vpn-agents']);
    expect(slugs(ok(desk, ['kb', 'search', 'reset', 'pass', '--json']))).toEqual(['reset-password', 'vpn-agents']);

    // edit in the editor, remove; a missing article is exit 3
    ok(desk, ['kb', 'edit', 'export-csv'], { EDITOR: 'sed -i s/Billing/Accounts/' });
    expect(JSON.parse(ok(desk, ['kb', 'show', 'export-csv', '--json'])).body).toContain('Accounts, then Export');
    ok(desk, ['kb', 'new', 'old-faq', '--title', 'Old', '--body', 'gone soon']);
    ok(desk, ['kb', 'rm', 'old-faq']);
    expect(desk.run(['kb', 'show', 'old-faq']).code).toBe(3);
    expect(desk.run(['kb', 'new', 'reset-password', '--body', 'again']).code).toBe(2);

    // desk show suggests the articles most like the ticket
    const t1 = JSON.parse(ok(desk, ['new', '--from', 'kim@example.org', '--subject', 'Cannot reset my password', '--body', 'The reset link never arrives by mail.', '--json'])).id;
    const t2 = JSON.parse(ok(desk, ['new', '--from', 'joao@example.com', '--subject', 'Password reset mail missing', '--body', 'No reset mail came.', '--json'])).id;
    const show = ok(desk, ['show', String(t1)]);
    const suggested = show.slice(show.indexOf('Suggested articles')).split('\n').slice(1).map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);
    expect(suggested[0]).toBe('reset-password');
    expect(suggested).not.toContain('export-csv');
    expect(show).toContain('vpn-agents  VPN for agents (internal)');

    // an internal article is never sent; nothing is written or mailed
    const refused = desk.run(['reply', String(t1), '--kb', 'vpn-agents', '--message', 'Hi Kim,']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('internal');
    expect(desk.run(['reply', String(t1), '--excerpt', '--message', 'Hi']).code).toBe(2);
    expect(servers.smtp.received).toHaveLength(0);

    // the link, then the excerpt; each recorded on its ticket
    // (the SMTP server runs in this process: the replies run without blocking it)
    for (const args of [[String(t1), '--kb', 'reset-password', '--message', 'Hi Kim,'], [String(t1), '--kb', 'reset-password', '--message', 'And again:'], [String(t2), '--kb', 'reset-password', '--excerpt']]) {
      const sent = await desk.runAsync(['reply', ...args]);
      expect([args, sent.code, sent.stderr]).toEqual([args, 0, '']);
    }
    expect(servers.smtp.received).toHaveLength(3);
    const first = await textOf(servers.smtp.received[0]!.raw);
    expect(first).toContain('Hi Kim,');
    expect(first).toContain(`Reset your password: ${BASE}/reset-password.html`);
    const excerpt = await textOf(servers.smtp.received[2]!.raw);
    expect(excerpt).toContain('Open Settings and choose Réinitialiser le mot de passe. A reset link arrives by mail within minutes.');
    expect(excerpt).toContain(`More: ${BASE}/reset-password.html`);
    expect(ok(desk, ['show', String(t2)])).toContain('answered with article reset-password');
    const events = JSON.parse(ok(desk, ['show', String(t1), '--json'])).events.filter((e: { type: string }) => e.type === 'kb_answer');
    expect(events.map((e: { to: string }) => e.to)).toEqual(['reset-password', 'reset-password']);

    // the report counts tickets answered by an article, and the articles used most
    expect(JSON.parse(ok(desk, ['kb', 'report', '--json']))).toEqual({
      tickets_answered_by_article: 2,
      articles: [{ slug: 'reset-password', title: 'Reset your password', tickets: 2 }],
    });

    // import a directory of files (how a team moves its kb/ into the database)
    const dir = join(desk.dir, 'to-import');
    mkdirSync(dir);
    writeFileSync(join(dir, 'two-factor.md'), '---\ntitle: Two-factor sign-in\ntags: [account]\naudience: public\n---\nUse an authenticator app.\n');
    ok(desk, ['kb', 'import', dir]);
    expect(slugs(ok(desk, ['kb', 'search', 'authenticator', '--json']))).toEqual(['two-factor']);
    writeFileSync(join(dir, 'broken.md'), '---\ntitle: [unclosed\n---\ntext\n');
    expect(desk.run(['kb', 'import', dir]).code).toBe(2);
    expect(slugs(ok(desk, ['kb', 'list', '--json']))).not.toContain('broken');
  });

  it('refuses a bad slug or title (exit 2, nothing saved) and neutralises what article text holds', () => {
    // (every slug and title of the generated classes is checked in test/domain/kb-article.test.ts)
    const desk = deskWith([]);
    for (const args of [['a\u001b[31m', '--body', 'x'], ['ok-slug', '--title', 'Bad\u202eeltit', '--body', 'x']]) {
      const r = desk.run(['kb', 'new', ...args]);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.stderr).not.toMatch(/[\u001b\u202e]/);
    }
    expect(JSON.parse(ok(desk, ['kb', 'list', '--json']))).toEqual([]);
    // the body is hostile text like mail: stored as written, printed neutralised
    const controls = [...Array.from({ length: 31 }, (_, i) => i + 1).filter((i) => i !== 10), 0x7f, 0x85, 0x9b, 0x202e, 0x2066]
      .map((c) => String.fromCodePoint(c));
    const hostile = controls.map((c, i) => `line ${i}: ${c}[2J${c}]52;c;ZXZpbA==\u0007 password`).join('\n');
    ok(desk, ['kb', 'new', 'hostile', '--title', 'Hostile', '--public', '--body', hostile]);
    const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    for (const args of [['kb', 'show', 'hostile'], ['kb', 'search', 'line']]) {
      const out = ok(desk, args);
      expect(out).toContain('password');
      expect([args.join(' '), unsafe.test(out)]).toEqual([args.join(' '), false]);
    }
    expect(JSON.parse(ok(desk, ['kb', 'show', 'hostile', '--json'])).body).toContain('\u001b[2J');
  });

  it('the acknowledgement of new mail links the most relevant public articles (Dovecot in, SMTP out)', async () => {
    const address = 'support@kb-ack.test';
    const login = await servers.dovecot.addUser(address, 'secret-kb');
    const desk = deskWith([
      'accounts:',
      '  - name: support', '    host: 127.0.0.1', `    port: ${servers.dovecot.port}`, '    secure: false',
      `    user: ${login.user}`, `    passwordEnv: ${PASSWORD_ENV}`, `    address: ${address}`,
      'smtp:', '  host: 127.0.0.1', `  port: ${servers.smtp.port}`, '  secure: false', `  from: ${address}`,
      'autoAck: { canned: request-received, kbArticles: 2 }',
    ], { [PASSWORD_ENV]: login.password });
    writeArticles(desk);
    const mail = (from: string, subject: string, body: string, n: number) => [`From: ${from}`, `To: ${address}`, `Subject: ${subject}`,
      `Message-ID: <kb${n}@example.com>`, 'Date: Mon, 30 Mar 2026 07:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
    await servers.dovecot.deliver(login.user, [
      mail('kim@example.org', 'Password reset', 'The reset link for my password never arrives.', 1),
      mail('lee@example.org', 'Hello', 'Is anyone there?', 2),
    ]);
    const r = await desk.runAsync(['sync', '--quiet']);
    expect(r.code).toBe(0);
    expect(servers.smtp.received.map((m) => m.to[0]).sort()).toEqual(['kim@example.org', 'lee@example.org']);
    const kim = await textOf(servers.smtp.received.find((m) => m.to[0] === 'kim@example.org')!.raw);
    expect(kim).toContain(`Reset your password: ${BASE}/reset-password.html`);
    expect(kim).not.toContain('vpn-agents'); // internal: never sent
    const lee = await textOf(servers.smtp.received.find((m) => m.to[0] === 'lee@example.org')!.raw);
    expect(lee).not.toContain(BASE); // nothing fits: no list at all
  });
});
