// Watching the desk for other processes' ticket writes (what live triage is built on), on the
// backend of the jest project: a committed write is reported; on PostgreSQL the notification
// names the tickets and a rolled-back write sends none (notifications are delivered on commit).
import { openStore, type Store } from '../../src/store/index.js';
import { createTicket } from '../../src/store/repos/tickets.js';
import { watchTickets, type TicketChange, type TicketWatch } from '../../src/store/ticket-watch.js';
import { onPostgres } from '../helpers/backend.js';
import { tempDesk, type TempDesk } from '../helpers/cli.js';

let desk: TempDesk;
let watcher: Store, writer: Store;
let watch: TicketWatch | undefined;
const seen: TicketChange[] = [];

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; seen: ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  desk = tempDesk();
  watcher = await openStore({ location: desk.db, mustExist: true });
  writer = await openStore({ location: desk.db, mustExist: true });
});
afterAll(async () => {
  await watch?.close();
  await watcher?.close();
  await writer?.close();
  desk.cleanup();
});

const newTicket = (subject: string) => writer.write((tx) => createTicket(tx, {
  subject, requester: { email: 'joao@example.com' }, created_at: '2026-03-30T09:00:00Z',
}));

test("another process's committed ticket write is reported; a rolled-back one is not", async () => {
  watch = await watchTickets(watcher, desk.db, (c) => seen.push(c));
  if (onPostgres()) await until('listening (the first re-read)', () => seen.length === 1); // 'all', once listening
  const before = seen.length;

  await expect(writer.write(async (tx) => {
    await createTicket(tx, { subject: 'Rolled back', requester: { email: 'x@example.com' }, created_at: '2026-03-30T09:00:00Z' });
    throw new Error('changed my mind');
  })).rejects.toThrow('changed my mind');
  const id = await newTicket('Committed');

  await until('the committed write', () => seen.length > before);
  // On PostgreSQL the first notification after the rollback is the commit's, naming its ticket.
  expect(seen[before]).toEqual(onPostgres() ? [id] : 'all');
});
