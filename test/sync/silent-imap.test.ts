// An IMAP server that stops talking must never keep desk waiting (issue #10, section 3): desk
// sync, its outbox flush, desk sync --watch (IDLE) and the Sent-folder check each end within their
// step limit, exit 5 (or, in --watch, retry) naming the step, and lose nothing. Real Dovecot behind
// a proxy that goes silent after N bytes (at every answer of a recorded conversation, and in the
// middle of each), and a server that accepts and never speaks.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { onPostgres } from '../helpers/backend.js';
import { BIN, tempDesk, tempDeskFrom, type TempDesk } from '../helpers/cli.js';
import { startDovecot, type Dovecot, type MailUser } from '../helpers/dovecot.js';
import { acrossStallingProxies, runBounded, startSilentServer, startStallingProxy, stallPoints, waitUntil, type SilentServer, type StallingProxy } from '../helpers/misbehaving-servers.js';
import { createRng, plainMessage } from '../helpers/mailgen.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

const SUPPORT = 'support@desk.test';
const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';
/**
 * Every network step's limit (DESK_NET_TIMEOUT_MS): short, yet long enough that a loaded machine's
 * answers come within it (a greeting took over 900 ms in CI); one that does not is run again
 * (everyStall). LIMIT_TEXT: as desk writes it.
 */
const LIMIT_MS = 2000;
const LIMIT_TEXT = '2s';
const BOUND_MS = 15_000; // a run that lives longer than this is a hang
/** Reaching IDLE means starting desk and a first sync: on a loaded machine (and on PostgreSQL) that alone can take a while. */
const TO_IDLE_MS = 45_000;
const T0 = '2026-03-30T08:00:00Z';

let dovecot: Dovecot;
let login: MailUser;
let proxy: StallingProxy;
/** the proxies of stalled runs run side by side (everyStall) */
const proxies: StallingProxy[] = [];
let silent: SilentServer;
let smtp: TestSmtp;
const desks: TempDesk[] = [];

beforeAll(async () => {
  dovecot = await startDovecot();
  login = await dovecot.addUser(SUPPORT, 'imap-secret');
  const rng = createRng(10);
  await dovecot.deliver(login.user, [1, 2, 3].map(() => plainMessage({ rng, to: SUPPORT }).raw));
  proxy = await startStallingProxy({ host: dovecot.host, port: dovecot.port });
  silent = await startSilentServer();
  smtp = await startTestSmtp();
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all(proxies.map((p) => p.close()));
  await silent?.close();
  await smtp?.close();
  for (const d of desks) d.cleanup();
  await dovecot?.stop();
});

/** A desk whose account is at `imapPort`; its store new, or a copy of `opts.from`'s. */
function deskOn(imapPort: number, opts: { smtpPort?: number; sentMailbox?: boolean; now?: string; from?: TempDesk } = {}): TempDesk {
  const env = { [PASSWORD_ENV]: login.password, DESK_NET_TIMEOUT_MS: String(LIMIT_MS), DESK_NOW: opts.now ?? T0 };
  const desk = opts.from ? tempDeskFrom(opts.from, env) : tempDesk(env);
  desks.push(desk);
  writeFileSync(desk.config, [
    'agent: ana',
    'accounts:',
    '  - name: support',
    '    host: 127.0.0.1',
    `    port: ${imapPort}`,
    '    secure: false',
    `    user: ${login.user}`,
    `    passwordEnv: ${PASSWORD_ENV}`,
    `    address: ${SUPPORT}`,
    ...(opts.sentMailbox ? ['    sentMailbox: Sent'] : []),
    ...(opts.smtpPort ? ['smtp:', '  host: 127.0.0.1', `  port: ${opts.smtpPort}`, '  secure: false', `  from: ${SUPPORT}`] : []),
    '',
  ].join('\n'));
  return desk;
}

const run = (desk: TempDesk, args: string[], env: Record<string, string> = {}) => runBounded(desk, args, { limitMs: BOUND_MS, env });

async function ticketCount(desk: TempDesk): Promise<number> {
  const r = await run(desk, ['list', '--json', '--status', 'new,open,pending,on_hold,solved,closed']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).length;
}

/** tag → command (`UID FETCH`, `LOGIN`…) of what the client sent. */
function commandsByTag(client: Buffer): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of client.toString('latin1').split('\r\n')) {
    const m = /^([A-Za-z0-9.]+) (UID [A-Za-z]+|[A-Za-z]+)\b/.exec(line);
    if (m) map.set(m[1]!, m[2]!.toUpperCase());
  }
  return map;
}

const TAGGED = (line: string) => /^[A-Za-z0-9.]+ (OK|NO|BAD)\b/i.test(line);

/** How many stalled runs wait on their step limit at once (each on a proxy of its own). */
const AT_ONCE = 3;
/** How often a stall point is run when its run keeps failing before the proxy goes silent. */
const UNSTALLED_TRIES = 3;

/**
 * Records one clean run of `args` through the proxy, then replays it once per stall point with a
 * fresh desk each time (`fresh(port)`, its account at that port), checking: the run ends well
 * within the bound, and exits 5 naming the step that was cut short — except when only the answer
 * to LOGOUT is missing. A stalled run spends most of its time waiting out its step limit, so
 * AT_ONCE of them run side by side, each through a proxy of its own that goes silent at its point.
 * Returns the desks of the stalled runs, in the order of their points (each proxy talks on again).
 */
async function everyStall(fresh: (port: number) => TempDesk, args: string[]): Promise<TempDesk[]> {
  proxy.stallAfter(Infinity);
  const clean = await run(fresh(proxy.port), args);
  expect(clean.code).toBe(0);
  const transcript = proxy.transcript();
  const tags = commandsByTag(proxy.clientTranscript());
  const greetingEnd = transcript.indexOf('\r\n') + 2;
  const points = stallPoints(transcript, TAGGED);
  expect(points.length).toBeGreaterThanOrEqual(6);
  const commandOf = (point: (typeof points)[number]) => tags.get(point.line.split(' ')[0]!) ?? '?';
  const stepOf = (point: (typeof points)[number] | undefined) => (point === undefined ? null : point.at < greetingEnd ? 'greeting' : commandOf(point));
  // Every point on SQLite; on PostgreSQL (where only what a cut-short sync leaves in the store can
  // differ) the last of each step's run of points: in the middle of its last answer.
  const tried = onPostgres() ? points.filter((p, i) => stepOf(p) !== stepOf(points[i + 1])) : points;
  const { results: runs, proxies: used } = await acrossStallingProxies(dovecot, AT_ONCE, tried, proxies, async (point, own) => {
    own.stallAtAnswer(point, TAGGED); // counted in answers: Dovecot's vary in length from run to run
    // A run that failed before its proxy went silent met a step that was merely slow (on a loaded
    // machine a greeting can take longer than LIMIT_MS): not the case under test, so it runs again
    // (its last try is judged as it is).
    for (let attempt = 1; ; attempt++) {
      const stallsBefore = own.stalls();
      const desk = fresh(own.port);
      const r = await run(desk, args);
      if (r.code === 0 || own.stalls() > stallsBefore || attempt === UNSTALLED_TRIES) return { desk, r };
    }
  });
  for (const own of used) own.stallAfter(Infinity); // talking again, for a rerun of its desks
  tried.forEach((point, i) => {
    const { r } = runs[i]!;
    const command = commandOf(point);
    const step = stepOf(point)!;
    const what = `stalled at byte ${point.at} (${step}; answer "${point.line.slice(0, 60)}"): exit ${r.code} after ${r.ms}ms: ${r.stderr}`;
    expect({ what, killed: r.killed }).toEqual({ what, killed: false });
    if (command === 'LOGOUT' && step !== 'greeting') {
      expect({ what, code: r.code }).toEqual({ what, code: 0 }); // all done but the goodbye
      return;
    }
    expect({ what, code: r.code }).toEqual({ what, code: 5 });
    expect({ what, named: new RegExp(`IMAP ${step} timed out after ${LIMIT_TEXT}`).test(r.stderr) }).toEqual({ what, named: true });
  });
  return runs.map((x) => x.desk);
}

/** A failed wait on `desk sync --watch`, explained: what it printed, and the end of its first conversation. */
function whyNot(what: string, child: ChildProcess, output: string): string {
  const tail = (b: Buffer) => b.toString('latin1').slice(-800);
  return `${what} (exit ${child.exitCode}, ${child.signalCode ?? 'no signal'})\nits output:\n${output || '(none)'}\n`
    + `the client last sent:\n${tail(proxy.clientTranscript())}\nthe server last said:\n${tail(proxy.transcript())}`;
}

describe('an IMAP server that goes silent', () => {
  it('at any answer of a first sync, or in its middle: desk sync exits 5 naming the step, and the next sync gets every message', async () => {
    const stalled = await everyStall((port) => deskOn(port), ['sync', '--quiet']);
    // The desk of the last stalled run: a rerun against the server, talking again, has it all.
    const last = stalled.at(-1)!;
    const r = await run(last, ['sync', '--quiet']);
    expect(r.code).toBe(0);
    expect(await ticketCount(last)).toBe(3);
  }, 180_000);

  it('at any answer of the quick status check of a later sync: desk sync exits 5 naming the step', async () => {
    // An up-to-date desk asks only LOGIN + STATUS (no full client): stall that conversation.
    const synced = deskOn(dovecot.port);
    expect((await run(synced, ['sync', '--quiet'])).code).toBe(0);
    await everyStall((port) => deskOn(port, { from: synced }), ['sync', '--quiet']);
  }, 120_000);

  it('that trickles a message a byte at a time in the middle of a FETCH: desk sync still ends on time', async () => {
    proxy.stallAfter(Infinity);
    expect((await run(deskOn(proxy.port), ['sync', '--quiet'])).code).toBe(0);
    const tags = commandsByTag(proxy.clientTranscript());
    const fetch = stallPoints(proxy.transcript(), TAGGED).filter((p) => tags.get(p.line.split(' ')[0]!) === 'UID FETCH')[1]!;
    proxy.stallAtAnswer(fetch, TAGGED, { trickleMs: 40 });
    const r = await run(deskOn(proxy.port), ['sync', '--quiet']);
    proxy.stallAfter(Infinity);
    expect(r).toMatchObject({ code: 5, killed: false });
    expect(r.stderr).toMatch(new RegExp(`IMAP UID FETCH timed out after ${LIMIT_TEXT}`));
  }, 30_000);

  it('that accepts and never greets: desk sync exits 5 at once naming the greeting, and hangs up', async () => {
    const desk = deskOn(silent.port);
    const r = await run(desk, ['sync']);
    expect(r).toMatchObject({ code: 5, killed: false });
    expect(r.stderr).toMatch(new RegExp(`account support: IMAP greeting timed out after ${LIMIT_TEXT}`));
    expect(silent.open()).toBe(0);
  }, 30_000);

  it('in IDLE: desk sync --watch notices with the keep-alive, says which step, and tries again', async () => {
    // The server goes silent right after it acknowledges IDLE ("+ idling"), wherever that falls:
    // its earlier answers are not the same length each time (Dovecot adds a third figure to
    // "(0.001 + 0.000 secs)" when a command waited), so no byte count can say where.
    proxy.stallAfterText('+ idling\r\n');
    const desk = deskOn(proxy.port);
    const child = spawn(process.execPath, [BIN, 'sync', '--watch', '--quiet'], { env: desk.env, cwd: desk.dir });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const noticed = new RegExp(`IMAP IDLE keep-alive \\(DONE\\) timed out after ${LIMIT_TEXT}[^\\n]*trying again`);
    await waitUntil(() => noticed.test(stderr) || child.exitCode !== null, TO_IDLE_MS);
    if (!noticed.test(stderr)) {
      child.kill('SIGKILL');
      throw new Error(whyNot(`desk sync --watch did not report IDLE's keep-alive timing out within ${TO_IDLE_MS}ms (the server went silent after "+ idling")`, child, stderr));
    }
    const started = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    proxy.stallAfter(Infinity);
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
  }, 120_000);

  it('the outbox flush of desk sync against a silent SMTP server: exit 5 naming the SMTP step; the mail is synced, the reply stays queued', async () => {
    const desk = deskOn(dovecot.port, { smtpPort: silent.port });
    const created = await run(desk, ['new', '--from', 'joao@example.com', '--subject', 'Export fails', '--body', 'help', '--json']);
    const reply = await run(desk, ['reply', String(JSON.parse(created.stdout).id), '--message', 'here you go']);
    expect(reply).toMatchObject({ code: 5, killed: false });
    // Two minutes later the back-off is over: desk sync tries the outbox again after the mail.
    const sync = await run(desk, ['sync', '--quiet'], { DESK_NOW: '2026-03-30T08:02:00Z' });
    expect(sync).toMatchObject({ code: 5, killed: false });
    expect(sync.stderr).toMatch(new RegExp(`SMTP greeting timed out after ${LIMIT_TEXT}`));
    expect(await ticketCount(desk)).toBe(4);
    const entries = JSON.parse((await run(desk, ['outbox', '--json'])).stdout);
    expect(entries.map((e: { state: string; attempts: number }) => [e.state, e.attempts])).toEqual([['queued', 2]]);
  }, 30_000);

  it('while the Sent folder is searched: desk outbox flush keeps the reply of unknown fate, exits 5 naming the step', async () => {
    smtp.behave({ kind: 'stall-after-data' });
    const desk = deskOn(silent.port, { smtpPort: smtp.port, sentMailbox: true });
    const created = await run(desk, ['new', '--from', 'joao@example.com', '--subject', 'Export fails', '--body', 'help', '--json']);
    const id = JSON.parse(created.stdout).id;
    const reply = await run(desk, ['reply', String(id), '--message', 'here you go']);
    expect(reply.code).toBe(5);
    expect(reply.stderr).toMatch(/SMTP end of DATA timed out/);
    smtp.behave({ kind: 'accept' });
    // Eleven minutes later the Sent folder may be asked (it is given ten to file the mail).
    const flush = await run(desk, ['outbox', 'flush'], { DESK_NOW: '2026-03-30T08:11:00Z' });
    expect(flush).toMatchObject({ code: 5, killed: false });
    expect(flush.stderr).toMatch(new RegExp(`Sent folder[^\\n]*IMAP greeting timed out after ${LIMIT_TEXT}`));
    const entries = JSON.parse((await run(desk, ['outbox', '--json'])).stdout);
    expect(entries.map((e: { state: string }) => e.state)).toEqual(['unknown']);
    expect(smtp.received).toHaveLength(0); // not resent blindly
  }, 30_000);
});
