// Hooks as a team relies on them: every event reaches every hook exactly once, whether the
// receiving server is down at first or not, signed so the receiver can trust it; a command hook
// gets the event on stdin; a change that rolls back fires nothing; SLA events fire once per
// clock whichever of sync, escalate --auto and hooks run sees them first. The built CLI in its
// own processes, a real HTTP server (node:http, port chosen at run time), a real SMTP server,
// SLA time from DESK_NOW.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, tempDesk, type RunResult, type TempDesk } from '../helpers/cli.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { onlyOn } from '../helpers/backend.js';
import { accountYaml, startDovecot, type Dovecot, type MailUser } from '../helpers/dovecot.js';
import { autoReplyMessage, plainMessage, replyMessage } from '../helpers/mailgen.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook receiver that can be down (nothing listens on its port) and up again on the same port. */
class Receiver {
  received: Received[] = [];
  private server: Server | null = null;
  port = 0;

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/desk-hook`;
  }
}

let smtp: TestSmtp;
let dovecot: Dovecot;
let login: MailUser;
beforeAll(async () => {
  smtp = await startTestSmtp();
  dovecot = await startDovecot();
  login = await dovecot.addUser('support@desk.example', 'imap-secret');
});
afterAll(async () => {
  await smtp.close();
  await dovecot.stop();
});

function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
  return r;
}

const lines = (file: string): Record<string, any>[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)) : [];

const at = (hhmm: string) => `2026-03-30T${hhmm}:00Z`;
const run = (desk: TempDesk, args: string[], now: string) => desk.runAsync(args, { env: { DESK_NOW: now } });

describe('webhooks and command hooks', () => {
  test('a receiver down then up gets each event exactly once, signed; a command hook gets it on stdin; a rolled-back change fires nothing', async () => {
    const receiver = new Receiver();
    await receiver.up(); // a port of our own, then nothing listening on it: the receiver is down
    await receiver.down();
    const desk = tempDesk({ HOOK_SECRET: 'k3y-of-the-receiver' });
    const log = join(desk.dir, 'events.jsonl');
    writeFileSync(desk.config, `hooks:
  - name: chat
    on: [ticket.created, ticket.changed]
    url: ${receiver.url}
    secretEnv: HOOK_SECRET
  - name: log
    on: '*'
    command: cat >> '${log}'; echo >> '${log}'
`);
    try {
      // Two events while the receiver is down: the commands that cause them succeed all the same.
      const created = ok(await run(desk, ['new', '--from', 'ana@example.com', '--subject', 'Invoice missing', '--body', 'where is it?', '--json'], at('09:00')), 'new');
      const id = JSON.parse(created.stdout).id as number;
      ok(await run(desk, ['set', String(id), '--priority', 'urgent'], at('09:00')), 'set');
      // One transaction for both ids: #999 does not exist, so #id's change rolls back and fires nothing.
      expect((await run(desk, ['set', String(id), '999', '--priority', 'low'], at('09:00'))).code).toBe(3);

      // The command hook got both at once, on stdin.
      expect(lines(log).map((e) => [e.event, e.ticket.id, e.ticket.priority])).toEqual([
        ['ticket.created', id, 'normal'],
        ['ticket.changed', id, 'urgent'],
      ]);
      expect(lines(log)[0]!.message.text).toBe('where is it?');
      expect(lines(log)[1]!.changes).toEqual([expect.objectContaining({ type: 'priority', from: 'normal', to: 'urgent', actor: 'tester' })]);

      // Down: hooks run fails the deliveries (exit 5) and keeps them, pending.
      const failed = await run(desk, ['hooks', 'run'], at('09:02'));
      expect(failed.code).toBe(5);
      const pending = JSON.parse(ok(await run(desk, ['hooks', 'list', '--json'], at('09:02')), 'list').stdout);
      expect(pending.map((d: any) => [d.event, d.hook, d.state, d.attempts])).toEqual([
        ['ticket.created', 'chat', 'pending', 2],
        ['ticket.changed', 'chat', 'pending', 2],
      ]);
      expect(receiver.received).toEqual([]);

      // Up again, but their back-off is not over: nothing is tried until an agent retries them.
      await receiver.up();
      const early = ok(await run(desk, ['hooks', 'run', '--json'], at('09:03')), 'hooks run (backing off)');
      expect(JSON.parse(early.stdout).map((r: any) => r.outcome)).toEqual(['waiting', 'waiting']);
      expect(receiver.received).toEqual([]);
      ok(await run(desk, ['hooks', 'retry', ...pending.map((d: any) => String(d.id))], at('09:03')), 'hooks retry');
      // The next run delivers each once; later runs deliver nothing more.
      // Two runners at once (two cron hosts): each delivery is claimed by one of them.
      for (const r of await Promise.all([run(desk, ['hooks', 'run'], at('09:03')), run(desk, ['hooks', 'run'], at('09:03'))])) ok(r, 'hooks run (up)');
      ok(await run(desk, ['hooks', 'run'], at('10:10')), 'hooks run (again)');
      ok(await run(desk, ['set', String(id), '--status', 'pending'], at('10:20')), 'set status');
      ok(await run(desk, ['hooks', 'run'], at('10:30')), 'hooks run (after the third event)');
      await receiver.down();

      // the two runners at once may deliver the first two in either order; the event's id tells
      const got = receiver.received.map((r) => ({ r, event: JSON.parse(r.body) }));
      expect(got.slice(0, 2).map((g) => g.event.event).sort()).toEqual(['ticket.changed', 'ticket.created']);
      got.splice(0, 2, ...got.slice(0, 2).sort((a, b) => a.event.id - b.event.id));
      expect(got.map((g) => g.event.event)).toEqual(['ticket.created', 'ticket.changed', 'ticket.changed']);
      expect(new Set(got.map((g) => g.r.headers['x-desk-delivery'])).size).toBe(3);
      for (const { r, event } of got) {
        expect(r.headers['x-desk-event']).toBe(event.event);
        expect(r.headers['content-type']).toBe('application/json');
        const expected = `sha256=${createHmac('sha256', 'k3y-of-the-receiver').update(r.body).digest('hex')}`;
        expect(r.headers['x-desk-signature']).toBe(expected);
        expect(event.ticket.id).toBe(id);
      }
      expect(got[2]!.event.changes[0]).toEqual(expect.objectContaining({ type: 'status', to: 'pending' }));
      const all = JSON.parse(ok(await run(desk, ['hooks', 'list', '--all', '--json'], at('10:30')), 'list --all').stdout);
      expect(all.filter((d: any) => d.hook === 'chat').map((d: any) => d.state)).toEqual(['delivered', 'delivered', 'delivered']);
      expect(all.every((d: any) => d.state === 'delivered')).toBe(true);
      expect(lines(log).map((e) => e.event)).toEqual(['ticket.created', 'ticket.changed', 'ticket.changed']);
    } finally {
      await receiver.down();
      desk.cleanup();
    }
  });

  test('a reply delivered over SMTP is a reply.sent, and a receiver that never answers does not hold the reply up; hooks test sends a sample to the hooks of that event only', async () => {
    smtp.reset();
    // Accepts the connection and the request, and never answers.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const desk = tempDesk();
    const log = join(desk.dir, 'events.jsonl');
    writeFileSync(desk.config, `smtp: { host: ${smtp.host}, port: ${smtp.port}, secure: false, from: support@desk.example }
hooks:
  - on: [reply.sent, mention]
    command: cat >> '${log}'; echo >> '${log}'
  - name: silent
    on: [reply.sent]
    url: http://127.0.0.1:${(silent.address() as AddressInfo).port}/
    timeoutSeconds: 120
`);
    try {
      const id = JSON.parse(ok(await run(desk, ['new', '--from', 'bo@example.com', '--subject', 'Login', '--body', 'cannot log in', '--json'], at('09:00')), 'new').stdout).id;
      const started = Date.now();
      ok(await run(desk, ['reply', String(id), '--message', 'Try resetting your password.'], at('09:05')), 'reply');
      // The reply's own end spends at most 2 s on hooks, far below the silent hook's 120 s.
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(smtp.received).toHaveLength(1);
      const waiting = JSON.parse(ok(await run(desk, ['hooks', 'list', '--json'], at('09:05')), 'list').stdout);
      expect(waiting.map((d: any) => [d.hook, d.event, d.state, d.last_error])).toEqual([['silent', 'reply.sent', 'pending', expect.stringContaining('timed out')]]);
      const sent = lines(log);
      expect(sent.map((e) => [e.event, e.ticket.id, e.message.text.split('\n')[0]])).toEqual([['reply.sent', id, 'Try resetting your password.']]);

      const test = ok(await run(desk, ['hooks', 'test', 'mention'], at('09:06')), 'hooks test');
      expect(test.stdout).toContain('delivered');
      expect(lines(log).map((e) => [e.event, e.test ?? false])).toEqual([['reply.sent', false], ['mention', true]]);
      // A note naming an agent is a mention (recorded with the notification, in the note's transaction).
      ok(await run(desk, ['agent', 'add', 'ana', '--email', 'ana@desk.example'], at('09:07')), 'agent add');
      ok(await run(desk, ['note', String(id), '@ana can you look at this?'], at('09:07')), 'note');
      expect(lines(log).slice(2).map((e) => [e.event, e.ticket.id, e.mention?.name, e.mention?.text])).toEqual([['mention', id, 'ana', '@ana can you look at this?']]);
      const none = await run(desk, ['hooks', 'test', 'ticket.created'], at('09:06'));
      expect(none.code).toBe(3);
      expect(none.stderr).toContain('no hook is configured for ticket.created');
    } finally {
      silent.closeAllConnections();
      silent.close();
      desk.cleanup();
    }
  });
});

describe('mail', () => {
  test('synced mail: a new ticket is one ticket.created with its message; a customer writing again is a message.received, an auto-reply is not', async () => {
    const desk = tempDesk({ IMAP_PASSWORD: login.password });
    const log = join(desk.dir, 'events.jsonl');
    writeFileSync(desk.config, `${accountYaml({ port: dovecot.port, user: login.user, passwordEnv: 'IMAP_PASSWORD', address: 'support@desk.example' })}hooks:
  - on: [ticket.created, message.received]
    command: cat >> '${log}'; echo >> '${log}'
`);
    try {
      const dana = { email: 'dana@example.com', name: 'Dana Scully' };
      const first = plainMessage({ to: 'support@desk.example', from: dana, subject: 'Export fails', date: new Date('2026-03-30T08:00:00Z') });
      await dovecot.deliver(login.user, [first.raw]);
      ok(await run(desk, ['sync', '--quiet'], at('08:05')), 'first sync');
      const parent = { messageId: first.messageId!, subject: 'Export fails', from: dana };
      await dovecot.deliver(login.user, [
        replyMessage(parent, { to: 'support@desk.example', date: new Date('2026-03-30T08:10:00Z') }).raw,
        autoReplyMessage(parent, { to: 'support@desk.example', date: new Date('2026-03-30T08:11:00Z') }).raw,
      ]);
      ok(await run(desk, ['sync', '--quiet'], at('08:15')), 'second sync');
      const events = lines(log);
      expect(events.map((e) => [e.event, e.ticket.id, e.message.from])).toEqual([
        ['ticket.created', 1, 'dana@example.com'],
        ['message.received', 1, 'dana@example.com'],
      ]);
      expect(events[0]!.message.message_id).toBe(first.messageId);
      expect(events[1]!.message.subject).toBe('Re: Export fails');

      // sync --watch delivers after each round, while it keeps running (not only when it ends).
      await dovecot.deliver(login.user, [replyMessage(parent, { to: 'support@desk.example', date: new Date('2026-03-30T08:20:00Z') }).raw]);
      const watching = spawn(process.execPath, [BIN, 'sync', '--watch', '--quiet'], { env: { ...desk.env, DESK_NOW: at('08:25') }, cwd: desk.dir });
      const ended = new Promise<number | null>((resolve) => watching.on('close', (code) => resolve(code)));
      try {
        for (const deadline = Date.now() + 60_000; lines(log).length < 3;) {
          if (Date.now() > deadline) throw new Error('sync --watch did not deliver the event while running');
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(watching.exitCode).toBeNull();
      } finally {
        watching.kill('SIGINT');
        await ended;
      }
      expect(lines(log).map((e) => e.event)).toEqual(['ticket.created', 'message.received', 'message.received']);
    } finally {
      desk.cleanup();
    }
  });
});

describe('SLA events', () => {
  test('at_risk and breached fire once per clock and clock run, from whichever of sync, escalate --auto and hooks run comes first', async () => {
    const mailbox = await dovecot.addUser('sla@desk.example', 'sla-secret');
    const desk = tempDesk({ IMAP_PASSWORD: mailbox.password });
    const log = join(desk.dir, 'sla.jsonl');
    writeFileSync(join(desk.dir, 'sla.yaml'), `policies:
  - { name: default, match: {}, calendar: 24x7, first_response: 1h, next_response: 1h }
`);
    writeFileSync(join(desk.dir, 'rules.yaml'), 'escalation: []\n');
    writeFileSync(desk.config, `${accountYaml({ port: dovecot.port, user: mailbox.user, passwordEnv: 'IMAP_PASSWORD', address: 'sla@desk.example' })}sla: ./sla.yaml
rules: ./rules.yaml
smtp: { host: ${smtp.host}, port: ${smtp.port}, secure: false, from: support@desk.example }
hooks:
  - on: [sla.at_risk, sla.breached]
    command: cat >> '${log}'; echo >> '${log}'
`);
    try {
      const newTicket = async (now: string) => JSON.parse(ok(await run(desk, ['new', '--from', 'cy@example.com', '--subject', `Down since ${now}`, '--json'], now), 'new').stdout).id as number;
      const fired = () => lines(log).map((e) => [e.event, e.ticket.id, e.sla.clock]);
      const expected: unknown[] = [];
      const step = async (args: string[], now: string, add: [string, number, string?][]) => {
        ok(await run(desk, args, now), `${args.join(' ')} at ${now}`);
        expected.push(...add.map(([event, t, clock]) => [event, t, clock ?? 'first_response']));
        expect(fired()).toEqual(expected);
      };
      const a = await newTicket(at('09:00')); // first response due 10:00
      await step(['hooks', 'run'], at('09:00'), [['sla.at_risk', a]]); // due within 2 h
      await step(['sync'], at('09:10'), []);
      const b = await newTicket(at('10:00')); // due 11:00
      await step(['escalate', '--auto'], at('10:30'), [['sla.breached', a], ['sla.at_risk', b]]);
      await step(['hooks', 'run'], at('10:40'), []);
      await step(['sync'], at('11:30'), [['sla.breached', b]]);
      for (const args of [['sync'], ['escalate', '--auto'], ['hooks', 'run']]) await step(args, at('12:00'), []);
      const breach = lines(log).find((e) => e.event === 'sla.breached')!;
      expect(breach.sla).toEqual(expect.objectContaining({ policy: 'default', due_at: '2026-03-30T10:00:00Z', target_s: 3600 }));

      // A clock that runs again fires again, once per run: each answer of the customer after a
      // reply starts a new run of next_response (due an hour after the customer wrote).
      const customerWrites = async (hhmm: string) => {
        const subject = `Re: Down since ${at('10:00')} [#${b}]`;
        await dovecot.deliver(mailbox.user, [plainMessage({ to: 'sla@desk.example', from: { email: 'cy@example.com', name: null }, subject, date: new Date(at(hhmm)) }).raw]);
      };
      ok(await run(desk, ['reply', String(b), '--message', 'Looking into it.'], at('12:00')), 'first reply');
      await customerWrites('12:10');
      await step(['sync', '--quiet'], at('12:15'), [['sla.at_risk', b, 'next_response']]);
      await step(['hooks', 'run'], at('12:16'), []);
      ok(await run(desk, ['reply', String(b), '--message', 'Fixed, is it?'], at('12:20')), 'second reply');
      await customerWrites('12:30');
      await step(['sync', '--quiet'], at('12:35'), [['sla.at_risk', b, 'next_response']]);
      await step(['escalate', '--auto'], at('12:40'), []);
      const runs = lines(log).filter((e) => e.sla.clock === 'next_response').map((e) => e.sla.due_at);
      expect(runs).toEqual(['2026-03-30T13:10:00Z', '2026-03-30T13:30:00Z']);
    } finally {
      desk.cleanup();
    }
  });
});

describe('the hooks setting', () => {
  onlyOn('sqlite', test)('an unknown event name, or a hook without a destination, is refused when the config is read (exit 2; no database involved)', async () => {
    const desk = tempDesk({}, { init: false });
    try {
      // The class: near misses of event names (case, separator, plural, prefix, wildcard) and junk.
      const bad = ['ticket.create', 'Ticket.Created', 'ticket_changed', 'sla.breach', 'mentions', 'sla.*', '', 'reply.sent '];
      for (const e of bad) {
        writeFileSync(desk.config, `hooks:\n  - { on: [ticket.created, ${JSON.stringify(e)}], command: "true" }\n`);
        const r = await desk.runAsync(['list']);
        expect([r.code, r.stderr]).toEqual([2, expect.stringContaining(`'hooks.0.on' names an unknown event '${e}'`)]);
      }
      writeFileSync(desk.config, `hooks:\n  - { on: '*' }\n`);
      const none = await desk.runAsync(['list']);
      expect([none.code, none.stderr]).toEqual([2, expect.stringContaining(`'hooks.0' needs a command or a url`)]);
      // A NUL (which PostgreSQL text cannot hold) in what deliveries record would fail every write: refused up front.
      writeFileSync(desk.config, `hooks:\n  - { on: '*', command: "cat\\0 > /dev/null" }\n`);
      const nul = await desk.runAsync(['list']);
      expect([nul.code, nul.stderr]).toEqual([2, expect.stringContaining(`'hooks.0.command' must not contain a NUL character`)]);
      // The signing key is never kept in the config: it comes from secretEnv or secretCommand.
      writeFileSync(desk.config, `hooks:\n  - { on: '*', url: 'https://hooks.example.com/x', secret: 'k3y' }\n`);
      const secret = await desk.runAsync(['list']);
      expect([secret.code, secret.stderr]).toEqual([2, expect.stringContaining(`'hooks.0.secret' is not kept in the config`)]);
    } finally {
      desk.cleanup();
    }
  });
});
