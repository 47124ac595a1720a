// `desk sync` on a desk without mail accounts (tickets come from `desk new`, replies go out by
// SMTP): the cron line `desk sync --quiet` still delivers what waits in the outbox.
import { writeFileSync } from 'node:fs';
import { tempDesk, type RunResult, type TempDesk } from '../helpers/cli.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

let desk: TempDesk;
let smtp: TestSmtp;

// The outbox backs off after a failed attempt (1 min): the sync runs later than the reply.
const T0 = { env: { DESK_NOW: '2026-03-30T09:00:00Z' } };
const T1 = { env: { DESK_NOW: '2026-03-30T09:05:00Z' } };
const T2 = { env: { DESK_NOW: '2026-03-30T09:10:00Z' } };

function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
  return r;
}

beforeAll(async () => {
  smtp = await startTestSmtp();
  desk = tempDesk();
  writeFileSync(desk.config, `smtp: { host: ${smtp.host}, port: ${smtp.port}, secure: false, from: support@desk.example }\n`);
});
afterAll(async () => {
  desk.cleanup();
  await smtp.close();
});

test('with no accounts, sync sends the queued replies and exits 0; quiet prints nothing', async () => {
  const id = JSON.parse(ok(await desk.runAsync(['new', '--from', 'joao@example.com', '--subject', 'Phone call', '--body', 'x', '--json']), 'new').stdout).id;
  await smtp.stop();
  const reply = await desk.runAsync(['reply', String(id), '--message', 'Fixed, please retry.'], T0);
  expect(reply.code).toBe(5); // queued, the server is down
  await smtp.start();

  const sync = await desk.runAsync(['sync', '--quiet'], T1);
  expect(sync).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(smtp.received.map((m) => m.to)).toEqual([['joao@example.com']]);
  const outbox = JSON.parse(ok(await desk.runAsync(['outbox', '--all', '--json']), 'outbox').stdout);
  expect(outbox.map((e: { state: string }) => e.state)).toEqual(['sent']);

  // Not quiet, it says why no mailbox was pulled; a second run has nothing to send.
  const again = ok(await desk.runAsync(['sync'], T2), 'sync');
  expect(again.stderr).toContain('no mail accounts in the config');
  expect(smtp.received).toHaveLength(1);
});

test('with no accounts, a server that is down exits 5 and the reply stays queued; with no SMTP either, exit 2', async () => {
  const id = JSON.parse(ok(await desk.runAsync(['new', '--from', 'ana@example.com', '--subject', 'Form', '--body', 'x', '--json']), 'new').stdout).id;
  await smtp.stop();
  try {
    expect((await desk.runAsync(['reply', String(id), '--message', 'On it.'], T0)).code).toBe(5);
    const sync = await desk.runAsync(['sync', '--quiet'], T1);
    expect(sync.code).toBe(5);
    const outbox = JSON.parse(ok(await desk.runAsync(['outbox', '--json']), 'outbox').stdout);
    expect(outbox).toEqual([expect.objectContaining({ ticket_id: id, state: 'queued' })]);
  } finally {
    await smtp.start();
  }
  // Without an SMTP server either, there is nothing to do: a usage error, as before.
  const bare = tempDesk();
  try {
    writeFileSync(bare.config, 'agent: ana\n');
    const r = await bare.runAsync(['sync', '--quiet']);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('no mail accounts in the config')]);
    expect((await desk.runAsync(['sync', '--account', 'support'])).code).toBe(2); // an account that does not exist
  } finally {
    bare.cleanup();
  }
});
