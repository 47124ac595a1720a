// tickets.clock_inputs (what the SLA clocks read, migration 4) must be kept by every write path,
// in the write's own transaction: here the ones the CLI test of the SLA report does not drive
// (mail stored by sync, a message moved onto a ticket, events added on their own, a rollback),
// on the backend of the run, each computing the text with its own reading of times; and a SQLite
// desk copied into PostgreSQL gets PostgreSQL's reading (this one runs on both projects: the
// source is always a SQLite file).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { prepareInProcess } from '../../src/mail/sync-pool.js';
import { storeBatch } from '../../src/mail/sync-batch.js';
import { openStore, type Store } from '../../src/store/index.js';
import { clockInputsOf } from '../../src/store/repos/clock-inputs.js';
import { addMessage, applyChanges, attachMessage, createTicket, insertEvents } from '../../src/store/repos/tickets.js';
import { generateMailbox } from '../helpers/mailgen.js';
import { copyToPostgres } from '../../src/store/copy.js';
import { freshStoreLocation, sharedPgDatabase } from '../helpers/backend.js';

const SUPPORT = 'support@desk.test';
const dir = mkdtempSync(join(tmpdir(), 'desk-clock-inputs-'));
let store: Store;

beforeAll(async () => {
  store = await openStore({ location: freshStoreLocation(dir) });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Tickets whose column is not what computing it afresh from their rows gives. */
async function stale(): Promise<unknown[]> {
  const differs = store.dialect === 'postgres' ? 'is distinct from' : 'is not';
  return (await sql`select id, clock_inputs from tickets t where clock_inputs is null or clock_inputs ${sql.raw(differs)} ${sql.raw(clockInputsOf('t', store.dialect))}`
    .execute(store.db)).rows;
}

async function column(id: number): Promise<string | null> {
  return (await store.db.selectFrom('tickets').select('clock_inputs').where('id', '=', id).executeTakeFirstOrThrow()).clock_inputs;
}

it('follows mail stored by sync: new tickets, replies that reopen solved ones, automatic mail', async () => {
  const mails = generateMailbox(400, 11, { to: SUPPORT });
  const items = await prepareInProcess(
    mails.map((m, i) => ({ uid: i + 1, raw: m.raw, receivedAt: new Date(Date.UTC(2026, 0, 5, 9) + i * 600_000).toISOString().replace('.000Z', 'Z') })),
    { dataDir: join(dir, 'data'), ourAddresses: new Set([SUPPORT]), now: new Date(Date.UTC(2026, 1, 1)) },
  );
  const target = { account: 'support', mailbox: 'INBOX', uidValidity: '1', queue: 'mail' };
  for (let i = 0; i < items.length; i += 40) {
    const batch = items.slice(i, i + 40);
    await store.write((tx) => storeBatch(tx, store.ops, target, batch, { lastUid: i + batch.length, highestModseq: null, syncedAt: '2026-02-01T00:00:00Z' }, async () => undefined));
    // Solve a few tickets between batches, so that replies in later batches reopen them.
    const ids = (await store.db.selectFrom('tickets').select('id').where('status', '!=', 'solved').orderBy('id').execute()).map((r) => Number(r.id));
    for (const id of ids.filter((_, k) => k % 3 === 0)) {
      await store.write((tx) => applyChanges(tx, id, [{ type: 'status', to: 'solved' }], 'ana', `2026-01-${String(6 + i / 40).padStart(2, '0')}T12:00:00Z`));
    }
  }
  const reopened = await store.db.selectFrom('events').select('id').where('reason', '=', 'the customer replied by mail').execute();
  expect(reopened.length).toBeGreaterThan(0);
  expect(await stale()).toEqual([]);
});

it('follows a message moved onto a ticket, on both tickets', async () => {
  const [a, b] = await store.write(async (tx) => {
    const requester = { email: 'moved@example.com' };
    const a = await createTicket(tx, { subject: 'first', requester, created_at: '2026-02-02T09:00:00Z' });
    const b = await createTicket(tx, { subject: 'second', requester, created_at: '2026-02-02T09:30:00Z' });
    return [a, b];
  });
  const message = (id: string, date: string) => ({ message_id: `<${id}@example.com>`, direction: 'out' as const, from: SUPPORT, date, text: '…' });
  const pk = await store.write((tx) => addMessage(tx, a, message('m1', '2026-02-02T10:00:00Z')));
  const loose = await store.write((tx) => addMessage(tx, null, message('m2', '2026-02-02T10:05:00Z')));
  const before = await column(b);
  await store.write((tx) => attachMessage(tx, pk, b, 'moved by hand')); // from a to b
  expect(await column(b)).not.toBe(before);
  expect(await stale()).toEqual([]);
  await store.write((tx) => attachMessage(tx, loose, a, 'moved by hand')); // from no ticket to a
  expect(await stale()).toEqual([]);
});

it('follows status events added on their own', async () => {
  const id = await store.write((tx) => createTicket(tx, { subject: 'events', requester: { email: 'e@example.com' }, created_at: '2026-02-03T09:00:00Z' }));
  const before = await column(id);
  await store.write((tx) => insertEvents(tx, id, [{ at: '2026-02-03T10:00:00Z', actor: 'ana', type: 'status', from: 'open', to: 'pending' }]));
  expect(await column(id)).not.toBe(before);
  await store.write((tx) => insertEvents(tx, id, [{ at: '2026-02-03T11:00:00Z', actor: 'ana', type: 'note', text: 'no clock reads notes' }]));
  expect(await stale()).toEqual([]);
});

it('is left as it was by a write that rolls back', async () => {
  const id = await store.write((tx) => createTicket(tx, { subject: 'rollback', requester: { email: 'r@example.com' }, created_at: '2026-02-04T09:00:00Z' }));
  const before = await column(id);
  await expect(store.write(async (tx) => {
    await applyChanges(tx, id, [{ type: 'status', to: 'solved' }], 'ana', '2026-02-04T10:00:00Z');
    throw new Error('changed my mind');
  })).rejects.toThrow('changed my mind');
  expect(await column(id)).toBe(before);
  expect(await stale()).toEqual([]);
});

// Times as a desk may hold them (older versions, other writers): canonical or not, with and
// without an offset, days some months lack, text that is no time at all.
function oddTimes(seed: number, n: number): string[] {
  let a = seed;
  const next = () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  return Array.from({ length: n }, () => {
    const day = String(1 + Math.floor(next() * 31)).padStart(2, '0'), month = String(1 + Math.floor(next() * 12)).padStart(2, '0');
    const clock = `${String(Math.floor(next() * 24)).padStart(2, '0')}:${String(Math.floor(next() * 60)).padStart(2, '0')}:${String(Math.floor(next() * 60)).padStart(2, '0')}`;
    const date = `2026-${month}-${day}`;
    return pick([
      `${date}T${clock}Z`, `${date}T${clock}Z`, `${date}T${clock}.250Z`, `${date}T${clock}+02:00`, `${date}T${clock}-0530`,
      `${date}T${clock}`, `${date} ${clock}`, `${date}t${clock}z`, `${date}T${clock.slice(0, 5)}Z`, 'soon', '', `${date}T${clock}+99:99`,
    ]);
  });
}

it('are what PostgreSQL computes after a SQLite desk is copied there (desk db migrate-to), whatever its times', async () => {
  const source = await openStore({ location: join(dir, 'source.db') });
  const times = oddTimes(7, 400);
  let k = 0;
  const time = () => times[k++ % times.length]!;
  await source.write(async (tx) => {
    for (let i = 0; i < 60; i++) {
      const id = await createTicket(tx, { subject: `odd ${i}`, requester: { email: `o${i}@example.com` }, created_at: i % 4 ? '2026-02-03T09:00:00Z' : time() });
      await insertEvents(tx, id, [
        { at: time(), actor: 'ana', type: 'status', from: 'open', to: 'pending' },
        { at: time(), actor: 'ana', type: 'status', from: 'pending', to: 'open' },
      ]);
      await addMessage(tx, id, { message_id: `<odd-${i}@example.com>`, direction: i % 2 ? 'out' : 'in', from: 'o@example.com', date: time(), text: '…' });
    }
  });
  const url = sharedPgDatabase();
  await copyToPostgres(source, url);
  const target = await openStore({ location: url });
  try {
    const copied = await target.db.selectFrom('tickets').select(['id', 'clock_inputs']).orderBy('id').execute();
    const sqlite = await source.db.selectFrom('tickets').select(['id', 'clock_inputs']).orderBy('id').execute();
    expect(copied).toHaveLength(60);
    expect(copied).not.toEqual(sqlite); // the two read some of these times differently…
    const differs = 'is distinct from';
    const stalePg = (await sql`select id from tickets t where clock_inputs is null or clock_inputs ${sql.raw(differs)} ${sql.raw(clockInputsOf('t', 'postgres'))}`.execute(target.db)).rows;
    expect(stalePg).toEqual([]); // …and PostgreSQL's reading is what the copy keeps
  } finally {
    await target.close();
    await source.close();
  }
});
