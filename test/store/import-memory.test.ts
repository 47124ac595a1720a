// An import into an empty database remembers what it wrote instead of looking it up. It must
// decide exactly as the lookups would, across batches, and stop trusting its memory the moment
// another writer touches the tables.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTicket } from '../../src/domain/interchange.js';
import { openStore, type Store } from '../../src/store/index.js';
import { ImportMemory, importBatch, type Numbered } from '../../src/store/repos/bulk.js';
import { addMessage, createTicket } from '../../src/store/repos/tickets.js';
import { canonicalDump } from '../sync/dump.js';

const NOW = '2026-04-01T10:00:00Z';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function emptyStore(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'desk-memory-'));
  dirs.push(dir);
  return openStore({ location: join(dir, 'desk.db') });
}

const ticket = (line: number, value: Record<string, unknown>): Numbered => ({
  line,
  ticket: parseTicket({ requester: { email: 'ana@example.com' }, created_at: '2026-03-01T10:00:00Z', ...value }, NOW, ['L1', 'L2']),
});

/** Two batches in which the second repeats, extends and collides with the first. */
const batches = (): Numbered[][] => [
  [
    ticket(1, { id: 7, subject: 'Export fails', messages: [{ message_id: '<m1@x>', from: 'ana@example.com', text: 'first' }] }),
    ticket(2, { subject: 'No messages at all' }),
    ticket(3, { id: 9, subject: 'Other', requester: { email: 'bo@example.com' }, messages: [{ message_id: '<m9@x>', from: 'bo@example.com' }] }),
    ticket(7, { subject: 'Phone call', created_at: undefined }), // bare, no time: found by its import key
  ],
  [
    // the same ticket again with one more message: present, the message added
    ticket(4, { id: 7, subject: 'Export fails', messages: [{ message_id: '<m1@x>', from: 'ana@example.com' }, { message_id: '<m2@x>', from: 'ana@example.com', text: 'second' }] }),
    ticket(5, { subject: 'No messages at all' }), // the same bare ticket: present
    ticket(6, { id: 9, subject: 'Asks for a taken id', messages: [{ message_id: '<m10@x>', from: 'bo@example.com' }] }), // renumbered
    ticket(8, { subject: 'Phone call', created_at: undefined }), // the same bare line: present
    ticket(9, { subject: 'Export fails' }), // bare, same requester + subject + time as ticket 7 (which has messages): present
  ],
];

async function importAll(store: Store, memory: ImportMemory | undefined, between?: () => Promise<void>) {
  const results = [];
  for (const [i, batch] of batches().entries()) {
    if (i === 1 && between) await between();
    results.push(await store.write((tx) => importBatch(tx, store.ops, batch, memory)));
  }
  return results;
}

describe('ImportMemory', () => {
  it('decides exactly as the lookups do, across batches', async () => {
    const withMemory = await emptyStore();
    const memory = await ImportMemory.start(withMemory.db);
    expect(memory.fresh).toBe(true);
    const remembered = await importAll(withMemory, memory);
    expect(memory.fresh).toBe(true); // nobody else wrote: the memory was used to the end

    const withLookups = await emptyStore();
    const looked = await importAll(withLookups, undefined);
    expect(remembered).toEqual(looked);
    expect(remembered[1]).toMatchObject({
      present: [{ line: 4, id: 7, addedMessages: 1 }, { line: 5, addedMessages: 0 }, { line: 8, addedMessages: 0 }, { line: 9, id: 7, addedMessages: 0 }],
      created: [{ line: 6, requestedId: 9 }],
    });
    expect(remembered[1]!.created[0]!.id).not.toBe(9);
    expect(await canonicalDump(withMemory.db)).toEqual(await canonicalDump(withLookups.db));
    await withMemory.close();
    await withLookups.close();
  });

  it('is not used for a database that already has tickets', async () => {
    const store = await emptyStore();
    await store.write((tx) => createTicket(tx, { subject: 'old', requester: { email: 'x@example.com', name: null }, status: 'open', created_at: NOW }));
    expect((await ImportMemory.start(store.db)).fresh).toBe(false);
    await store.close();
  });

  it('stops trusting itself after a batch that began but never finished', async () => {
    const store = await emptyStore();
    const memory = await ImportMemory.start(store.db);
    // A batch got the go-ahead and then failed before noting where the tables end.
    expect(await store.write((tx) => memory.stillAlone(tx))).toBe(true);
    await importAll(store, memory);
    expect(memory.fresh).toBe(false);
    const withLookups = await emptyStore();
    await importAll(withLookups, undefined);
    expect(await canonicalDump(store.db)).toEqual(await canonicalDump(withLookups.db));
    await store.close();
    await withLookups.close();
  });

  it('stops trusting itself when another writer adds mail between batches', async () => {
    const store = await emptyStore();
    const memory = await ImportMemory.start(store.db);
    const results = await importAll(store, memory, async () => {
      // Another desk stores <m10@x> (the second batch's new message) on a ticket of its own.
      await store.write(async (tx) => {
        const other = await createTicket(tx, { subject: 'from sync', requester: { email: 'bo@example.com', name: null }, status: 'new', created_at: NOW });
        await addMessage(tx, other, { message_id: '<m10@x>', direction: 'in', from: 'bo@example.com', date: NOW, text: 'synced' });
      });
    });
    expect(memory.fresh).toBe(false);
    // Line 6 is recognised as the ticket the other writer made, not imported a second time.
    expect(results[1]!.present.map((p) => p.line)).toContain(6);
    expect(results[1]!.created).toEqual([]);
    await store.close();
  });
});
