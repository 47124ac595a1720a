// Shared by the sync benchmarks (sync.js, patches.js): a local Dovecot holding the same generated
// mailbox, and fresh desks configured to sync it. The test helpers that start Dovecot and generate
// mail are TypeScript; they are bundled here with esbuild (a dev dependency) into
// node_modules/.cache so that their own imports resolve.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT, initDesk } from './lib.js';

export const SUPPORT = 'support@desk.test';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall time (ms) of one run; fails loudly, the benchmark must not time an error. */
export function timed(cmd, args, env) {
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

/** Dovecot with `count` generated messages (a fixed seed: the same mailbox every time), warmed up. */
export async function benchMailbox(count, seed) {
  const helpers = await loadHelpers();
  const server = await helpers.startDovecot();
  try {
    const login = await server.addUser('bench@desk.test', 'bench-secret');
    const mails = helpers.generateMailbox(count, seed, { to: SUPPORT });
    await server.deliver(login.user, mails.map((m) => m.raw));
    const bytes = mails.reduce((n, m) => n + m.raw.length, 0);
    // Warm up Dovecot (its index of the maildir) and the page cache, so that no run pays for it.
    const warm = await server.client(login);
    await warm.mailboxOpen('INBOX', { readOnly: true });
    for await (const _ of warm.fetch('1:*', { uid: true, source: true }, { uid: true })) { /* read it all once */ }
    await warm.logout();
    return { server, login, bytes };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** A fresh desk in `dir` whose one account is the bench mailbox; returns the environment to run it with. */
export function benchDesk(dir, { server, login }) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.yaml'), [
    'accounts:', '  - name: support', '    host: 127.0.0.1', `    port: ${server.port}`, '    secure: false',
    `    user: ${login.user}`, '    passwordEnv: DESK_BENCH_PASSWORD', '    mailbox: INBOX', `    address: ${SUPPORT}`, '    queue: tech', '',
  ].join('\n'));
  const env = {
    ...process.env, NO_COLOR: '1', DESK_AGENT: 'bench', DESK_BENCH_PASSWORD: login.password,
    DESK_DB: join(dir, 'desk.db'), DESK_CONFIG: join(dir, 'config.yaml'), HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'),
  };
  initDesk(env);
  return env;
}
