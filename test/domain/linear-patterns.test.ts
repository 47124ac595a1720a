// No pattern in desk may take more than linear time on what it reads: mail, headers, rules and
// import files come from strangers, and one regular expression that backtracks held `desk sync`
// (and its lock) for minutes on a 20 KB auto-reply. Two guards over every pattern in src/:
//  - a static analysis (scslre) that finds nested or adjacent quantifiers which can trade
//    characters, and patterns retried from every position of a long run: a new super-linear
//    pattern fails here with its place and the character that makes it slow;
//  - generated adversarial inputs, each pattern against long runs of each of its characters
//    (after the prefixes that get anchored patterns going; a megabyte of its own characters) and
//    against many blank lines, run in a worker under a deadline so that a catastrophic pattern
//    fails the test instead of hanging it.
import { Worker } from 'node:worker_threads';
import { analyse } from 'scslre';
import { scanSource } from '../helpers/regex-literals.js';

const { literals, constructed } = scanSource();

test('the source has regular expressions to check (the scanner works)', () => {
  expect(literals.length).toBeGreaterThan(150);
  expect(literals.some((l) => l.at.startsWith('src/mail/parse.ts:'))).toBe(true);
});

test('no regular expression literal in src/ is super-linear (static analysis)', () => {
  const findings = literals.flatMap((l) =>
    analyse({ source: l.source, flags: l.flags }).reports.map(
      (r) => `${l.at} /${l.source}/${l.flags}: ${r.type}${r.exponential ? ' (exponential)' : ''}, repeat ${JSON.stringify(r.character.pick)}`,
    ));
  expect(findings).toEqual([]);
});

test('patterns built at run time are only the reviewed ones', () => {
  // Each was checked by hand: keyword patterns (escaped words joined by \s+), the ticket tag in a
  // reply subject (digits), and the JavaScript syntax check of a lead's pattern (never run: lead
  // patterns run on RE2). A new `new RegExp(…)` must be reviewed and added here.
  expect([...new Set(constructed)].sort()).toEqual([
    'src/domain/rules/text-match.ts',
    'src/domain/rules/user-regex.ts',
    'src/mail/compose.ts',
  ]);
});

/** Runs in a worker: every pattern against every input; reports each pattern's start and end. */
const SWEEP = `
const { parentPort, workerData } = require('node:worker_threads');
const { patterns, n, big } = workerData;
// The bound: PER_INPUT_MS, or on a slow machine (or a busy one) three times what this machine
// takes for a plainly linear sweep of a megabyte with a match every three characters (the most
// work a linear pattern does per character here): a quadratic pattern on 40,000 characters
// takes seconds even on a fast machine.
const reference = '> \\n'.repeat(Math.ceil(big / 3));
const linearMs = Math.min(...[0, 1, 2].map(() => { const t = performance.now(); reference.replace(/\\n/g, ''); return performance.now() - t; }));
const bound = Math.max(workerData.perInputMs, 3 * linearMs);
parentPort.postMessage({ bound });
const GENERIC = [' ', '\\t', '\\n', '\\r', 'a', 'Z', '0', '\\u00a0', 'é', '.', ',', ';', '<', '>', '(', ')', '"', "'", '@', ':', '-', '=', '#', '[', ']', '/', '+', '\\\\'];
const PREFIXES = ['', 'x', 'a@', '<', '(', '> ', '\\n', 'Message-ID:', 'From: ', '[#1] '];
const cache = new Map();
const run = (c, size) => { const k = c + size; let r = cache.get(k); if (!r) { r = c.repeat(size); cache.set(k, r); } return r; };
const lines = (size) => [' \\n', '\\n', '\\r\\n', '> \\n', ' \\t\\n', '\\n\\n ', 'a\\n'].map((l) => run(l, Math.ceil(size / l.length)));
for (const [i, p] of patterns.entries()) {
  parentPort.postMessage({ start: i });
  const re = new RegExp(p.source, p.flags);
  const own = [...new Set(p.source)];
  const alphabet = [...new Set([...own, ...GENERIC])];
  const inputs = [];
  // every prefix with a run of every character, and a megabyte of each of the pattern's own
  // characters and of blank lines
  for (const prefix of PREFIXES) for (const c of alphabet) inputs.push(prefix + run(c, n) + '\\u0001');
  for (const c of own) inputs.push(run(c, big) + '\\u0001');
  inputs.push(...lines(n), ...lines(big));
  let slowest = 0, slowestInput = '';
  const time = (input) => { const t = performance.now(); re.lastIndex = 0; input.replace(re, ''); return performance.now() - t; };
  for (const input of inputs) {
    let ms = time(input);
    // A pause of the machine (a collection, a busy neighbour) passes; a super-linear pattern is
    // slow every time: an input over the bound is measured twice more and keeps its fastest run.
    if (ms > bound) ms = Math.min(ms, time(input), time(input));
    if (ms > slowest) { slowest = ms; slowestInput = JSON.stringify(input.slice(0, 24)) + '… (' + input.length + ' characters)'; }
  }
  parentPort.postMessage({ done: i, slowest, slowestInput, bound });
}
`;

test('every pattern in src/ reads adversarial runs (40,000 characters after each prefix, 1 MB of its own characters) in linear time', async () => {
  // A pattern written in several places (same source, same flags) behaves the same in each: it
  // is swept once, and a slow one is reported with every place it is written.
  const places = new Map<string, string[]>();
  for (const l of literals) {
    const key = `/${l.source}/${l.flags}`;
    places.set(key, [...(places.get(key) ?? []), l.at]);
  }
  const distinct = [...new Map(literals.map((l) => [`/${l.source}/${l.flags}`, l])).values()];
  const where = (l: (typeof literals)[number]) => `${places.get(`/${l.source}/${l.flags}`)!.join(', ')} /${l.source}/${l.flags}`;
  const patterns = distinct.map((l) => ({ source: l.source, flags: l.flags }));
  // 40,000 characters: a linear pattern reads them in well under a millisecond, a quadratic one
  // takes seconds (and a cubic one for ever); a megabyte takes a linear pattern milliseconds.
  // The bounds leave room for a busy machine (and the worker raises PER_INPUT_MS on a slow one).
  const PER_INPUT_MS = 500;
  const PER_PATTERN_DEADLINE_MS = 40_000;
  const slow: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const worker = new Worker(SWEEP, { eval: true, workerData: { patterns, n: 40_000, big: 1_000_000, perInputMs: PER_INPUT_MS } });
    let timer: NodeJS.Timeout | undefined;
    let finished = 0;
    worker.on('message', (m: { start?: number; done?: number; slowest?: number; slowestInput?: string; bound?: number }) => {
      clearTimeout(timer);
      if (m.start !== undefined) {
        const l = distinct[m.start]!;
        timer = setTimeout(() => {
          slow.push(`${where(l)}: still running after ${PER_PATTERN_DEADLINE_MS} ms`);
          void worker.terminate();
        }, PER_PATTERN_DEADLINE_MS);
      } else if (m.done !== undefined) {
        const l = distinct[m.done]!;
        if (m.slowest! > m.bound!) slow.push(`${where(l)}: ${Math.round(m.slowest!)} ms (bound ${Math.round(m.bound!)} ms) on ${m.slowestInput}`);
        if (++finished === distinct.length) void worker.terminate();
      }
    });
    worker.on('error', reject);
    worker.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  expect(slow).toEqual([]);
}, 300_000);
