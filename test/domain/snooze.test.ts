// When a snooze is over, and what its end writes, as pure functions of the history and `now`.
import { snoozeEndChanges, snoozeState } from '../../src/domain/snooze.js';
import type { Message, Status, TicketEvent } from '../../src/domain/types.js';

const T = (hhmm: string) => `2026-03-30T${hhmm}:00Z`;
const at = (hhmm: string) => new Date(T(hhmm));
const snooze = (when: string, until: string, actor = 'ana'): TicketEvent => ({ at: T(when), actor, type: 'snooze', to: T(until) });
const status = (when: string, from: Status, to: Status, actor = 'ana'): TicketEvent => ({ at: T(when), actor, type: 'status', from, to });
const mail = (when: string, extra: Partial<Message> = {}): Pick<Message, 'direction' | 'date' | 'auto'> => ({ direction: 'in', date: T(when), auto: null, ...extra });
const h = (events: TicketEvent[], messages: ReturnType<typeof mail>[] = [], st: Status = 'open') => ({ status: st, events, messages });

test('hidden until its time, back in the queue after it, with the end dated when it ended', () => {
  const history = h([snooze('09:00', '12:00')]);
  expect(snoozeState(history, at('11:59'))).toEqual({ until: T('12:00'), ended: null, unrecorded: null });
  expect(snoozeState(history, at('12:00'))).toMatchObject({ until: null, ended: T('12:00') });
  expect(snoozeEndChanges(history, at('13:00'))).toEqual({ at: T('12:00'), changes: [{ type: 'unsnooze', until: T('12:00'), reason: 'snooze time reached' }] });
  expect(snoozeEndChanges(history, at('11:00'))).toBeNull();
});

test('the customer writing ends it early (automatic mail does not); so does a status change', () => {
  const wrote = h([snooze('09:00', '12:00')], [mail('08:00'), mail('09:30', { auto: 'auto-reply' }), mail('10:15')]);
  expect(snoozeState(wrote, at('10:00')).until).toBe(T('12:00'));
  expect(snoozeState(wrote, at('10:30'))).toMatchObject({ until: null, ended: null });
  expect(snoozeEndChanges(wrote, at('10:30'))).toEqual({ at: T('10:15'), changes: [{ type: 'unsnooze', until: T('12:00'), reason: 'the customer wrote' }] });
  const solved = h([snooze('09:00', '12:00'), status('10:00', 'open', 'solved')], [], 'solved');
  expect(snoozeState(solved, at('10:30')).until).toBeNull();
  expect(snoozeEndChanges(solved, at('10:30'))?.changes).toEqual([{ type: 'unsnooze', until: T('12:00'), reason: 'the status changed' }]);
});

test("an older desk's snooze (pending with it) reopens at its time, unless someone decided the status since", () => {
  const legacy = [status('09:00', 'open', 'pending'), snooze('09:00', '12:00')];
  expect(snoozeEndChanges(h(legacy, [], 'pending'), at('13:00'))).toEqual({
    at: T('12:00'),
    changes: [{ type: 'unsnooze', until: T('12:00'), reason: 'snooze time reached' }, { type: 'status', to: 'open', reason: 'snooze time reached' }],
  });
  // An agent's own pending with a later snooze is theirs: the snooze's end leaves the status alone.
  const own = [status('08:00', 'open', 'pending'), snooze('09:00', '12:00')];
  expect(snoozeEndChanges(h(own, [], 'pending'), at('13:00'))?.changes).toEqual([{ type: 'unsnooze', until: T('12:00'), reason: 'snooze time reached' }]);
  // Set pending again after the time came: nothing to give back, not "back because of the snooze".
  const decided = [...legacy, status('12:30', 'pending', 'on_hold'), status('12:40', 'on_hold', 'pending')];
  expect(snoozeState(h(decided, [], 'pending'), at('13:00')).ended).toBeNull();
  expect(snoozeEndChanges(h(decided, [], 'pending'), at('13:00'))?.changes).toHaveLength(1);
});

test('a written end is the end: nothing more to write, and a new snooze starts afresh', () => {
  const ended: TicketEvent = { at: T('12:00'), actor: 'desk', type: 'snooze', from: T('12:00'), reason: 'snooze time reached' };
  expect(snoozeEndChanges(h([snooze('09:00', '12:00'), ended]), at('13:00'))).toBeNull();
  expect(snoozeState(h([snooze('09:00', '12:00'), ended]), at('13:00')).ended).toBe(T('12:00'));
  expect(snoozeState(h([snooze('09:00', '12:00'), ended, snooze('13:00', '15:00')]), at('14:00')).until).toBe(T('15:00'));
});
