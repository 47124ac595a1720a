// The library patches' own gains (README "Libraries"): the same 20,000-message sync as
// bench/sync.js, by desk as built (every patch in patches/) and by desk built without one patch,
// one run of each in turn, repeated; medians. A patch whose own gain is not measurable here has no
// place in patches/. The folded-header patch is a safety fix: it is timed on a hostile header.
//
// Needs: dovecot-imapd, `npm install` done (patches applied). BENCH_MESSAGES, BENCH_PATCH_RUNS, BENCH_PATCHES.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { DESK, ROOT } from './lib.js';
import { benchDesk, benchMailbox, median } from './mailbox.js';
import { deskBuildOptions } from '../scripts/bundle.js';
import { copyWithout, isApplied, libraryPatch, libraryPatches } from '../scripts/library-patches.js';

const COUNT = Number(process.env.BENCH_MESSAGES ?? 20_000);
const RUNS = Number(process.env.BENCH_PATCH_RUNS ?? 5);
const SEED = 20_000;
const VARIANTS = join(ROOT, 'node_modules', '.cache', 'desk-bench', 'without');

/** desk built with `patch` taken out of its library; returns the path of its executable. */
async function deskWithout(patch) {
  const dir = join(VARIANTS, patch.name);
  rmSync(dir, { recursive: true, force: true });
  copyWithout(patch, dir);
  // Imports of the patched package resolve from `dir` (its copy without the patch) first.
  const redirect = {
    name: 'without-patch',
    setup(b) {
      const filter = new RegExp(`^${patch.pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(/|$)`);
      b.onResolve({ filter }, (args) => (args.pluginData === 'redirected' ? undefined
        : b.resolve(args.path, { kind: args.kind, resolveDir: dir, pluginData: 'redirected' })));
    },
  };
  await build(deskBuildOptions({ outdir: join(dir, 'dist'), plugins: [redirect] }));
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'bin', 'package.json'), '{ "type": "commonjs" }\n');
  writeFileSync(join(dir, 'bin', 'desk.js'), "require('../dist/desk.cjs');\n");
  return join(dir, 'bin', 'desk.js');
}

/**
 * Wall time and CPU time (user + system, ms) of desk's process. The desks live in memory where
 * possible (/dev/shm): the patches save CPU, and on a shared machine the disk's queue would drown it.
 */
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
function timedSync(bin, env, scratch) {
  const args = [bin, 'sync', '--quiet'];
  const t0 = process.hrtime.bigint();
  const r = TIME ? spawnSync(TIME, ['-f', '%U %S', '-o', scratch, process.execPath, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    : spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`desk sync failed (${r.status}): ${r.stderr}`);
  const cpu = TIME ? readFileSync(scratch, 'utf8').trim().split(/\s+/).slice(-2).reduce((a, x) => a + Number(x) * 1000, 0) : NaN;
  return { wall, cpu };
}

/** Parse time (ms, best of 3) of one message whose Subject is folded `folds` times. */
async function hostileHeaderMs(parserModule, folds) {
  const { default: PostalMime } = await import(pathToFileURL(parserModule).href);
  const raw = Buffer.from(`Subject: x${'\r\n y'.repeat(folds)}\r\nFrom: a@example.org\r\n\r\nbody\r\n`);
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    await PostalMime.parse(raw);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

const patches = libraryPatches();
const missing = patches.filter((p) => !isApplied(p));
if (missing.length) {
  console.error(`not applied in node_modules (run npm install): ${missing.map((p) => p.name).join(', ')}`);
  process.exit(1);
}
const desks = [{ name: 'all patches', bin: DESK }];
// BENCH_PATCHES=name,name: time only these (all by default).
const only = process.env.BENCH_PATCHES ? process.env.BENCH_PATCHES.split(',') : null;
for (const p of patches) if (!only || only.includes(p.name)) desks.push({ name: `without ${p.name}`, patch: p, bin: await deskWithout(p) });

const work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'desk-bench-patches-'));
const mailbox = await benchMailbox(COUNT, SEED);
try {
  const times = desks.map(() => []);
  for (let run = 0; run < RUNS; run++) {
    for (const [i, d] of desks.entries()) {
      const env = benchDesk(join(work, `${run}-${i}`), mailbox);
      times[i].push(timedSync(d.bin, env, join(work, 'time.txt')));
      rmSync(join(work, `${run}-${i}`), { recursive: true, force: true });
    }
  }
  const wall = times.map((ts) => median(ts.map((t) => t.wall)));
  const cpu = times.map((ts) => median(ts.map((t) => t.cpu)));
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const pct = (without, withIt) => `${(((without - withIt) / without) * 100).toFixed(1).padStart(5)}%`;
  console.log(`mailbox: ${COUNT} generated messages (${(mailbox.bytes / 1e6).toFixed(1)} MB); full sync into a desk in ${work.startsWith('/dev/shm') ? 'memory' : 'a temporary directory'}; medians of ${RUNS} runs of each desk, taken in turn`);
  console.log(`${''.padEnd(44)} ${'wall'.padStart(8)} ${'cpu'.padStart(8)}   the patch saves (wall, cpu)`);
  for (const [i, d] of desks.entries()) {
    const label = d.patch ? `without ${d.patch.pkg} ${d.patch.name}` : 'desk as built (every patch)';
    const saves = d.patch ? `   ${pct(wall[i], wall[0])} ${pct(cpu[i], cpu[0])}` : '';
    console.log(`${label.padEnd(44)} ${s(wall[i]).padStart(8)} ${s(cpu[i]).padStart(8)}${saves}   [cpu ${times[i].map((t) => (t.cpu / 1000).toFixed(2)).join(' ')}]`);
  }
} finally {
  await mailbox.server.stop();
  rmSync(work, { recursive: true, force: true });
}

// The folded-header fix: a safety fix, timed on the hostile input it is for.
const folded = libraryPatch('folded-headers');
const without = join(copyWithout(folded, join(VARIANTS, 'folded-headers-parse')), 'src', 'postal-mime.js');
const withIt = join(ROOT, 'node_modules', 'postal-mime', 'src', 'postal-mime.js');
for (const folds of [25_000, 50_000]) {
  const a = await hostileHeaderMs(withIt, folds);
  const b = await hostileHeaderMs(without, folds);
  console.log(`one header folded ${folds} times: parse ${a.toFixed(0)} ms patched, ${b.toFixed(0)} ms without folded-headers (${(b / a).toFixed(0)}×)`);
}
