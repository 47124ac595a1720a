import { compareUrgency, nearestDueAt, sortByUrgency, type QueueEntry } from '../../../src/domain/queue-order.js';

const entry = (id: number, over: Partial<QueueEntry> = {}): QueueEntry => ({
  id, priority: 'normal', created_at: '2026-03-01T00:00:00Z', due_at: null, ...over,
});

describe('triage queue order', () => {
  it('puts the nearest due time first, overdue before soon, and tickets without a running clock last', () => {
    const order = sortByUrgency([
      entry(1, { due_at: null, priority: 'urgent' }),
      entry(2, { due_at: '2026-03-30T12:00:00Z' }),
      entry(3, { due_at: '2026-03-29T08:00:00Z', priority: 'low' }), // already overdue
      entry(4, { due_at: '2026-03-30T09:00:00+02:00' }), // 07:00Z, offsets read as instants
    ]).map((e) => e.id);
    expect(order).toEqual([3, 4, 2, 1]);
  });

  it('breaks a tie on due time by priority, then by age, then by id', () => {
    const due = '2026-03-30T12:00:00Z';
    const order = sortByUrgency([
      entry(5, { due_at: due, priority: 'normal', created_at: '2026-03-02T00:00:00Z' }),
      entry(6, { due_at: due, priority: 'high', created_at: '2026-03-05T00:00:00Z' }),
      entry(7, { due_at: due, priority: 'normal', created_at: '2026-03-01T00:00:00Z' }),
      entry(9, { due_at: due, priority: 'normal', created_at: '2026-03-01T00:00:00Z' }),
      entry(8, { due_at: due, priority: 'normal', created_at: '2026-03-01T00:00:00Z' }),
    ]).map((e) => e.id);
    expect(order).toEqual([6, 7, 8, 9, 5]);
  });

  it('orders tickets without due times by priority then age', () => {
    const order = sortByUrgency([
      entry(1, { priority: 'low', created_at: '2026-01-01T00:00:00Z' }),
      entry(2, { priority: 'urgent', created_at: '2026-03-01T00:00:00Z' }),
      entry(3, { priority: 'normal', created_at: '2026-02-01T00:00:00Z' }),
      entry(4, { priority: 'urgent', created_at: '2026-02-01T00:00:00Z' }),
    ]).map((e) => e.id);
    expect(order).toEqual([4, 2, 3, 1]);
  });

  it('is a consistent comparator (antisymmetric, zero only for the same ticket)', () => {
    const a = entry(1, { due_at: '2026-03-30T12:00:00Z' });
    const b = entry(2, { due_at: '2026-03-30T12:00:00Z' });
    expect(Math.sign(compareUrgency(a, b))).toBe(-Math.sign(compareUrgency(b, a)));
    expect(compareUrgency(a, a)).toBe(0);
  });

  it('takes the nearest due time among the running clocks', () => {
    expect(nearestDueAt([{ due_at: '2026-03-30T12:00:00Z' }, null, { due_at: null }, { due_at: '2026-03-30T09:00:00Z' }])).toBe('2026-03-30T09:00:00Z');
    expect(nearestDueAt([null, undefined, { due_at: null }])).toBeNull();
  });
});
