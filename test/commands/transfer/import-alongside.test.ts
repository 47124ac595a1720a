// Another desk writing while an import runs: the import's next batch sees what it wrote, so a
// line asking for an id the other desk took meanwhile is renumbered, never refused by the database.
import { spawn } from 'node:child_process';
import { storeQuery } from '../../helpers/backend.js';
import { BIN, tempDesk, type TempDesk } from '../../helpers/cli.js';

const BATCH = 10_000; // tickets per import transaction (src/commands/transfer/import.ts)
let desk: TempDesk;
afterEach(() => desk?.cleanup());

const line = (id: number, subject: string) =>
  JSON.stringify({ id, subject, requester: { email: 'ana@example.com' }, created_at: '2026-03-01T10:00:00Z' }) + '\n';

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
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
