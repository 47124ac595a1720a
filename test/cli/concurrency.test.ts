// Several agents (processes) writing at once: nothing lost, and a held lock is exit 4, not a hang.
import Database from 'better-sqlite3';
import { tempDesk, type TempDesk } from '../helpers/cli.js';

let desk: TempDesk;
beforeAll(() => {
  desk = tempDesk();
  expect(desk.run(['new', '--from', 'a@b.example', '--subject', 'busy ticket']).code).toBe(0);
});
afterAll(() => desk.cleanup());

test('eight processes writing notes and status changes to one ticket all succeed; no event is lost', async () => {
  const statuses = ['pending', 'open', 'on_hold', 'open', 'pending', 'open', 'on_hold', 'open'];
  const runs = statuses.flatMap((s, i) => [
    desk.runAsync(['note', '1', `note from agent ${i}`], { env: { DESK_AGENT: `agent${i}` } }),
    desk.runAsync(['set', '1', '--status', s, '--tag', `+from-${i}`], { env: { DESK_AGENT: `agent${i}` } }),
  ]);
  const results = await Promise.all(runs);
  for (const r of results) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  const t = JSON.parse(desk.run(['show', '1', '--json']).stdout);
  const notes = t.events.filter((e: { type: string }) => e.type === 'note').map((e: { text: string }) => e.text).sort();
  expect(notes).toEqual(statuses.map((_, i) => `note from agent ${i}`).sort());
  expect(t.events.filter((e: { type: string }) => e.type === 'tag')).toHaveLength(8);
  expect([...t.tags].sort()).toEqual(statuses.map((_, i) => `from-${i}`).sort());
  // The status events chain: each one starts where the previous one ended.
  const changes = t.events.filter((e: { type: string }) => e.type === 'status');
  for (let i = 1; i < changes.length; i++) expect(changes[i].from).toBe(changes[i - 1].to);
  expect(t.status).toBe(changes.length ? changes[changes.length - 1].to : 'open');
}, 120000);

test('a write lock held by someone else ends in exit 4 with a clear message', () => {
  const holder = new Database(desk.db);
  holder.exec('begin immediate');
  try {
    const r = desk.run(['note', '1', 'blocked'], { env: { DESK_BUSY_TIMEOUT_MS: '300' } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('the database is locked by another desk process');
  } finally {
    holder.exec('rollback');
    holder.close();
  }
  // Reading still works while nobody writes, and the note was not half-written.
  const t = JSON.parse(desk.run(['show', '1', '--json']).stdout);
  expect(t.events.some((e: { text?: string }) => e.text === 'blocked')).toBe(false);
});
