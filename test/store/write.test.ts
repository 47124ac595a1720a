// store.write hands its callback the write transaction itself, and every row a write makes goes
// to the store that transaction belongs to, with several stores open in one process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { addMessage, createTicket, listTickets } from '../../src/store/repos/tickets.js';
import { freshStoreLocation } from '../helpers/backend.js';

const NOW = '2026-04-01T10:00:00Z';
const dir = mkdtempSync(join(tmpdir(), 'desk-write-'));
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(name: string): Promise<Store> {
  const s = await openStore({ location: freshStoreLocation(dir, name) });
  stores.push(s);
  return s;
}

it('writes each store\'s rows, search text included, into that store when several are open', async () => {
  const first = await open('first');
  const second = await open('second'); // opened last
  const id = await first.write(async (tx) => {
    const t = await createTicket(tx, { subject: 'Printer on fire', requester: { email: 'ana@example.com' }, created_at: NOW });
    await addMessage(tx, t, { message_id: '<p1@example.com>', direction: 'in', from: 'ana@example.com', date: NOW, text: 'smoke everywhere' });
    return t;
  });
  const found = async (store: Store, word: string) =>
    (await listTickets(store.db, { query: { node: { kind: 'word', text: word, prefix: false }, now: NOW } }, 'updated')).map((t) => t.id);
  expect(await found(first, 'printer')).toEqual([id]);
  expect(await found(first, 'smoke')).toEqual([id]);
  expect(await found(second, 'printer')).toEqual([]);
  expect(await second.db.selectFrom('tickets').select('id').execute()).toEqual([]);
});

it('hands out a transaction that cannot be used once the write is over', async () => {
  const store = await open('leak');
  let leaked: Parameters<Parameters<Store['write']>[0]>[0] | undefined;
  await store.write(async (tx) => {
    leaked = tx;
    await createTicket(tx, { subject: 'kept', requester: { email: 'bo@example.com' }, created_at: NOW });
  });
  await expect(createTicket(leaked!, { subject: 'outside any transaction', requester: { email: 'bo@example.com' }, created_at: NOW })).rejects.toThrow();
  expect((await store.db.selectFrom('tickets').select('subject').execute()).map((r) => r.subject)).toEqual(['kept']);
});
