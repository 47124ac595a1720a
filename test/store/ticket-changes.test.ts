// The payload of a ticket-change notification (channel desk_tickets): the ids a write changed, or
// "*" when they do not fit in one PostgreSQL notification. Whoever reads one treats it as a hint:
// any payload at all, however odd, reads as some ids or as "read everything", never as an error.
import { ALL_TICKETS, changePayload, parsePayload } from '../../src/store/ticket-changes.js';
import { createRng } from '../helpers/mailgen.js';

test('ids go out sorted and come back as they went', () => {
  expect(changePayload([42, 7, 1000])).toBe('7,42,1000');
  expect(parsePayload('7,42,1000')).toEqual([7, 42, 1000]);
});

test('more ids than a notification holds say "everything" instead, under PostgreSQL\'s 8000 bytes', () => {
  const many = Array.from({ length: 5000 }, (_, i) => 1_000_000 + i);
  expect(changePayload(many)).toBe(ALL_TICKETS);
  expect(parsePayload(ALL_TICKETS)).toBe('all');
  const fits = Array.from({ length: 800 }, (_, i) => 1_000_000 + i);
  expect(Buffer.byteLength(changePayload(fits))).toBeLessThan(8000);
  expect(parsePayload(changePayload(fits))).toEqual(fits);
});

test('any other payload is read as "everything" and never throws', () => {
  const rng = createRng(7);
  const alphabet = ['1', '2', ',', ' ', '-', '*', 'x', '\u0000', '9'.repeat(30), 'é', '\n'];
  for (let i = 0; i < 2000; i++) {
    const text = Array.from({ length: rng.int(0, 40) }, () => rng.pick(alphabet)).join('');
    const r = parsePayload(text);
    if (r !== 'all') {
      expect(text).toMatch(/^\d+(,\d+)*$/);
      expect(r.every((n) => Number.isSafeInteger(n) && n >= 0)).toBe(true);
    }
  }
  expect(parsePayload(undefined)).toBe('all');
  expect(parsePayload('')).toBe('all');
});
