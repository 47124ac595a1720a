import { Readable } from 'node:stream';
import { painter, printTable } from '../../src/ui/output.js';
import type { Io } from '../../src/ui/io.js';

function tty(columns?: number): Io & { text: () => string } {
  let out = '';
  return {
    out: (t) => void (out += t), err: () => undefined, isTTY: true, color: true, columns, rows: undefined, progress: null,
    stdin: Readable.from(['']), drain: () => Promise.resolve(), text: () => out,
  };
}

test('on a terminal: our colours survive, escape codes inside the data do not', async () => {
  const io = tty();
  const p = await painter(io);
  await printTable(io, ['Pri', 'Subject'], [['urgent', 'evil \u001b[2J subject']], { style: (_r, c, t) => (c === 0 ? p.red(t) : t) });
  expect(io.text()).toContain('\u001b[31murgent\u001b[39m');
  expect(io.text()).toContain('evil ^[[2J subject');
  expect(io.text()).not.toContain('\u001b[2J');
});

test('a narrow terminal drops the columns named first, keeps the rest', async () => {
  const io = tty(40);
  await printTable(io, ['ID', 'Requester', 'Subject'], [['#1', 'someone@example.com', 'Hello']], { colWidths: [6, 30, null], dropOrder: [1] });
  expect(io.text()).not.toContain('Requester');
  expect(io.text()).toContain('Hello');
  expect(Math.max(...io.text().replace(/\u001b\[\d+m/g, '').split('\n').map((l) => l.length))).toBeLessThanOrEqual(40);
});
