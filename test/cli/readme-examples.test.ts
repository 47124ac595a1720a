// The README's runnable examples (fenced blocks tagged `sh example`), run exactly as written in
// a fresh home directory with `desk` on the PATH: what the README promises a new user works.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from '../helpers/cli.js';

interface Example {
  line: number;
  command: string;
}

/** The commands of every `sh example` block, continuation lines joined, comments kept (sh drops them). */
export function readmeExamples(text: string): Example[][] {
  const blocks: Example[][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```sh\s+example\s*$/.test(lines[i]!)) continue;
    const block: Example[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.startsWith('```'); j++) {
      const start = j;
      let command = lines[j]!;
      while (command.endsWith('\\') && j + 1 < lines.length) command = command.slice(0, -1) + lines[++j]!;
      if (command.trim()) block.push({ line: start + 1, command });
    }
    blocks.push(block);
    i = j;
  }
  return blocks;
}

let home: string;
let env: Record<string, string>;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'desk-readme-'));
  const bin = join(home, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'desk'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(join(bin, 'desk'), 0o755);
  // A new user's machine: nothing but a home directory; no DESK_DB, no DESK_CONFIG. The clock is
  // fixed (a Wednesday morning): the demo desk is made relative to now, and what the examples
  // find in it must not depend on the hour the suite runs.
  env = {
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: home, USER: 'newcomer', DESK_AGENT: 'newcomer', NO_COLOR: '1', TZ: 'UTC',
    DESK_NOW: '2026-11-25T10:30:00Z',
  };
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

test('the README has runnable examples, the quick start first', () => {
  const blocks = readmeExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  expect(blocks[0]![0]!.command).toMatch(/desk init --demo/);
});

test('every README example runs as written, and each command after init sees the desk init made', () => {
  const blocks = readmeExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  for (const block of blocks) {
    for (const { line, command } of block) {
      const r = spawnSync('/bin/sh', ['-c', command], { env, cwd: home, encoding: 'utf8' });
      const where = `README.md:${line} \`${command}\` exited ${r.status}:\n${r.stderr}`;
      expect({ where, code: r.status }).toEqual({ where, code: 0 });
      // An empty desk answers "no tickets match" on stderr with exit 0: that is a failure here.
      expect({ where, stderr: /no tickets match|nothing matches/.test(r.stderr) }).toEqual({ where, stderr: false });
      if (/^desk (list|search|show)\b/.test(command)) expect({ where, printed: r.stdout.trim().length > 0 }).toEqual({ where, printed: true });
    }
  }
});
