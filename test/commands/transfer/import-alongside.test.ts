// Another desk writing while an import runs: the import's next batch sees what it wrote, so a
// line asking for an id the other desk took meanwhile is renumbered, never refused by the database.
import { spawn } from 'node:child_process';
import { storeQuery } from '../../helpers/backend.js';
import { BIN, tempDesk, type TempDesk } from '../../helpers/cli.js';

const BATCH = 10_000; // tickets per import transaction (src/commands/transfer/import-batches.ts)
let desk: TempDesk;
afterEach(() => desk?.cleanup());

const line = (id: number, subject: string) =>
  JSON.stringify({ id, subject, requester: { email: 'ana@example.com' }, created_at: '2026-03-01T10:00:00Z' }) + '\n';

async function until(what: string, check: () => boolean, ms = 60_000, said = () => ''): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${said() ? `; the import said: ${said()}` : ''}`);
    await new Promise((r) => setImmediate(r));
  }
}

it('renumbers a line whose id another desk took between two batches', async () => {
  desk = tempDesk();
  const child = spawn(process.execPath, [BIN, 'import', '-'], { env: desk.env, cwd: desk.dir });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exit = new Promise<number>((res) => child.on('close', (code) => res(code ?? -1)));

  // A first batch of tickets #101 … #10100: the database's largest id is then 10100.
  child.stdin.write(Array.from({ length: BATCH }, (_, i) => line(101 + i, `first ${i}`)).join(''));
  const count = () => storeQuery<{ n: number }>(desk.db, 'select count(*) as n from tickets')[0]!.n;
  await until('the first batch to commit', () => count() === BATCH);
  // Another desk imports ticket #5, below every id the running import has written.
  const other = await desk.runAsync(['import', '-'], { input: line(5, 'from the other desk') });
  expect(other.code).toBe(0);
  child.stdin.end(line(5, 'asks for #5 too'));
  expect(await exit).toBe(0);
  expect(stderr).toContain('line 10001: ticket #5 already exists; imported as #10101');
  const rows = storeQuery(desk.db, 'select id, subject from tickets where id in (5, 10101) order by id');
  expect(rows).toEqual([{ id: 5, subject: 'from the other desk' }, { id: 10101, subject: 'asks for #5 too' }]);
}, 120_000);

// A batch planned as its lines are read (src/store/import-plan.ts), then someone else writes
// before its transaction: the plan does not hold, and the batch is built again from its lines
// as they were read, finding what the other desk wrote.
const mailLine = (n: number, messageId = `<m${n}@example.com>`) =>
  JSON.stringify({
    subject: `mail ${n}`, requester: { email: `p${n % 97}@example.com` }, created_at: '2026-03-01T10:00:00Z',
    messages: [{ message_id: messageId, from: `p${n % 97}@example.com`, text: `text ${n}`, date: '2026-03-01T10:00:00Z', direction: 'in' }],
  }) + '\n';

it('builds a planned batch again when another desk wrote before its transaction', async () => {
  desk = tempDesk();
  const child = spawn(process.execPath, [BIN, 'import', '-'], { env: desk.env, cwd: desk.dir });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let exited = false;
  const exit = new Promise<number>((res) => child.on('close', (code) => res(code ?? -1))).finally(() => (exited = true));

  // A first batch, then the start of a second, planned as it is read.
  child.stdin.write(Array.from({ length: BATCH + 600 }, (_, i) => mailLine(1 + i)).join(''));
  const count = () => storeQuery<{ n: number }>(desk.db, 'select count(*) as n from tickets')[0]!.n;
  await until('the first batch to commit', () => count() === BATCH || exited, 60_000, () => stderr);
  // Another desk stores a mail that a line of the second batch holds too.
  const other = await desk.runAsync(['import', '-'], { input: mailLine(99_999, `<m${BATCH + 300}@example.com>`) });
  expect(other.code).toBe(0);
  child.stdin.end(Array.from({ length: 100 }, (_, i) => mailLine(BATCH + 601 + i)).join(''));
  expect(await exit).toBe(0);
  expect(stderr).toContain(`imported ${BATCH + 699} ticket(s) with ${BATCH + 699} message(s), 1 already present`);
  // The line's message went to the other desk's ticket: one ticket holds it, and every other line has one of its own.
  const holders = storeQuery<{ subject: string }>(desk.db, `select t.subject from messages m join tickets t on t.id = m.ticket_id where m.message_id = '<m${BATCH + 300}@example.com>'`);
  expect(holders).toEqual([{ subject: 'mail 99999' }]);
  expect(count()).toBe(BATCH + 700);
  const subjects = storeQuery<{ n: number }>(desk.db, `select count(distinct subject) as n from tickets`)[0]!.n;
  expect(subjects).toBe(BATCH + 700);
}, 120_000);
