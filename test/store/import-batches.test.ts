// An import decides the same whatever batches its file is cut into and whatever the database
// held before: a property over random files (shared message ids, bare lines, requested ids that
// collide, requesters whose names differ between lines) and random cuts of each file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { parseTicket } from '../../src/domain/interchange.js';
import { openStore, type Store } from '../../src/store/index.js';
import { importBatch, type Numbered } from '../../src/store/repos/bulk.js';
import { canonicalDump } from '../sync/dump.js';
import { freshStoreLocation, onPostgres } from '../helpers/backend.js';
import { OwnMessageIds, messageWritesMark } from '../../src/store/own-message-ids.js';
import { ImportPlanner, type PlannedBatch } from '../../src/store/import-plan.js';

const NOW = '2026-04-01T10:00:00Z';
const dirs: string[] = [];
const kept: Store[] = [];
afterAll(async () => {
  for (const s of kept) await s.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** What an import writes: emptied between seeds on PostgreSQL, where a new database costs far more than a new file. */
const IMPORTED = ['requesters', 'tickets', 'ticket_tags', 'events', 'messages', 'attachments', 'import_keys', 'search_fts', 'ticket_cc', 'customer_addresses', 'customers', 'org_domains', 'organisations'];

/** An empty store of the run's backend; `slot` names one of the two a seed uses. */
async function emptyStore(slot: number): Promise<Store> {
  if (onPostgres()) {
    if (!kept[slot]) {
      const location = freshStoreLocation('');
      kept[slot] = await openStore({ location });
      locations.set(kept[slot]!, location);
    }
    const store = kept[slot]!;
    await sql.raw(`truncate ${IMPORTED.join(', ')} restart identity cascade`).execute(store.db);
    return store;
  }
  const dir = mkdtempSync(join(tmpdir(), 'desk-batches-'));
  dirs.push(dir);
  const location = freshStoreLocation(dir);
  const store = await openStore({ location });
  locations.set(store, location);
  return store;
}

/** Where each store of emptyStore is, for a second connection to it. */
const locations = new WeakMap<Store, string>();

/** A small seeded generator (mulberry32), so that a failure names the seed that reproduces it. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  return { next, int, pick };
}

const EMAILS = ['ana@example.com', 'bo@example.com', 'cy@example.com'];
const NAMES = [null, 'Ana', 'Bo Ng', 'Other Name'];
const SUBJECTS = ['Export fails', 'Login', 'Invoice'];
const TIMES = ['2026-03-01T10:00:00Z', '2026-03-02T10:00:00Z', undefined, '2026-03-01T12:00:00+02:00'];

function randomFile(seed: number, lines: number): Numbered[] {
  const r = rng(seed);
  const out: Numbered[] = [];
  for (let line = 1; line <= lines; line++) {
    const email = r.pick(EMAILS);
    const value: Record<string, unknown> = {
      subject: r.pick(SUBJECTS),
      requester: { email, name: r.pick(NAMES) },
      status: r.pick(['open', 'pending', 'solved']),
    };
    const created = r.pick(TIMES);
    if (created) value.created_at = created;
    if (r.next() < 0.5) value.id = 1 + r.int(25);
    if (r.next() < 0.4) value.tags = [r.pick(['vip', 'billing', 'api'])];
    const n = r.next() < 0.3 ? 0 : 1 + r.int(3);
    value.messages = Array.from({ length: n }, () => ({
      message_id: `<m${r.int(40)}@example.com>`, from: email, text: r.pick(['hello', 'again', 'olá']),
      date: r.pick(['2026-03-01T11:00:00Z', '2026-03-03T09:00:00Z']), direction: r.pick(['in', 'in', 'out']),
    }));
    if (r.next() < 0.3) value.events = [{ at: '2026-03-01T13:00:00Z', actor: 'ana', type: 'status', from: 'open', to: 'pending' }];
    out.push({ line, ticket: parseTicket(value, NOW, ['L1', 'L2']) });
  }
  return out;
}

/** Cuts `file` into batches of random sizes (1 .. the whole file). */
function randomCuts(seed: number, file: Numbered[]): Numbered[][] {
  const r = rng(seed);
  const out: Numbered[][] = [];
  for (let i = 0; i < file.length;) {
    const size = 1 + r.int(Math.min(file.length - i, 1 + r.int(12)));
    out.push(file.slice(i, i + size));
    i += size;
  }
  return out;
}

async function importInBatches(store: Store, batches: Numbered[][], own?: OwnMessageIds) {
  const decided: unknown[] = [];
  for (const batch of batches) {
    const r = await store.write((tx) => importBatch(tx, store.ops, batch, own));
    decided.push(...r.created, ...r.present);
  }
  return decided.sort((a, b) => (a as { line: number }).line - (b as { line: number }).line);
}

/**
 * What `run` imported into `one` (whole) and into `cut` (pieces) was decided alike and made the
 * same database; a failure names the seed. The stores are closed after, on SQLite.
 */
async function expectSame(seed: number, one: Store, cut: Store, run: () => Promise<{ whole: unknown[]; pieces: unknown[] }>): Promise<void> {
  try {
    const { whole, pieces } = await run();
    expect(pieces).toEqual(whole);
    expect(await dump(cut)).toEqual(await dump(one));
  } catch (err) {
    (err as Error).message = `seed ${seed}: ${(err as Error).message}`;
    throw err;
  } finally {
    if (!onPostgres()) {
      await one.close();
      await cut.close();
    }
  }
}

async function dump(store: Store) {
  const rows = async (q: string) => (await sql.raw<Record<string, unknown>>(q).execute(store.db)).rows;
  return {
    ...(await canonicalDump(store.db)),
    importKeys: await rows('select key, ticket_id from import_keys order by key'),
    customers: await rows('select * from customers order by id'),
    customerAddresses: await rows('select * from customer_addresses order by address'),
  };
}

describe('import batches', () => {
  // 40 seeds on SQLite; on PostgreSQL, where each of the hundreds of write transactions costs a
  // round trip or more, the first 20 (whose cuts already reach every case, among them the
  // choice between several tickets with one key that PostgreSQL returns in any order).
  const SEEDS = onPostgres() ? 20 : 40;
  it.each([1, 11, 21, 31].filter((from) => from <= SEEDS))('make the same database however a file is cut, into an empty or a used database (seeds %d…)', async (from) => {
    for (let seed = from; seed < from + 10; seed++) {
      const before = randomFile(seed * 7919, 1 + (seed % 3) * 6); // what the database held (none for every third seed)
      const file = randomFile(seed, 20 + (seed % 5) * 8);
      const one = await emptyStore(0);
      const cut = await emptyStore(1);
      if (seed % 3 !== 1) {
        await importInBatches(one, [before]);
        await importInBatches(cut, randomCuts(seed + 1, before));
      }
      await expectSame(seed, one, cut, async () => ({
        whole: await importInBatches(one, file.map((l) => [l])), // one line per batch: each sees all before it
        pieces: await importInBatches(cut, randomCuts(seed, file)),
      }));
    }
  });

  // An import into a desk without messages skips its Message-ID lookups while nobody else has
  // written one and none of a batch's ids is one it wrote (src/store/own-message-ids.ts).
  // Whether it skips, stops skipping or never could, it decides as the import that looks
  // everything up: here against one line per batch, with another connection writing tickets
  // that share Message-IDs with the file between two batches of every other seed.
  let skipped = 0;
  let stopped = 0;
  class Counted extends OwnMessageIds {
    override async skipsLookup(tx: Parameters<OwnMessageIds['skipsLookup']>[0], ids: Iterable<string>): Promise<boolean> {
      const skips = await super.skipsLookup(tx, ids);
      if (skips) skipped++;
      return skips;
    }
  }
  it('skipping the Message-ID lookups of an import into a desk without messages decides the same, however cut and whoever writes meanwhile', async () => {
    for (let seed = 1; seed <= (onPostgres() ? 20 : 40); seed++) {
      const file = randomFile(seed, 20 + (seed % 5) * 8);
      const foreign = seed % 2 === 0 ? randomFile(seed * 104729, 1 + (seed % 4)) : [];
      const one = await emptyStore(0);
      const cut = await emptyStore(1);
      const cuts = randomCuts(seed, file);
      const at = seed % cuts.length; // the foreign write comes before cut number `at`
      const lineAt = cuts.slice(0, at).reduce((n, c) => n + c.length, 0);
      const others = (store: Store) => openStore({ location: locations.get(store)! });
      const own = new Counted(cut.dialect, await cut.write((tx) => messageWritesMark(tx, cut.dialect)), async () => {
        stopped++;
      });
      await expectSame(seed, one, cut, async () => ({
        whole: [
          ...(await importInBatches(one, file.slice(0, lineAt).map((l) => [l]))),
          ...(await writeForeign(await others(one), foreign)),
          ...(await importInBatches(one, file.slice(lineAt).map((l) => [l]))),
        ],
        pieces: [
          ...(await importInBatches(cut, cuts.slice(0, at), own)),
          ...(await writeForeign(await others(cut), foreign)),
          ...(await importInBatches(cut, cuts.slice(at), own)),
        ],
      }));
    }
    // Both ways were taken: batches that skipped, and skipping that stopped.
    expect(skipped).toBeGreaterThan(10);
    expect(stopped).toBeGreaterThan(5);
  });

  // Batches planned ahead of their transaction (src/store/import-plan.ts), each made while the
  // batch before it is still to be written, as the import does, decide as the import that looks
  // everything up: however cut, and with another connection writing (tickets, a domain rule, a
  // customer) between two batches of most seeds, after the next batch was planned.
  // Planned whole (a batch after one written the usual way), or in random parts as the import
  // plans a batch as it reads it (ImportPlanner.begin), where a part it cannot plan ends the
  // batch and starts the next.
  it.each(['whole', 'in parts'])('planned batches decide the same, however cut and whoever writes meanwhile (planned %s)', async (how) => {
    let planned = 0;
    let unplanned = 0;
    let cutShort = 0;
    for (let seed = 1; seed <= (onPostgres() ? 16 : 30); seed++) {
      const file = plannableFile(seed, 30 + (seed % 4) * 15);
      const one = await emptyStore(0);
      const cut = await emptyStore(1);
      const cuts = randomCuts(seed, file);
      // The other write comes before cut number `at` (none for every fourth seed; for another
      // fourth, before the import, as what the desk held when it began).
      const at = seed % 4 === 0 ? -1 : seed % 4 === 1 ? 0 : 1 + (seed % (cuts.length - 1));
      const lineAt = at < 0 ? file.length : cuts.slice(0, at).reduce((n, c) => n + c.length, 0);
      const kind = at === 0 ? 1 + (Math.floor(seed / 4) % 3) : seed % 4; // (a desk with tickets before: no plans, see ImportPlanner)
      const aside = randomFile(seed * 104729, 1 + (seed % 4));
      // (the foreign customer's or requester's address: one whose first line comes after the
      // write, and after the first batch, which the planner learns from)
      const from = Math.max(lineAt, cuts[0]!.length);
      const earlier = new Set(file.slice(0, from).map((l) => l.ticket.requester.email));
      const address = file.slice(from).map((l) => l.ticket.requester.email).find((e) => !earlier.has(e)) ?? 'nobody@acme.example';
      const others = (store: Store) => openStore({ location: locations.get(store)! });
      if (at === 0) for (const store of [one, cut]) await writeAside(await others(store), kind, aside, address);
      const own = new OwnMessageIds(cut.dialect, await cut.write((tx) => messageWritesMark(tx, cut.dialect)), async () => undefined);
      const planner = new ImportPlanner(cut.ops, own);
      /** As the import runs its batches: each planned before the one before it is written, where that one was planned. */
      type ToWrite = { batch: Numbered[]; plan?: PlannedBatch };
      /** The batch planned (whole, or in random parts), as batches to write: none when it cannot be planned now. */
      const planBatch = async (batch: Numbered[], partSeed: number): Promise<ToWrite[] | undefined> => {
        if (how === 'whole') {
          const plan = await planner.plan(batch);
          return plan && [{ batch, plan }];
        }
        const planning = planner.begin();
        if (!planning) return undefined;
        let done = 0;
        for (const part of randomCuts(partSeed, batch)) {
          if (!(await planning.add(part))) break;
          done += part.length;
        }
        const plan = planning.finish();
        const out: ToWrite[] = plan ? [{ batch: batch.slice(0, done), plan }] : [];
        if (done < batch.length) out.push({ batch: batch.slice(done) }); // (the lines from the part it could not plan: a batch of their own)
        if (plan && done < batch.length) cutShort++;
        return out;
      };
      /** As the import runs its batches: each planned before the one before it is written, where that one was planned. */
      const importPlanned = async () => {
        const decided: unknown[] = [];
        let before: ToWrite[] = [];
        const write = async (b: ToWrite) => {
          const r = await cut.write((tx) => planner.importBatch(tx, () => b.batch, b.plan));
          decided.push(...r.created, ...r.present);
        };
        for (const [i, batch] of cuts.entries()) {
          let next = before.at(-1)?.plan ? await planBatch(batch, seed * 31 + i) : undefined;
          for (const b of before) await write(b);
          if (i === at && at > 0) decided.push(...(await writeAside(await others(cut), kind, aside, address)));
          if (planner.unstarted) await cut.write((tx) => planner.start(tx));
          next ??= (await planBatch(batch, seed * 37 + i)) ?? [{ batch }];
          for (const b of next) {
            if (b.plan) planned++;
            else unplanned++;
          }
          before = next;
        }
        for (const b of before) await write(b);
        return decided.sort((a, b) => (a as { line: number }).line - (b as { line: number }).line);
      };
      await expectSame(seed, one, cut, async () => ({
        whole: [
          ...(await importInBatches(one, file.slice(0, lineAt).map((l) => [l]))),
          ...(at <= 0 ? [] : await writeAside(await others(one), kind, aside, address)),
          ...(await importInBatches(one, file.slice(lineAt).map((l) => [l]))),
        ],
        pieces: await importPlanned(),
      }));
      // The plans took the ids the database gave (the check in the transaction is a safety net).
      expect(`seed ${seed}: ${planner.mispredicted} mispredicted`).toBe(`seed ${seed}: 0 mispredicted`);
    }
    // Both ways were taken (and in parts, batches ended short by a part that could not be planned).
    expect(planned).toBeGreaterThan(30);
    expect(unplanned).toBeGreaterThan(30);
    if (how === 'in parts') expect(cutShort).toBeGreaterThan(3);
  });
});

/**
 * A file an import can mostly plan (../../src/store/import-plan.ts): new requesters in most
 * batches, Message-IDs of its own, and now and then what it cannot plan (a line without messages,
 * a Message-ID an earlier line had).
 */
function plannableFile(seed: number, lines: number): Numbered[] {
  const r = rng(seed);
  const out: Numbered[] = [];
  for (let line = 1; line <= lines; line++) {
    const email = r.next() < 0.4 ? r.pick([...EMAILS, 'jo@acme.example', 'li@eu.acme.example']) : `p${r.int(lines)}@${r.pick(['example.com', 'acme.example'])}`;
    const value: Record<string, unknown> = {
      subject: r.pick(SUBJECTS),
      requester: { email, name: r.pick(NAMES) },
      status: r.pick(['open', 'pending', 'solved']),
      created_at: r.pick(TIMES.filter((t) => t !== undefined)),
    };
    if (r.next() < 0.6) value.id = 1 + r.int(lines * 2);
    if (r.next() < 0.4) value.tags = [r.pick(['vip', 'billing', 'api'])];
    if (r.next() < 0.3) value.cc = [{ email: r.pick(['cc@example.com', 'boss@acme.example']), name: r.pick([null, 'Boss']) }, { email: 'cc@example.com' }];
    const n = r.next() < 0.03 ? 0 : 1 + r.int(3);
    value.messages = Array.from({ length: n }, (_, k) => ({
      message_id: r.next() < 0.02 ? `<m${r.int(40)}@example.com>` : `<p${seed}.${line}.${k}@example.com>`, from: email,
      text: r.pick(['hello', 'again', 'olá']), date: r.pick(['2026-03-01T11:00:00Z', '2026-03-03T09:00:00Z']), direction: r.pick(['in', 'in', 'out']),
    }));
    if (r.next() < 0.3) value.events = [{ at: '2026-03-01T13:00:00Z', actor: 'ana', type: 'status', from: 'open', to: 'pending' }];
    out.push({ line, ticket: parseTicket(value, NOW, ['L1', 'L2']) });
  }
  return out;
}

/** A write on another connection of one of the kinds a plan relies on nobody making (then closed): see below for `kind`. */
async function writeAside(other: Store, kind: number, lines: Numbered[], address: string): Promise<unknown[]> {
  try {
    if (kind === 0) return await writeForeign(other, lines);
    await other.write(async (tx) => {
      if (kind === 1) {
        // a domain rule: the customers made after it join its organisation
        const org = await tx.insertInto('organisations').values({ name: 'Acme', notes: null, created_at: NOW }).returning('id').executeTakeFirstOrThrow();
        await tx.insertInto('org_domains').values({ domain: 'acme.example', org_id: org.id }).execute();
      } else if (kind === 3) {
        // a requester who is no customer yet: a later line's ticket makes it one
        await tx.insertInto('requesters').values({ email: address, name: 'Early' }).execute();
      } else {
        // a customer whose address a later line's requester has: no customer of its own then
        await tx.insertInto('customers').values({ id: 900_000, name: 'Jo', notes: null, created_at: NOW, org_id: null, org_by_hand: 0 }).execute();
        await tx.insertInto('customer_addresses').values({ address, customer_id: 900_000 }).execute();
      }
    });
    return [];
  } finally {
    await other.close();
  }
}

/** Another connection's write: the foreign lines, imported and committed there (then closed). */
async function writeForeign(other: Store, lines: Numbered[]): Promise<unknown[]> {
  try {
    if (lines.length) await importInBatches(other, [lines.map((l) => ({ ...l, line: 1000 + l.line }))]);
    return [];
  } finally {
    await other.close();
  }
}
