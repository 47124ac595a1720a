// `desk init` on a terminal offers the mail setup, question by question (tmux, 100x30); what it
// writes works: desk sync pulls from a real Dovecot, desk reply sends through a real SMTP server.
// Off a terminal it never asks.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { BIN, tempDesk, type TempDesk } from '../../helpers/cli.js';
import { startDovecot, type Dovecot, type MailUser } from '../../helpers/dovecot.js';
import { plainMessage } from '../../helpers/mailgen.js';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp.js';

const SOCKET = `desk-init-${process.pid}`;
const SUPPORT = 'support@desk.test';
let dovecot: Dovecot;
let smtp: TestSmtp;
let login: MailUser;
const desks: TempDesk[] = [];

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'init');
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function waitFor(text: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = screen();
    if (last.includes(text)) return last;
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`timed out waiting for ${text}; the screen shows:\n${last}`);
}

/** Waits for a question, then types the answer (nothing: take the default) and Enter. */
async function answer(question: string, text: string): Promise<void> {
  await waitFor(question);
  if (text) tmux('send-keys', '-t', 'init', '-l', text);
  tmux('send-keys', '-t', 'init', 'Enter');
}

beforeAll(async () => {
  [dovecot, smtp] = await Promise.all([startDovecot(), startTestSmtp({ auth: { user: SUPPORT, pass: 'smtp-secret' } })]);
  login = await dovecot.addUser(SUPPORT, 'imap-secret');
});
afterAll(async () => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  for (const d of desks) d.cleanup();
  await Promise.all([dovecot?.stop(), smtp?.close()]);
});

function fresh(): TempDesk {
  const d = tempDesk({ DESK_IMAP_PASSWORD: login.password, DESK_NOW: '2026-04-01T10:00:00Z' });
  desks.push(d);
  return d;
}

test('on a terminal, init asks for the mailbox and SMTP; sync and reply then work with what it wrote', async () => {
  const desk = fresh();
  const vars = Object.entries({ ...desk.env, TERM: 'xterm' }).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
  tmux('new-session', '-d', '-s', 'init', '-x', '100', '-y', '30',
    `env ${vars} ${quote(process.execPath)} ${quote(BIN)} init; echo "__EXIT__$?"; sleep 600`);
  await answer('Set up the support mailbox and SMTP for replies now?', '');
  await answer('IMAP server of the support mailbox:', '127.0.0.1');
  await answer('IMAP port:', String(dovecot.port));
  await answer('TLS from the start', 'n');
  await answer('Mailbox user:', SUPPORT);
  await answer('Command that prints its password', ''); // $DESK_IMAP_PASSWORD
  await answer('Our address, that customers write to:', ''); // the user's address
  await answer('SMTP server for replies:', ''); // the same host
  await answer('SMTP port', String(smtp.port));
  await answer('Does the SMTP server need a login?', '');
  await answer('SMTP user:', '');
  await answer('Command that prints the SMTP password', 'printf smtp-secret');
  const done = await waitFor('__EXIT__');
  expect(done).toContain('__EXIT__0');
  expect(done).toContain('set DESK_IMAP_PASSWORD in the environment');
  const config = readFileSync(desk.config, 'utf8');
  expect(config).toContain('passwordEnv: DESK_IMAP_PASSWORD');
  expect(config).toContain('passwordCommand: printf smtp-secret');
  expect(config).not.toContain('imap-secret');

  await dovecot.deliver(SUPPORT, [plainMessage({ to: SUPPORT, subject: 'Export fails' }).raw]);
  const sync = desk.run(['sync', '--json']);
  expect(sync.code).toBe(0);
  const [ticket] = JSON.parse(desk.run(['list', '--json']).stdout);
  expect(ticket).toBeDefined();
  // runAsync: the SMTP server runs in this process and must be free to answer.
  const reply = await desk.runAsync(['reply', String(ticket.id), '--message', 'On it.']);
  expect(reply.code).toBe(0);
  expect(smtp.received).toHaveLength(1);
  expect(smtp.received[0]!.raw.toString()).toContain(`From: ${SUPPORT}`);
});

test('off a terminal, init never asks', () => {
  const desk = fresh();
  const r = desk.run(['init']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toContain('Set up the support mailbox');
  expect(existsSync(desk.config)).toBe(true);
  expect(readFileSync(desk.config, 'utf8')).not.toContain('accounts');
});
