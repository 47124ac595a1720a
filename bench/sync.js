// Mailbox sync benchmark (issue "Mailbox sync"): the same 20,000-message mailbox on a local
// Dovecot, pulled by mbsync (Debian's isync, default settings) into a maildir and by `desk sync`
// into a fresh database, in one run on one machine; then a run of each with nothing new.
// Goals: full sync ≤ 0.6× mbsync; no-op sync ≤ 4× mbsync's no-op.
//
// Needs: dovecot-imapd and isync installed, `npm run build` done. The test helpers that start
// Dovecot and generate mail are TypeScript; they are bundled here with esbuild (a dev dependency)
// into node_modules/.cache so that their own imports resolve.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { DESK, ROOT, initDesk, ratio } from './lib.js';

const COUNT = Number(process.env.BENCH_MESSAGES ?? 20_000);
const FULL_RUNS = Number(process.env.BENCH_FULL_RUNS ?? 3);
const NOOP_RUNS = Number(process.env.BENCH_NOOP_RUNS ?? 7);
const SEED = 20_000;
const SUPPORT = 'support@desk.test';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall time (ms) of one run; fails loudly, the benchmark must not time an error. */
function timed(cmd, args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}\n${r.stdout}`);
  return { ms, stdout: r.stdout.toString() };
}

async function loadHelpers() {
  const out = join(ROOT, 'node_modules', '.cache', 'desk-bench');
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: { dovecot: join(ROOT, 'test/helpers/dovecot.ts'), mailgen: join(ROOT, 'test/helpers/mailgen.ts') },
    bundle: true, format: 'esm', platform: 'node', target: 'node20', outdir: out, outExtension: { '.js': '.mjs' },
    packages: 'external', logLevel: 'warning',
  });
  const dovecot = await import(pathToFileURL(join(out, 'dovecot.mjs')).href);
  const mailgen = await import(pathToFileURL(join(out, 'mailgen.mjs')).href);
  return { ...dovecot, ...mailgen };
}

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
const helpers = await loadHelpers();
const work = mkdtempSync(join(tmpdir(), 'desk-bench-sync-'));
const server = await helpers.startDovecot();
try {
  const login = await server.addUser('bench@desk.test', 'bench-secret');
  const mails = helpers.generateMailbox(COUNT, SEED, { to: SUPPORT });
  await server.deliver(login.user, mails.map((m) => m.raw));
  const bytes = mails.reduce((n, m) => n + m.raw.length, 0);

  // Warm up Dovecot (its index of the maildir) and the page cache, so that neither tool pays for it.
  const warm = await server.client(login);
  await warm.mailboxOpen('INBOX', { readOnly: true });
  for await (const _ of warm.fetch('1:*', { uid: true, source: true }, { uid: true })) { /* read it all once */ }
  await warm.logout();

  const env = { ...process.env, NO_COLOR: '1', DESK_AGENT: 'bench', DESK_BENCH_PASSWORD: login.password };
  const deskRun = (i) => {
    const dir = join(work, `desk-${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.yaml'), [
      'accounts:', '  - name: support', '    host: 127.0.0.1', `    port: ${server.port}`, '    secure: false',
      `    user: ${login.user}`, '    passwordEnv: DESK_BENCH_PASSWORD', '    mailbox: INBOX', `    address: ${SUPPORT}`, '    queue: tech', '',
    ].join('\n'));
    const deskEnv = { ...env, DESK_DB: join(dir, 'desk.db'), DESK_CONFIG: join(dir, 'config.yaml'), HOME: dir, XDG_CONFIG_HOME: join(dir, 'config') };
    initDesk(deskEnv);
    return deskEnv;
  };
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
