// A FETCH that keeps delivering messages is progress: the step limit applies to each next message
// (src/mail/timeouts.ts), so a slow but steady server is not cut off however long the whole batch
// takes. desk hears of each message through imapflow's log of the server's FETCH responses; a
// library patch that stopped writing those lines (to save serializing them) cut such syncs off,
// and was dropped (README "Libraries").
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { startDovecot, type Dovecot, type MailUser } from '../helpers/dovecot.js';
import { runBounded } from '../helpers/misbehaving-servers.js';
import { createRng, plainMessage } from '../helpers/mailgen.js';

const SUPPORT = 'support@desk.test';
const LIMIT_MS = 2000; // every network step (DESK_NET_TIMEOUT_MS)
const GAP_MS = 600; // between two messages of the FETCH: well within the limit
const MESSAGES = 8; // all of them together: well past it

let dovecot: Dovecot;
let login: MailUser;
let pacer: { port: number; close(): void };
const desks: TempDesk[] = [];

/** A TCP proxy to `target` that holds each untagged FETCH response of the server back `gapMs`. */
async function startPacingProxy(target: { host: string; port: number }, gapMs: number) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => upstream.write(d));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.end());
    let pending = Buffer.alloc(0);
    let pumping = false;
    let heldBack = false;
    const pump = async () => {
      if (pumping) return;
      pumping = true;
      while (pending.length && !client.destroyed) {
        const starts = [...pending.toString('latin1').matchAll(/(?:^|\n)\* \d+ FETCH /g)].map((m) => m.index! + (m[0].startsWith('\n') ? 1 : 0));
        if (starts[0] === 0 && !heldBack) {
          await new Promise((r) => setTimeout(r, gapMs));
          heldBack = true;
          continue;
        }
        const end = starts.find((s) => s > 0) ?? pending.length;
        client.write(pending.subarray(0, end));
        pending = pending.subarray(end);
        heldBack = false;
      }
      pumping = false;
    };
    upstream.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      void pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

beforeAll(async () => {
  dovecot = await startDovecot();
  login = await dovecot.addUser(SUPPORT, 'imap-secret');
  const rng = createRng(12);
  await dovecot.deliver(login.user, Array.from({ length: MESSAGES }, () => plainMessage({ rng, to: SUPPORT }).raw));
  pacer = await startPacingProxy({ host: dovecot.host, port: dovecot.port }, GAP_MS);
});

afterAll(async () => {
  pacer?.close();
  for (const d of desks) d.cleanup();
  await dovecot?.stop();
});

it('a FETCH whose messages come steadily, each within the step limit, is not cut off', async () => {
  const desk = tempDesk({ DESK_TEST_IMAP_PASSWORD: login.password, DESK_NET_TIMEOUT_MS: String(LIMIT_MS) });
  desks.push(desk);
  writeFileSync(desk.config, [
    'accounts:', '  - name: support', '    host: 127.0.0.1', `    port: ${pacer.port}`, '    secure: false',
    `    user: ${login.user}`, '    passwordEnv: DESK_TEST_IMAP_PASSWORD', `    address: ${SUPPORT}`, '',
  ].join('\n'));
  const r = await runBounded(desk, ['sync', '--json'], { limitMs: 60_000 });
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.ms).toBeGreaterThan(MESSAGES * GAP_MS); // the server really was that slow
  expect(JSON.parse(r.stdout)).toMatchObject({ new: MESSAGES });
}, 90_000);
