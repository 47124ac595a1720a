// The fast readers must see exactly what the portable kysely reader sees: the reader of clock
// inputs the commands use (on the backend of the run), and on SQLite also the reader of events
// and messages that reads times as SQLite does (the reference of test/commands/sla/clock-inputs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHistories, readSlaTickets, type HistoryBatch, type SlaReadOptions } from '../../../src/commands/sla/histories.js';
import { readSqliteHistories } from '../../../src/commands/sla/sqlite-histories.js';
import { compactHistory } from '../../../src/domain/sla/index.js';
import { parseTicket } from '../../../src/domain/interchange.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { importBatch } from '../../../src/store/repos/bulk.js';
import { freshStoreLocation, onPostgres } from '../../helpers/backend.js';

const dir = mkdtempSync(join(tmpdir(), 'desk-sla-readers-'));
const location = freshStoreLocation(dir);
let store: Store;

const msg = (id: string, direction: 'in' | 'out', date: string, auto?: string) =>
  ({ message_id: `<${id}@example.com>`, direction, from: 'x@example.com', date, text: '…', ...(auto ? { auto } : {}) });
const status = (at: string, from: string, to: string) => ({ at, actor: 'ana', type: 'status', from, to });

const HISTORY = [
  { id: 1, subject: 'plain', created_at: '2026-01-05T08:00:00Z', messages: [msg('a', 'in', '2026-01-05T08:00:00Z'), msg('b', 'out', '2026-01-05T09:00:00+01:00')] },
  { id: 2, subject: 'with auto mail and notes', priority: 'urgent', queue: 'billing', tier: 'L2', assignee: 'bo', tags: ['vip', 'x'],
    created_at: '2026-01-06T08:00:00Z', status: 'pending',
    messages: [msg('c', 'in', '2026-01-06T08:00:00Z'), msg('d', 'out', '2026-01-06T08:00:05Z', 'auto-ack'), msg('e', 'out', '2026-01-06T10:00:00Z'), msg('f', 'in', '2026-01-06T11:00:00Z')],
    events: [{ at: '2026-01-06T08:30:00Z', actor: 'ana', type: 'note', text: 'n' }, status('2026-01-06T12:00:00Z', 'open', 'pending')] },
  // same-second changes and events recorded out of time order
  { id: 3, subject: 'reopened', created_at: '2026-01-07T08:00:00Z', status: 'solved',
    events: [status('2026-01-07T12:00:00Z', 'open', 'solved'), status('2026-01-07T10:00:00Z', 'open', 'solved'), status('2026-01-07T10:00:00Z', 'solved', 'open')] },
  // solved without events (imported from elsewhere)
  { id: 4, subject: 'no events', created_at: '2026-01-08T08:00:00Z', updated_at: '2026-01-08T09:30:00Z', status: 'closed' },
  { id: 7, subject: 'gap in ids', created_at: '2026-02-01T08:00:00Z', status: 'new', messages: [msg('g', 'in', '2026-02-01T08:00:00Z')] },
].map((t) => ({ status: 'open', priority: 'normal', tier: 'L1', queue: 'tech', assignee: 'ana', tags: [], requester: { email: 'x@example.com' },
  updated_at: t.created_at, messages: [], events: [], ...t }));

beforeAll(async () => {
  store = await openStore({ location });
  const batch = HISTORY.map((t, i) => ({ line: i + 1, ticket: parseTicket(t, '2026-03-01T00:00:00Z', ['L1', 'L2', 'L3']) }));
  await store.write((tx) => importBatch(tx, store.ops, batch));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function portable(opts: SlaReadOptions) {
  const out = [];
  for await (const batch of readSlaTickets(store.db, opts, 2)) { // tiny batches: exercise the paging
    for (const t of batch) {
      const { id, subject, priority, queue, tier, assignee, tags } = t;
      out.push([{ id, subject, priority, queue, tier, assignee, tags }, compactHistory(t)]);
    }
  }
  return out;
}

const sqliteEvents = (opts: SlaReadOptions, batchSize?: number) => [...readSqliteHistories(location, opts, batchSize)].flat();

async function clockInputs(opts: SlaReadOptions, batchSize?: number): Promise<HistoryBatch> {
  const out: HistoryBatch = [];
  for await (const batch of readHistories(store, location, opts, batchSize)) out.push(...batch);
  return out;
}

const OPTIONS: [string, SlaReadOptions][] = [
  ['everything', {}],
  ['a creation range', { createdFrom: '2026-01-06T00:00:00Z', createdBefore: '2026-01-08T08:00:00Z' }],
  ['tickets that can still run a clock', { openAt: '2026-01-08T09:00:00Z' }],
];

describe('clock inputs reader', () => {
  it.each(OPTIONS)('reads the same histories as the portable reader: %s', async (_what, opts) => {
    const expected = await portable(opts);
    expect(expected.length).toBeGreaterThan(0);
    expect(await clockInputs(opts)).toEqual(expected);
    expect(await clockInputs(opts, 2)).toEqual(expected); // batch after batch
  });

  it('leaves out text fields nobody asked for', async () => {
    const [[fields]] = await clockInputs({ fields: { subject: false, tags: false, assignee: false, queue: true, tier: false } });
    expect(fields).toMatchObject({ subject: '', tags: [], assignee: null, queue: 'tech' });
  });
});

// SQLite-only: this reader reads SQLite's file with SQLite's reading of times.
// (It exists in the sqlite project only: on PostgreSQL there is no such reader to test.)
if (!onPostgres()) describe('SQLite reader of events and messages', () => {
  it.each(OPTIONS)('reads the same histories as the portable reader: %s', async (_what, opts) => {
    const expected = await portable(opts);
    expect(expected.length).toBeGreaterThan(0);
    expect(sqliteEvents(opts)).toEqual(expected);
    expect(sqliteEvents(opts, 2)).toEqual(expected); // by id ranges, batch after batch
  });

  it('leaves out text fields nobody asked for', () => {
    const [[fields]] = sqliteEvents({ fields: { subject: false, tags: false, assignee: false, queue: true, tier: false } });
    expect(fields).toMatchObject({ subject: '', tags: [], assignee: null, queue: 'tech' });
  });
});
