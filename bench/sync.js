// Mailbox sync benchmark (issue "Mailbox sync"): the same 20,000-message mailbox on a local
// Dovecot, pulled by mbsync (Debian's isync, default settings) into a maildir and by `desk sync`
// into a fresh database, in one run on one machine; then a run of each with nothing new.
// Goals: full sync ≤ 0.6× mbsync; no-op sync ≤ 4× mbsync's no-op.
//
// Needs: dovecot-imapd and isync installed, `npm run build` done. The mailbox and the desks are
// bench/mailbox.js's, shared with the library patches' benchmark (bench/patches.js).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESK, ratio } from './lib.js';
import { benchDesk, benchMailbox, median, timed } from './mailbox.js';

const COUNT = Number(process.env.BENCH_MESSAGES ?? 20_000);
const FULL_RUNS = Number(process.env.BENCH_FULL_RUNS ?? 3);
const NOOP_RUNS = Number(process.env.BENCH_NOOP_RUNS ?? 7);
const SEED = 20_000;

function mbsyncConfig(dir, port, login) {
  // Only what is needed to reach the server and say where the maildir is; the rest is isync's defaults.
  return `IMAPAccount bench
Host 127.0.0.1
Port ${port}
User ${login.user}
Pass ${login.password}
SSLType None
AuthMechs LOGIN

IMAPStore bench-far
Account bench

MaildirStore bench-near
Path ${dir}/maildir/
Inbox ${dir}/maildir/INBOX

Channel bench
Far :bench-far:
Near :bench-near:
Patterns INBOX
Create Near
SyncState *
`;
}

if (spawnSync('mbsync', ['--version']).error) {
  console.error('the sync benchmark compares with mbsync: install it with apt-get install -y isync');
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'desk-bench-sync-'));
const mailbox = await benchMailbox(COUNT, SEED);
const { server, login, bytes } = mailbox;
try {
  const env = { ...process.env, NO_COLOR: '1' };
  const deskRun = (i) => benchDesk(join(work, `desk-${i}`), mailbox);
  const mbsyncRun = (i) => {
    const dir = join(work, `mbsync-${i}`);
    mkdirSync(join(dir, 'maildir'), { recursive: true });
    writeFileSync(join(dir, 'mbsyncrc'), mbsyncConfig(dir, server.port, login));
    return ['-c', join(dir, 'mbsyncrc'), 'bench'];
  };

  const mbFull = [];
  const deskFull = [];
  let lastDesk = null;
  let lastMb = null;
  let report = '';
  for (let i = 0; i < FULL_RUNS; i++) {
    lastMb = mbsyncRun(i);
    mbFull.push(timed('mbsync', ['-q', ...lastMb], env).ms);
    lastDesk = deskRun(i);
    const r = timed(process.execPath, [DESK, 'sync', '--json'], lastDesk);
    deskFull.push(r.ms);
    report = r.stdout.trim();
  }
  const mbNoop = [];
  const deskNoop = [];
  for (let i = 0; i < NOOP_RUNS; i++) {
    mbNoop.push(timed('mbsync', ['-q', ...lastMb], env).ms);
    deskNoop.push(timed(process.execPath, [DESK, 'sync', '--quiet'], lastDesk).ms);
  }

  const full = { mb: median(mbFull), desk: median(deskFull) };
  const noop = { mb: median(mbNoop), desk: median(deskNoop) };
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`mailbox: ${COUNT} generated messages (${(bytes / 1e6).toFixed(1)} MB), Dovecot on 127.0.0.1; medians of ${FULL_RUNS} full and ${NOOP_RUNS} no-op runs`);
  console.log(`desk sync reported: ${report}`);
  console.log(`mbsync full                 ${s(full.mb)}`);
  console.log(`desk sync full              ${s(full.desk)}   ${ratio(full.desk, full.mb)} mbsync (goal ≤ 0.6×)`);
  console.log(`mbsync no-op                ${s(noop.mb)}`);
  console.log(`desk sync no-op             ${s(noop.desk)}   ${ratio(noop.desk, noop.mb)} mbsync no-op (goal ≤ 4×)`);
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
