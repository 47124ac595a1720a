import { planChanges, type Projection } from '../../src/domain/ticket.js';
import { filterFromFlags, parseLimit, parseSort } from '../../src/domain/filters.js';
import { UsageError } from '../../src/errors.js';

const base: Projection = { subject: 'S', status: 'open', priority: 'normal', tier: 'L1', queue: 'tech', assignee: null, tags: ['a'] };
const AT = '2026-03-28T09:00:00Z';

describe('planChanges: a ticket is its history', () => {
  test('each real change becomes one event with from/to, actor and time', () => {
    const { events, next } = planChanges(base, [
      { type: 'status', to: 'pending' },
      { type: 'escalate', to: 'L2', reason: 'needs DB access' },
      { type: 'assign', to: 'ana' },
      { type: 'tag', tag: 'vip' },
      { type: 'untag', tag: 'a' },
    ], 'ana', AT);
    expect(events).toEqual([
      { at: AT, actor: 'ana', type: 'status', from: 'open', to: 'pending', reason: null },
      { at: AT, actor: 'ana', type: 'escalate', from: 'L1', to: 'L2', reason: 'needs DB access' },
      { at: AT, actor: 'ana', type: 'assign', from: null, to: 'ana', reason: null },
      { at: AT, actor: 'ana', type: 'tag', to: 'vip', reason: null },
      { at: AT, actor: 'ana', type: 'untag', from: 'a', reason: null },
    ]);
    expect(next).toMatchObject({ status: 'pending', tier: 'L2', assignee: 'ana', tags: ['vip'] });
    expect(base.tags).toEqual(['a']); // the input projection is not mutated
  });

  test('changes that change nothing leave no event', () => {
    const { events } = planChanges(base, [
      { type: 'status', to: 'open' }, { type: 'tag', tag: 'a' }, { type: 'untag', tag: 'zzz' }, { type: 'assign', to: null }, { type: 'queue', to: 'tech' },
    ], 'ana', AT);
    expect(events).toEqual([]);
  });

  test('successive changes chain from the previous value', () => {
    const { events } = planChanges(base, [{ type: 'status', to: 'pending' }, { type: 'status', to: 'solved' }], 'x', AT);
    expect(events.map((e) => [e.from, e.to])).toEqual([['open', 'pending'], ['pending', 'solved']]);
  });
});

describe('filters from the command line', () => {
  const tiers = ['L1', 'L2', 'L3'];
  test('default hides finished tickets; --all shows everything', () => {
    expect(filterFromFlags({}, 'me', tiers).statuses).toEqual(['new', 'open', 'pending', 'on_hold']);
    expect(filterFromFlags({ all: true }, 'me', tiers).statuses).toBeUndefined();
    expect(filterFromFlags({ status: 'solved,closed' }, 'me', tiers).statuses).toEqual(['solved', 'closed']);
  });
  test('--assignee me/none/name', () => {
    expect(filterFromFlags({ assignee: 'me' }, 'ana', tiers).assignee).toBe('ana');
    expect(filterFromFlags({ assignee: 'none' }, 'ana', tiers).assignee).toBeNull();
    expect(filterFromFlags({ assignee: 'ben' }, 'ana', tiers).assignee).toBe('ben');
  });
  test('bad values name the flag and the allowed values', () => {
    expect(() => filterFromFlags({ priority: 'hihg' }, 'me', tiers)).toThrow("invalid value for --priority: 'hihg' (allowed: urgent, high, normal, low)");
    expect(() => filterFromFlags({ tier: 'L9' }, 'me', tiers)).toThrow(UsageError);
    expect(() => parseSort('age', 'updated')).toThrow('--sort');
    expect(() => parseLimit('0', 50)).toThrow('--limit');
    expect(parseLimit('7', 50)).toBe(7);
  });
});

describe('interchange times', () => {
  const line = (created_at: string) => ({ subject: 's', requester: { email: 'a@b.example' }, created_at });
  test('any offset is accepted and written as Z; impossible dates are refused, not rolled over', async () => {
    const { parseTicket } = await import('../../src/domain/interchange.js');
    expect(parseTicket(line('2026-03-27T15:00:00+01:00'), AT, ['L1']).created_at).toBe('2026-03-27T14:00:00Z');
    expect(parseTicket(line('2026-03-27T14:00:00Z'), AT, ['L1']).created_at).toBe('2026-03-27T14:00:00Z');
    expect(parseTicket(line('2024-02-29T00:00:00Z'), AT, ['L1']).created_at).toBe('2024-02-29T00:00:00Z');
    expect(parseTicket(line('2000-02-29T23:59:59Z'), AT, ['L1']).created_at).toBe('2000-02-29T23:59:59Z');
    for (const bad of ['2026-02-30T10:00:00Z', '2100-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-02-29T00:00:00+01:00', '2026-13-01T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T10:61:00Z']) {
      expect(() => parseTicket(line(bad), AT, ['L1'])).toThrow(/not a real time/);
    }
  });
});
