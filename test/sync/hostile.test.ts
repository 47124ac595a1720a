// Hostile mail through a real Dovecot: generated control characters, escape sequences and bidi
// controls in the subject, the sender's name, the body, an attachment's name and its content
// type. `desk sync` and everything that shows the tickets afterwards write only inert bytes,
// while --json keeps what the mail said. A config whose account would file tickets into a queue
// with control characters is refused before the server is contacted.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { startDovecot, type Dovecot, type MailUser, accountYaml } from '../helpers/dovecot.js';
import { hostileStrings, leakOf, runBytes, type ByteRun } from '../helpers/hostile.js';

const SUPPORT = 'support@desk.test';
const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';
const N = 6;
// NUL cannot be in a header; CR and LF would end it.
const H = hostileStrings(99, N, { noNul: true, oneLine: true });
const h = (i: number) => H[i % N]!;

let dovecot: Dovecot;
let login: MailUser;
const desks: TempDesk[] = [];

beforeAll(async () => {
  dovecot = await startDovecot();
  login = await dovecot.addUser('hostile@desk.test', 'hostile-secret');
  await dovecot.deliver(login.user, H.map((_, i) => hostileMail(i)));
});

afterAll(async () => {
  for (const d of desks) d.cleanup();
  await dovecot?.stop();
});

const b64word = (s: string) => `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;
const rfc2231 = (s: string) => `UTF-8''${[...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('')}`;

/** A message with hostile text in every header and part that desk shows. */
function hostileMail(i: number): Buffer {
  const type = `application/x-${h(i + 4).replace(/[\s;"\\]/g, '')}`; // raw bytes in the header itself
  return Buffer.from([
    `From: ${b64word(h(i + 1))} <sender${i}@customer.example>`,
    `To: ${SUPPORT}`,
    `Subject: ${b64word(h(i))}`,
    `Message-ID: <hostile-${i}@customer.example>`,
    `Date: Fri, 27 Mar 2026 10:0${i}:00 +0000`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b0"',
    '',
    '--b0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(`${h(i + 2)}\nsecond line ${h(i + 5)}\n`, 'utf8').toString('base64'),
    '--b0',
    `Content-Type: ${type}`,
    `Content-Disposition: attachment; filename*=${rfc2231(h(i + 3))}`,
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('hello').toString('base64'),
    '--b0--',
    '',
  ].join('\r\n'), 'utf8');
}

function deskFor(queue = 'tech'): TempDesk {
  const desk = tempDesk({ [PASSWORD_ENV]: login.password, DESK_NOW: '2026-03-30T09:00:00Z' });
  desks.push(desk);
  writeFileSync(desk.config, accountYaml({ port: dovecot.port, user: login.user, passwordEnv: PASSWORD_ENV, address: SUPPORT, queue }));
  return desk;
}

function inert(desk: TempDesk, args: string[]): ByteRun {
  const r = runBytes(desk, args);
  const leak = leakOf(args, r);
  if (leak) throw new Error(leak);
  return r;
}

it('sync and every view of the synced tickets write only inert bytes; --json keeps the text', () => {
  const desk = deskFor();
  const synced = inert(desk, ['sync', '--verbose']);
  expect(synced.code).toBe(0);
  expect(synced.out).toMatch(new RegExp(`${N} new tickets?`));
  const tickets = JSON.parse(inert(desk, ['list', '--all', '--json']).out) as { id: number; subject: string; requester: { name: string } }[];
  expect(tickets).toHaveLength(N);
  for (const t of tickets) {
    // the hostile characters arrived and are kept exactly in the data…
    expect(t.subject).toMatch(/^hostile\d /);
    expect(t.subject).toMatch(/[\u0001-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    expect(H).toContain(t.subject);
    expect(t.requester.name).toMatch(/^hostile\d /);
  }
  // …and shown harmlessly everywhere.
  const views: string[][] = [['list'], ['list', '--all'], ['search', 'hostile2'], ['sync', '--quarantined']];
  for (const t of tickets) views.push(['show', String(t.id)], ['show', String(t.id), '--why']);
  for (const args of views) expect([args, inert(desk, args).code]).toEqual([args, 0]);
  const shown = JSON.parse(inert(desk, ['show', String(tickets[0]!.id), '--json']).out);
  const att = shown.messages[0].attachments[0];
  expect(att.filename).toMatch(/^hostile\d /);
  expect(att.content_type).toMatch(/^application\/x-hostile\d/);
  expect(shown.messages[0].text).toMatch(/^hostile\d /);
  // a second sync has nothing new and stays quiet and inert
  expect(inert(desk, ['sync']).code).toBe(0);
});

it('an account whose queue holds control characters is refused (exit 2) before any mail is read', () => {
  const desk = deskFor('"te\\u001b[2Jch"');
  const r = inert(desk, ['sync']);
  expect(r.code).toBe(2);
  expect(r.err).toContain('accounts.0.queue');
  writeFileSync(desk.config, ''); // nothing was synced
  expect(JSON.parse(inert(desk, ['list', '--all', '--json']).out)).toEqual([]);
});
