// The program runs in-process: run(argv, io) with an Io that collects output, no child process,
// no patching of process.stdout. The exit code is returned, the messages go to the Io.
import { PassThrough, Readable } from 'node:stream';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { run } from '../../src/cli/program.js';
import type { Io } from '../../src/ui/io.js';
import { tempDesk, type TempDesk } from '../helpers/cli.js';

interface BufferIo extends Io {
  stdout: string;
  stderr: string;
}

function bufferIo(opts: { isTTY?: boolean; columns?: number; progress?: NodeJS.WritableStream | null; input?: string } = {}): BufferIo {
  const io: BufferIo = {
    stdout: '',
    stderr: '',
    out: (t) => void (io.stdout += t),
    err: (t) => void (io.stderr += t),
    isTTY: opts.isTTY ?? false,
    color: false,
    stdin: Readable.from([opts.input ?? '']),
    drain: () => Promise.resolve(),
    columns: opts.columns,
    rows: undefined,
    progress: opts.progress ?? null,
  };
  return io;
}

let desk: TempDesk;
const saved: Record<string, string | undefined> = {};

beforeAll(() => {
  desk = tempDesk();
  for (const key of ['DESK_DB', 'DESK_CONFIG', 'DESK_AGENT', 'DESK_NOW', 'NO_COLOR', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME']) {
    saved[key] = process.env[key];
    const value = key === 'DESK_NOW' ? '2026-03-30T08:30:00Z' : desk.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

afterAll(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  desk.cleanup();
});

test('commands run in-process: output and exit codes come back to the caller', async () => {
  const created = bufferIo();
  expect(await run(['new', '--from', 'Ana@Example.com', '--subject', 'Printer on fire', '--tag', 'hw', '--tag', 'urgent', '--json'], created)).toBe(0);
  const ticket = JSON.parse(created.stdout);
  expect(ticket).toMatchObject({ subject: 'Printer on fire', tags: ['hw', 'urgent'], requester: { email: 'ana@example.com' } });

  const listed = bufferIo();
  expect(await run(['list', '--tag', 'hw'], listed)).toBe(0);
  expect(listed.stdout.split('\n')[1]).toMatch(new RegExp(`^#${ticket.id}\\t.*Printer on fire`));
  expect(listed.stderr).toBe('');

  const version = bufferIo();
  expect(await run(['--version'], version)).toBe(0);
  expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
});

test('each error class ends as its message on the Io and its exit code', async () => {
  const unknown = bufferIo();
  expect(await run(['list', '--colour'], unknown)).toBe(2);
  expect(unknown.stderr).toContain("desk: unknown option '--colour'");
  expect(unknown.stdout).toBe('');

  const missing = bufferIo();
  expect(await run(['new', '--subject', 'no sender'], missing)).toBe(2);
  expect(missing.stderr).toContain("required option '--from <email>' not specified");

  const notFound = bufferIo();
  expect(await run(['show', '9999'], notFound)).toBe(3);
  expect(notFound.stderr).toBe('desk: no ticket #9999\n');

  const badId = bufferIo();
  expect(await run(['reopen', 'abc'], badId)).toBe(2); // (close abc is a query: a bulk change)
  expect(badId.stderr).toContain("invalid ticket id 'abc'");
});

test('a table fits the width the Io gives, not the width of the process', async () => {
  const wide = bufferIo({ isTTY: true, columns: 200 });
  expect(await run(['list'], wide)).toBe(0);
  const narrow = bufferIo({ isTTY: true, columns: 80 });
  expect(await run(['list'], narrow)).toBe(0);
  const widest = (text: string) => Math.max(...text.split('\n').map((l) => l.length));
  expect(widest(narrow.stdout)).toBeLessThanOrEqual(80);
  expect(narrow.stdout).not.toContain('Requester'); // the column dropped first on a narrow screen
  expect(widest(wide.stdout)).toBeGreaterThan(80);
  expect(wide.stdout).toContain('Requester');
  expect(narrow.stdout).toContain('#1');
});

test('progress goes to the Io progress stream, and nowhere when it has none', async () => {
  // A file over the size that earns a progress bar (1 MB): a few tickets with long messages.
  const file = join(desk.dir, 'big.jsonl');
  const line = (i: number) => JSON.stringify({
    subject: `Imported ${i}`, requester: { email: `c${i}@example.com` },
    messages: [{ direction: 'in', from: `c${i}@example.com`, date: '2026-03-27T14:00:00Z', text: 'x'.repeat(100_000) }],
  });
  writeFileSync(file, Array.from({ length: 12 }, (_, i) => line(i)).join('\n') + '\n');

  // A terminal-like stream: what cli-progress needs of one.
  const screen = Object.assign(new PassThrough(), {
    isTTY: true, columns: 80,
    cursorTo: (_x: number, _y?: unknown, cb?: () => void) => (typeof cb === 'function' && cb(), true),
    clearLine: (_d: number, cb?: () => void) => (cb?.(), true),
    moveCursor: (_x: number, _y: number, cb?: () => void) => (cb?.(), true),
  });
  let drawn = '';
  screen.on('data', (d) => (drawn += d));
  const withBar = bufferIo({ progress: screen });
  expect(await run(['import', file], withBar)).toBe(0);
  expect(drawn).toContain('importing [');
  expect(withBar.stdout + withBar.stderr).not.toContain('importing [');

  const file2 = join(desk.dir, 'big2.jsonl');
  writeFileSync(file2, Array.from({ length: 12 }, (_, i) => line(i + 100)).join('\n') + '\n');
  const noBar = bufferIo({ progress: null });
  expect(await run(['import', file2], noBar)).toBe(0);
  expect(noBar.stdout + noBar.stderr).not.toContain('importing [');
});
