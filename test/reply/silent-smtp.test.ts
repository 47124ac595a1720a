// A mail server that stops talking must never keep desk waiting (issue #10, section 3): every
// command that talks SMTP ends within its step limit, exits 5 naming the step, and leaves the
// outbox entry safe — queued while the body had not been handed over, unknown after. The servers
// are real (the test SMTP server behind a proxy that goes silent after N bytes, and a server that
// accepts and never speaks); they never close their side, as a hung server would not.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { onPostgres } from '../helpers/backend.js';
import { acrossStallingProxies, runBounded, startSilentServer, startStallingProxy, stallPoints, type SilentServer, type StallingProxy } from '../helpers/misbehaving-servers.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

const LIMIT_MS = 900; // every network step (DESK_NET_TIMEOUT_MS): short, yet well above a loaded machine's answer time
const BOUND_MS = 15_000; // a run that lives longer than this is a hang
const T0 = '2026-03-30T08:00:00Z';

let smtp: TestSmtp;
let proxy: StallingProxy;
/** the proxies of stalled runs run side by side */
const proxies: StallingProxy[] = [];
/** How many stalled runs wait on their step limit at once (each on a proxy of its own). */
const AT_ONCE = 3;
let silent: SilentServer;
const desks: TempDesk[] = [];

/** The config of a desk whose SMTP server is at `port`. */
function configOn(port: number, extra: string[] = []): string {
  return [
    'agent: ana',
    'smtp:',
    '  host: 127.0.0.1',
    `  port: ${port}`,
    '  secure: false',
    '  from: "Example Support <support@desk.example>"',
    ...extra,
    '',
  ].join('\n');
}

function deskOn(port: number, extra: string[] = []): TempDesk {
  const desk = tempDesk({ DESK_NOW: T0, DESK_NET_TIMEOUT_MS: String(LIMIT_MS) });
  desks.push(desk);
  writeFileSync(desk.config, configOn(port, extra));
  return desk;
}

const run = (desk: TempDesk, args: string[], env: Record<string, string> = {}) => runBounded(desk, args, { limitMs: BOUND_MS, env });

async function newTicket(desk: TempDesk): Promise<number> {
  const r = await run(desk, ['new', '--from', 'joao@example.com', '--subject', 'Export fails', '--body', 'help', '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).id;
}

async function outbox(desk: TempDesk): Promise<Array<{ id: number; ticket_id: number; state: string; last_error: string | null }>> {
  const r = await run(desk, ['outbox', '--all', '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  smtp = await startTestSmtp();
  proxy = await startStallingProxy({ host: smtp.host, port: smtp.port });
  silent = await startSilentServer();
});
afterAll(async () => {
  await proxy.close();
  await Promise.all(proxies.map((p) => p.close()));
  await silent.close();
  await smtp.close();
  for (const d of desks) d.cleanup();
});

// The answers of one delivery, in order; the seventh (QUIT's 221) is not waited for.
const STEPS = ['greeting', 'EHLO', 'MAIL FROM', 'RCPT TO', 'DATA', 'end of DATA'];

describe('an SMTP server that goes silent', () => {
  it('at any byte boundary of any answer: desk reply ends in time, exit 5 naming the step; queued before the body, unknown after', async () => {
    const desk = deskOn(proxy.port);
    const id = await newTicket(desk);
    proxy.stallAfter(Infinity);
    const clean = await run(desk, ['reply', String(id), '--message', 'the clean run']);
    expect(clean.code).toBe(0);
    const points = stallPoints(proxy.transcript(), (line) => /^\d{3}(?!-)/.test(line));
    // greeting, EHLO, MAIL, RCPT, DATA, end of DATA, QUIT: each at its start and in its middle
    expect(new Set(points.map((p) => p.answer)).size).toBe(STEPS.length + 1);

    // Every point on SQLite; on PostgreSQL (where only what the outbox records can differ) one per answer.
    const tried = onPostgres() ? points.filter((p, i) => points[i + 1]?.answer !== p.answer) : points;
    // A stalled run spends most of its time waiting out its step limit: AT_ONCE of them run side
    // by side, each through a proxy of its own (its desk config names that proxy), each replying
    // to a ticket of its own (one import makes them all) so that its outbox entry is told apart.
    const tickets = tried.map((_, i) => id + 1 + i);
    const at = '2026-03-30T07:00:00Z';
    writeFileSync(join(desk.dir, 'tickets.jsonl'), tickets.map((t) => JSON.stringify({
      id: t, subject: `Export fails ${t}`, requester: { email: 'joao@example.com', name: 'João Silva' }, created_at: at, updated_at: at,
      messages: [{ message_id: `<export-${t}@example.com>`, direction: 'in', from: 'joao@example.com', to: ['support@desk.example'], date: at, subject: `Export fails ${t}`, text: 'help' }],
    })).join('\n') + '\n');
    expect((await run(desk, ['import', join(desk.dir, 'tickets.jsonl')])).code).toBe(0);
    const { results: runs, proxies: stalling } = await acrossStallingProxies(smtp, AT_ONCE, tried, proxies, async (point, own, i) => {
      const config = join(desk.dir, `smtp-${own.port}.yaml`);
      writeFileSync(config, configOn(own.port));
      own.stallAfter(point.at);
      return { point, r: await run(desk, ['reply', String(tickets[i]), '--message', `stalled at byte ${point.at}`], { DESK_CONFIG: config }) };
    });
    // One entry per reply: the clean run's, then one per stalled run (on its ticket).
    const before = (await outbox(desk)).sort((x, y) => x.id - y.id);
    expect(before).toHaveLength(runs.length + 1);
    expect(before[0]!.ticket_id).toBe(id);
    runs.forEach(({ point, r }, i) => {
      const entries = before.filter((e) => e.ticket_id === tickets[i]);
      expect(entries).toHaveLength(1);
      const entry = entries[0]!;
      const what = `stalled at byte ${point.at} (answer ${point.answer}: ${point.line}): exit ${r.code}, ${r.stderr}`;
      expect({ what, killed: r.killed }).toEqual({ what, killed: false });
      if (point.answer >= STEPS.length) {
        // Only the goodbye is missing: the mail was delivered and desk does not wait for it.
        expect({ what, code: r.code, state: entry.state }).toEqual({ what, code: 0, state: 'sent' });
        return;
      }
      const step = STEPS[point.answer]!;
      expect({ what, code: r.code }).toEqual({ what, code: 5 });
      expect(r.stderr).toMatch(new RegExp(`SMTP ${step} timed out after \\d+ms`));
      expect({ what, state: entry.state }).toEqual({ what, state: step === 'end of DATA' ? 'unknown' : 'queued' });
      expect(entry.last_error).toContain(`SMTP ${step} timed out`);
      expect(r.ms).toBeLessThan(BOUND_MS);
    });
    expect(stalling.reduce((n, own) => n + own.stalls(), 0)).toBe(tried.length);

    // Nothing was lost: once the server talks again, every queued reply goes out exactly once;
    // the unknown ones stay held (they may have been delivered).
    const queued = before.filter((e) => e.state === 'queued').map((e) => e.id);
    const unknown = before.filter((e) => e.state === 'unknown').map((e) => e.id);
    expect(queued.length).toBeGreaterThan(0);
    expect(unknown.length).toBeGreaterThan(0);
    proxy.stallAfter(Infinity);
    smtp.reset();
    const flush = await run(desk, ['outbox', 'flush']);
    expect(flush.code).toBe(0);
    const after = await outbox(desk);
    expect(after.filter((e) => queued.includes(e.id)).map((e) => e.state)).toEqual(queued.map(() => 'sent'));
    expect(after.filter((e) => unknown.includes(e.id)).map((e) => e.state)).toEqual(unknown.map(() => 'unknown'));
    expect(smtp.received).toHaveLength(queued.length);
  }, 180_000);

  it('that trickles an answer a byte at a time (never quiet, never done): the step still ends on time', async () => {
    const desk = deskOn(proxy.port);
    const id = await newTicket(desk);
    proxy.stallAfter(Infinity);
    expect((await run(desk, ['reply', String(id), '--message', 'the clean run'])).code).toBe(0);
    const points = stallPoints(proxy.transcript(), (line) => /^\d{3}(?!-)/.test(line));
    // In the middle of the greeting and of the (multi-line) answer to EHLO.
    for (const [answer, step] of [[0, 'greeting'], [1, 'EHLO']] as const) {
      const middle = points.filter((p) => p.answer === answer)[1]!;
      proxy.stallAfter(middle.at, { trickleMs: 120 });
      const r = await run(desk, ['reply', String(id), '--message', `trickled ${step}`]);
      expect(r).toMatchObject({ code: 5, killed: false });
      expect(r.stderr).toMatch(new RegExp(`SMTP ${step} timed out after 900ms`));
      expect((await outbox(desk)).at(-1)!.state).toBe('queued');
    }
    proxy.stallAfter(Infinity);
  }, 60_000);

  it('that accepts and never greets: desk outbox flush tries once, exits 5 naming the greeting, keeps everything queued', async () => {
    const desk = deskOn(silent.port);
    const id = await newTicket(desk);
    for (const text of ['first', 'second']) {
      const r = await run(desk, ['reply', String(id), '--message', text]);
      expect(r).toMatchObject({ code: 5, killed: false });
      expect(r.stderr).toMatch(/SMTP greeting timed out after 900ms/);
    }
    const connections = silent.connections();
    const r = await run(desk, ['outbox', 'flush']);
    expect(r).toMatchObject({ code: 5, killed: false });
    expect(r.stderr).toMatch(/SMTP greeting timed out after 900ms/);
    // One silent server is not asked twice in one flush.
    expect(silent.connections() - connections).toBe(1);
    expect((await outbox(desk)).map((e) => e.state)).toEqual(['queued', 'queued']);
    // desk closed every connection it opened, though the server never closed its side.
    expect(silent.open()).toBe(0);
  }, 60_000);

  it('while notifying a lead: desk escalate --notify still escalates, and exits 5 naming the step', async () => {
    const desk = deskOn(silent.port, ['rules: ./rules.yaml']);
    writeFileSync(join(desk.dir, 'rules.yaml'), 'leads:\n  L3: l3-lead@desk.example\n');
    const id = await newTicket(desk);
    const r = await run(desk, ['escalate', String(id), '--to', 'L3', '--reason', 'custom work', '--notify']);
    expect(r).toMatchObject({ code: 5, killed: false });
    expect(r.stderr).toMatch(/SMTP greeting timed out after 900ms/);
    const show = await run(desk, ['show', String(id), '--json']);
    expect(JSON.parse(show.stdout).tier).toBe('L3');
  }, 30_000);

  it('smtp.timeoutSeconds is the limit of each step, and a bad value is refused before anything is written', async () => {
    const desk = deskOn(silent.port, ['  timeoutSeconds: 0.5']);
    delete desk.env.DESK_NET_TIMEOUT_MS;
    const id = await newTicket(desk);
    const r = await run(desk, ['reply', String(id), '--message', 'hello']);
    expect(r).toMatchObject({ code: 5, killed: false });
    expect(r.stderr).toMatch(/SMTP greeting timed out after 500ms/);

    // A bad value is found when the config is loaded: every command refuses it, before any write.
    for (const bad of ['0', '-3', 'soon', '[1]']) {
      const wrong = deskOn(silent.port, [`  timeoutSeconds: ${bad}`]);
      const refused = await run(wrong, ['new', '--from', 'joao@example.com', '--subject', 'Export fails', '--body', 'help']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('smtp.timeoutSeconds');
      expect(refused.stderr).toMatch(/number of seconds/);
      delete wrong.env.DESK_CONFIG;
      expect(JSON.parse((await run(wrong, ['list', '--all', '--json'])).stdout)).toEqual([]);
    }
    const badEnv = await runBounded(desk, ['reply', String(id), '--message', 'x'], { limitMs: BOUND_MS, env: { DESK_NET_TIMEOUT_MS: '1s' } });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain("invalid DESK_NET_TIMEOUT_MS: '1s'");
  }, 60_000);
});
