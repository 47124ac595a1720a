// The triage hook against a real store (src/store/rules.ts, on the backend of the run): rules run
// on a new ticket inside the write transaction,
// their effects become events by `rules`, and round-robin turns survive between tickets.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateRules } from '../../src/domain/rules/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { addAgent } from '../../src/store/repos/agents.js';
import { addMessage, applyChanges, createTicket, getTicketHistory } from '../../src/store/repos/tickets.js';
import { applyTriageRules, openTicketLoads } from '../../src/store/rules.js';
import { freshStoreLocation } from '../helpers/backend.js';
import { rulesOfConfig } from '../../src/commands/rules-file.js';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_TIERS } from '../../src/domain/types.js';

const AT = '2026-03-30T10:00:00Z';
let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'desk-rules-'));
  store = await openStore({ location: freshStoreLocation(dir) });
  await store.write(async (tx) => {
    for (const [name, tier, away] of [['ana', 'L1', false], ['ben', 'L1', false], ['cy', 'L1', true], ['dee', 'L2', false]] as const) {
      await addAgent(tx, { name, email: `${name}@desk.example`, tier, away }, AT);
    }
  });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const rules = validateRules({
  triage: [
    { name: 'bigcorp vip', match: { from: 'bigcorp.com', keywords: 'outage' }, set: { priority: 'urgent', tags: ['vip'], tier: 'L2' } },
    { name: 'share the work', set: { assignee: 'round-robin' } },
  ],
}, { source: 'rules.yaml' });

async function newTicket(from: string, subject: string, text: string) {
  return store.write(async (tx) => {
    const id = await createTicket(tx, { subject, requester: { email: from }, created_at: AT });
    await addMessage(tx, id, { message_id: `<${id}.${Math.random()}@x>`, direction: 'in', from, date: AT, subject, text });
    const applied = await applyTriageRules(tx, id, { at: AT, rules });
    return { id, applied };
  });
}

test('rules route a new ticket and every effect is an event by `rules` naming the rule', async () => {
  const { id, applied } = await newTicket('cto@eu.bigcorp.com', 'Total outage', 'Nothing works since 9');
  expect(applied.matched).toEqual(['bigcorp vip', 'share the work']);
  const t = await getTicketHistory(store.db, id);
  expect({ priority: t.priority, tier: t.tier, tags: t.tags, assignee: t.assignee }).toEqual({ priority: 'urgent', tier: 'L2', tags: ['vip'], assignee: 'dee' });
  expect(t.events.map((e) => [e.actor, e.type, e.from ?? null, e.to ?? null, e.reason])).toEqual([
    ['rules', 'escalate', 'L1', 'L2', 'bigcorp vip'],
    ['rules', 'priority', 'normal', 'urgent', 'bigcorp vip'],
    ['rules', 'tag', null, 'vip', 'bigcorp vip'],
    ['rules', 'assign', null, 'dee', 'share the work'],
  ]);
  expect(t.events.every((e) => e.at === AT)).toBe(true);
});

test('round-robin takes turns across tickets and skips agents who are away', async () => {
  const assignees: (string | null)[] = [];
  for (let i = 0; i < 3; i++) {
    const { id } = await newTicket('someone@example.com', `Question ${i}`, 'hello');
    assignees.push((await getTicketHistory(store.db, id)).assignee);
  }
  expect(assignees).toEqual(['ana', 'ben', 'ana']);
  expect(await openTicketLoads(store.db)).toEqual({ ana: 2, ben: 1 });
});

test('solved tickets do not count towards an agent\'s load', async () => {
  const { id } = await newTicket('someone@example.com', 'Q', 'hello');
  await store.write((tx) => applyChanges(tx, id, [{ type: 'status', to: 'solved' }], 'ana', AT));
  expect(await openTicketLoads(store.db)).toEqual({});
});

test('without rules the hook changes nothing', async () => {
  const id = await store.write(async (tx) => {
    const id = await createTicket(tx, { subject: 'x', requester: { email: 'a@b.example' }, created_at: AT });
    expect(await applyTriageRules(tx, id, { at: AT, rules: null })).toEqual({ matched: [], events: [], warnings: [] });
    return id;
  });
  expect((await getTicketHistory(store.db, id)).events).toEqual([]);
});

test('the rules file named in the config, read at the edge, is what the store applies', async () => {
  writeFileSync(join(dir, 'rules.yaml'), 'triage:\n  - name: all urgent\n    set: { priority: urgent }\n');
  writeFileSync(join(dir, 'config.yaml'), 'rules: ./rules.yaml\n');
  const before = process.env.DESK_CONFIG;
  process.env.DESK_CONFIG = join(dir, 'config.yaml');
  try {
    const { data } = await loadConfig();
    const rules = rulesOfConfig(data, DEFAULT_TIERS);
    const id = await store.write(async (tx) => {
      const id = await createTicket(tx, { subject: 'x', requester: { email: 'a@b.example' }, created_at: AT });
      await applyTriageRules(tx, id, { at: AT, rules });
      return id;
    });
    expect((await getTicketHistory(store.db, id)).priority).toBe('urgent');
  } finally {
    if (before === undefined) delete process.env.DESK_CONFIG;
    else process.env.DESK_CONFIG = before;
  }
});
