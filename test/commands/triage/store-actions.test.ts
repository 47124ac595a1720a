// The triage screen's data side against a real store: the queue it shows, and actions applied
// only if the ticket still looks as the screen showed it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError } from '../../../src/errors.js';
import { applyIfUnchanged, tagChanges, take } from '../../../src/commands/triage/actions.js';
import { loadQueue } from '../../../src/commands/triage/queue.js';
import { normaliseTag } from '../../../src/domain/ticket.js';
import { parsePolicyFile } from '../../../src/domain/sla/index.js';
import { parseRules } from '../../../src/domain/rules/parse.js';
import { addAgent } from '../../../src/store/repos/agents.js';
import type { Priority } from '../../../src/domain/types.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { addMessage, applyChanges, createTicket, getTicketHistory } from '../../../src/store/repos/tickets.js';
import { freshStoreLocation } from '../../helpers/backend.js';

const AT = '2026-03-30T09:00:00Z';
let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'desk-triage-'));
  store = await openStore({ location: freshStoreLocation(dir) });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function newTicket(subject: string, created: string, priority: Priority = 'normal', queue: string | null = 'tech'): Promise<number> {
  return store.write(async (tx) => {
    const id = await createTicket(tx, { subject, requester: { email: 'c@example.com' }, priority, queue, created_at: created });
    await addMessage(tx, id, { message_id: `<${subject}@x>`, direction: 'in', from: 'c@example.com', date: created, subject, text: 'help' });
    return id;
  });
}

describe('taking a ticket', () => {
  test('takes an unassigned ticket as the agent', async () => {
    const id = await newTicket('a', AT);
    const events = await take(store, { id, assignee: null }, 'ana', AT);
    expect(events).toEqual([{ at: AT, actor: 'ana', type: 'assign', from: null, to: 'ana', reason: null }]);
  });

  test('someone else took it since the screen showed it: a conflict naming them, and nothing overwritten', async () => {
    const id = await newTicket('a', AT);
    const seenByAna = { id, assignee: null };
    await take(store, { id, assignee: null }, 'ben', AT);
    const err = await take(store, seenByAna, 'ana', AT).catch((e) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.exitCode).toBe(4);
    expect(err.message).toBe(`#${id} was just taken by ben`);
    const t = await getTicketHistory(store.db, id);
    expect(t.assignee).toBe('ben');
    expect(t.events.map((e) => e.actor)).toEqual(['ben']);
  });

  test('a lead assigned it meanwhile: the conflict says who did', async () => {
    const id = await newTicket('a', AT);
    await store.write((tx) => applyChanges(tx, id, [{ type: 'assign', to: 'ben' }], 'lead', AT));
    const err = await take(store, { id, assignee: null }, 'ana', AT).catch((e) => e);
    expect(err.message).toBe(`#${id} was just assigned to ben by lead`);
  });
});

test('any field the screen showed guards the change made from it', async () => {
  const id = await newTicket('a', AT);
  await store.write((tx) => applyChanges(tx, id, [{ type: 'priority', to: 'low' }], 'ben', AT));
  const err = await applyIfUnchanged(store, id, { priority: 'normal' }, [{ type: 'priority', to: 'urgent' }], 'ana', AT).catch((e) => e);
  expect([err.constructor, err.message]).toEqual([ConflictError, `the priority of #${id} was just changed to low by ben`]);
  const ok = await applyIfUnchanged(store, id, { priority: 'low' }, [{ type: 'priority', to: 'urgent' }], 'ana', AT);
  expect(ok.map((e) => [e.actor, e.from, e.to])).toEqual([['ana', 'low', 'urgent']]);
});

test('tag text: +add, -remove, bare words add', () => {
  expect(tagChanges('+VIP -spam api, Key Account', normaliseTag)).toEqual([
    { type: 'tag', tag: 'vip' }, { type: 'untag', tag: 'spam' }, { type: 'tag', tag: 'api' }, { type: 'tag', tag: 'key' }, { type: 'tag', tag: 'account' },
  ]);
});

describe('the queue', () => {
  const opts = (now = new Date(AT)) => ({ explicitStatuses: false, policy: null, now });

  test('holds new and open tickets, most urgent first: priority, then age, without an SLA policy', async () => {
    const old = await newTicket('old normal', '2026-03-28T09:00:00Z');
    const urgent = await newTicket('urgent', '2026-03-30T08:00:00Z', 'urgent');
    const young = await newTicket('young normal', '2026-03-29T09:00:00Z');
    const solved = await newTicket('solved', '2026-03-27T09:00:00Z', 'urgent');
    await store.write((tx) => applyChanges(tx, solved, [{ type: 'status', to: 'solved' }], 'ana', AT));
    const q = await loadQueue(store.db, {}, opts());
    expect(q.map((i) => i.ticket.id)).toEqual([urgent, old, young]);
  });

  test('puts the nearest SLA due time first when a policy applies', async () => {
    const policy = parsePolicyFile(JSON.stringify({
      policies: [
        { name: 'low', match: { priority: 'low' }, calendar: '24x7', first_response: '1h' },
        { name: 'rest', match: {}, calendar: '24x7', first_response: '8h' },
      ],
    }), 'sla.json');
    const urgent = await newTicket('urgent', '2026-03-30T08:00:00Z', 'urgent'); // due 16:00
    const low = await newTicket('low', '2026-03-30T08:30:00Z', 'low'); // due 09:30
    const q = await loadQueue(store.db, {}, { ...opts(), policy });
    expect(q.map((i) => [i.ticket.id, i.due_at])).toEqual([[low, '2026-03-30T09:30:00Z'], [urgent, '2026-03-30T16:00:00Z']]);
  });

  test('a snoozed ticket leaves the queue and comes back when its time has come', async () => {
    const id = await newTicket('snoozy', '2026-03-29T09:00:00Z');
    await store.write((tx) => applyChanges(tx, id, [{ type: 'status', to: 'pending' }, { type: 'snooze', until: '2026-03-30T12:00:00Z' }], 'ana', AT));
    expect(await loadQueue(store.db, {}, opts())).toEqual([]);
    const later = await loadQueue(store.db, {}, opts(new Date('2026-03-30T12:00:00Z')));
    expect(later.map((i) => [i.ticket.id, i.snoozeEnded])).toEqual([[id, '2026-03-30T12:00:00Z']]);
  });

  test('a pending ticket without a snooze waits on the customer and stays out, unless --status asks for it', async () => {
    const id = await newTicket('waiting', '2026-03-29T09:00:00Z');
    await store.write((tx) => applyChanges(tx, id, [{ type: 'status', to: 'pending' }], 'ana', AT));
    expect(await loadQueue(store.db, {}, opts())).toEqual([]);
    const asked = await loadQueue(store.db, { statuses: ['pending'] }, { ...opts(), explicitStatuses: true });
    expect(asked.map((i) => i.ticket.id)).toEqual([id]);
  });

  test('honours the filters', async () => {
    const tech = await newTicket('tech', AT, 'normal', 'tech');
    await newTicket('billing', AT, 'normal', 'billing');
    expect((await loadQueue(store.db, { queues: ['tech'] }, opts())).map((i) => i.ticket.id)).toEqual([tech]);
  });
});

describe('a move to another tier from triage', () => {
  const rules = parseRules('tier_assignment:\n  L2: ben\n', { source: 'rules.yaml', tiers: ['L1', 'L2'] });

  test('hands the ticket to the tier as the rules given say (tier_assignment), read only for the move', async () => {
    const id = await newTicket('move', AT);
    await store.write((tx) => addAgent(tx, { name: 'ben', email: 'ben@desk.example', tier: 'L2', away: false }, AT));
    let reads = 0;
    const events = await applyIfUnchanged(store, id, { tier: 'L1' }, [{ type: 'escalate', to: 'L2', reason: 'db' }], 'ana', AT, async () => (reads++, rules));
    expect(events.map((e) => [e.type, 'to' in e ? e.to : null])).toEqual([['escalate', 'L2'], ['assign', 'ben']]);
    expect((await getTicketHistory(store.db, id)).assignee).toBe('ben');
    expect(reads).toBe(1);

    // Changes that move no tier do not read the rules: a broken rules file cannot stop them.
    const broken = async () => { throw new Error('the rules were read'); };
    await applyIfUnchanged(store, id, { priority: 'normal' }, [{ type: 'priority', to: 'high' }], 'ana', AT, broken);
    expect((await getTicketHistory(store.db, id)).priority).toBe('high');
  });
});
