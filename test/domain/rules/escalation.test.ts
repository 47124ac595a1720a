import {
  evaluateEscalation, RULES_ACTOR, unansweredSince, validateRules,
  type EscalationInput, type RuleChange, type SlaFacts,
} from '../../../src/domain/rules/index.js';
import type { TicketEvent } from '../../../src/domain/types.js';

const tiers = ['L1', 'L2', 'L3'];
const rulesOf = (data: Record<string, unknown>) => validateRules(data, { source: 'rules.yaml' });

function ticket(over: Partial<EscalationInput['ticket']> = {}): EscalationInput['ticket'] {
  return {
    id: 42, subject: 'Export fails', status: 'open', priority: 'normal', tier: 'L1', queue: 'tech', tags: [],
    messages: [{ message_id: '<1@x>', direction: 'in', from: 'joao@example.com', date: '2026-03-27T14:00:00Z', text: 'help' }],
    events: [],
    ...over,
  };
}

const clock = (elapsed_s: number, target_s: number, extra: Partial<{ stopped: boolean }> = {}) =>
  ({ elapsed_s, target_s, breached: elapsed_s > target_s, ...extra });

/** Records decisions as events the way the store would, so a second run sees the first one's marks. */
function applied(t: EscalationInput['ticket'], changes: RuleChange[], at: string): EscalationInput['ticket'] {
  const events: TicketEvent[] = changes.map((c) => ({
    at, actor: RULES_ACTOR, type: c.type, reason: c.reason,
    ...(c.type === 'note' ? { text: c.text } : c.type === 'tag' ? { to: c.tag } : { to: c.to }),
  }));
  const next = { ...t, events: [...t.events, ...events] };
  for (const c of changes) {
    if (c.type === 'escalate') next.tier = c.to;
    if (c.type === 'priority') next.priority = c.to;
  }
  return next;
}

const rules = rulesOf({
  leads: { L2: 'l2@example.com', L3: 'l3@example.com' },
  escalation: [
    { name: 'L1 slow', when: { tier: 'L1', resolution_used: '80%' }, then: { escalate: 'next' } },
    { name: 'urgent breach', when: { priority: 'urgent', breached: 'first_response' }, then: { escalate: 'L3', notify: 'lead' } },
    { name: 'customer waiting', when: { unanswered_for: '24h' }, then: { priority: 'raise' } },
  ],
});

describe('evaluateEscalation', () => {
  it('escalates an L1 ticket once 80% of its resolution target is used, and says why', () => {
    const out = evaluateEscalation(rules, { ticket: ticket(), sla: { resolution: clock(82 * 36, 100 * 36) } }, { tiers });
    expect(out.decisions).toEqual([{
      ticketId: 42, rule: 'L1 slow', why: ['tier L1', 'resolution 82% used (≥ 80%)'],
      changes: [{ type: 'escalate', to: 'L2', reason: 'L1 slow' }], notification: null,
    }]);
  });

  it('leaves a ticket below the threshold, in another tier, or with a stopped clock alone', () => {
    const none = (t: EscalationInput['ticket'], sla: SlaFacts) => evaluateEscalation(rules, { ticket: t, sla }, { tiers }).decisions;
    expect(none(ticket(), { resolution: clock(79, 100) })).toEqual([]);
    expect(none(ticket({ tier: 'L2' }), { resolution: clock(90, 100) })).toEqual([]);
    expect(none(ticket(), { resolution: clock(90, 100, { stopped: true }) })).toEqual([]);
    expect(none(ticket(), {})).toEqual([]);
  });

  it('never acts on solved or closed tickets unless a rule asks for those statuses', () => {
    const sla = { resolution: clock(90, 100) };
    expect(evaluateEscalation(rules, { ticket: ticket({ status: 'solved' }), sla }, { tiers }).decisions).toEqual([]);
    const forSolved = rulesOf({ escalation: [{ name: 'audit', when: { status: 'solved', tier: 'L1' }, then: { priority: 'low' } }] });
    expect(evaluateEscalation(forSolved, { ticket: ticket({ status: 'solved' }), sla }, { tiers }).decisions).toHaveLength(1);
  });

  it('sends a breached urgent ticket to L3 and notifies the L3 lead, noting it in the history', () => {
    const out = evaluateEscalation(rules, { ticket: ticket({ priority: 'urgent' }), sla: { first_response: clock(3700, 3600) } }, { tiers });
    expect(out.decisions).toEqual([{
      ticketId: 42, rule: 'urgent breach', why: ['priority urgent', 'first response breached'],
      changes: [
        { type: 'escalate', to: 'L3', reason: 'urgent breach' },
        { type: 'note', text: "Escalation rule 'urgent breach' notified l3@example.com (tier L3): priority urgent; first response breached", reason: 'urgent breach' },
      ],
      notification: { to: ['l3@example.com'], tier: 'L3', ticketId: 42, subject: 'Export fails', rule: 'urgent breach', why: 'priority urgent; first response breached' },
    }]);
  });

  it('does not escalate anything twice when run twice', () => {
    let t = ticket({ priority: 'urgent' });
    const sla: SlaFacts = { first_response: clock(4000, 3600), resolution: clock(90, 100), lastInboundUnansweredBusinessSeconds: 30 * 3600 };
    const first = evaluateEscalation(rules, { ticket: t, sla }, { tiers });
    expect(first.decisions.map((d) => d.rule)).toEqual(['L1 slow', 'urgent breach']); // urgent stays urgent: nothing to raise
    t = applied(t, first.decisions.flatMap((d) => d.changes), '2026-03-30T10:00:00Z');
    expect(t.tier).toBe('L3');
    expect(evaluateEscalation(rules, { ticket: t, sla }, { tiers }).decisions).toEqual([]);
  });

  it('does not fight an agent who moved the ticket back down', () => {
    const t = ticket({
      tier: 'L1',
      events: [
        { at: '2026-03-30T10:00:00Z', actor: RULES_ACTOR, type: 'escalate', from: 'L1', to: 'L2', reason: 'L1 slow' },
        { at: '2026-03-30T11:00:00Z', actor: 'ana', type: 'escalate', from: 'L2', to: 'L1', reason: 'I have got this' },
      ],
    });
    expect(evaluateEscalation(rules, { ticket: t, sla: { resolution: clock(95, 100) } }, { tiers }).decisions).toEqual([]);
  });

  it('lets each rule see what earlier rules did in the same run', () => {
    const chain = rulesOf({
      escalation: [
        { name: 'to L2', when: { tier: 'L1', resolution_used: 0.5 }, then: { escalate: 'next' } },
        { name: 'L2 late', when: { tier: 'L2', resolution_used: 0.9 }, then: { escalate: 'next' } },
      ],
    });
    const out = evaluateEscalation(chain, { ticket: ticket(), sla: { resolution: clock(95, 100) } }, { tiers });
    expect(out.decisions.flatMap((d) => d.changes)).toEqual([
      { type: 'escalate', to: 'L2', reason: 'to L2' },
      { type: 'escalate', to: 'L3', reason: 'L2 late' },
    ]);
  });

  it('does nothing (and leaves no mark) when the ticket is already where the rule would put it', () => {
    const top = rulesOf({ escalation: [{ name: 'up', when: { tier: 'L3' }, then: { escalate: 'next', priority: 'raise' } }] });
    expect(evaluateEscalation(top, { ticket: ticket({ tier: 'L3', priority: 'urgent' }), sla: {} }, { tiers }).decisions).toEqual([]);
  });

  describe('a customer waiting for an answer', () => {
    const msg = (direction: 'in' | 'out', date: string, auto: string | null = null) =>
      ({ message_id: `<${date}>`, direction, from: 'x@example.com', date, text: '', auto });

    it('raises the priority one step after 24 business hours, once per wait', () => {
      const messages = [msg('in', '2026-03-20T09:00:00Z'), msg('out', '2026-03-20T10:00:00Z'), msg('in', '2026-03-23T09:00:00Z')];
      let t = ticket({ tier: 'L2', messages });
      const sla = { lastInboundUnansweredBusinessSeconds: 25 * 3600 };
      const first = evaluateEscalation(rules, { ticket: t, sla }, { tiers });
      expect(first.decisions).toEqual([{
        ticketId: 42, rule: 'customer waiting', why: ['customer waiting 25h of business time (≥ 24h)'],
        changes: [{ type: 'priority', to: 'high', reason: 'customer waiting' }], notification: null,
      }]);
      t = applied(t, first.decisions[0]!.changes, '2026-03-27T09:00:00Z');
      expect(evaluateEscalation(rules, { ticket: t, sla }, { tiers }).decisions).toEqual([]);

      // We answer, the customer writes again and waits another 24 business hours: a new wait.
      t = { ...t, messages: [...t.messages, msg('out', '2026-03-27T10:00:00Z'), msg('in', '2026-03-27T11:00:00Z')] };
      const again = evaluateEscalation(rules, { ticket: t, sla }, { tiers });
      expect(again.decisions.flatMap((d) => d.changes)).toEqual([{ type: 'priority', to: 'urgent', reason: 'customer waiting' }]);
    });

    it('does not count a short wait or a ticket nobody is waiting on', () => {
      expect(evaluateEscalation(rules, { ticket: ticket({ tier: 'L2' }), sla: { lastInboundUnansweredBusinessSeconds: 23 * 3600 } }, { tiers }).decisions).toEqual([]);
      const answered = ticket({ tier: 'L2', messages: [msg('in', '2026-03-20T09:00:00Z'), msg('out', '2026-03-20T10:00:00Z')] });
      expect(evaluateEscalation(rules, { ticket: answered, sla: { lastInboundUnansweredBusinessSeconds: 99 * 3600 } }, { tiers }).decisions).toEqual([]);
    });

    it('dates the wait from the customer\'s first message after our last reply, ignoring auto-replies', () => {
      expect(unansweredSince([])).toBeNull();
      expect(unansweredSince([msg('in', '2026-03-20T09:00:00Z'), msg('in', '2026-03-20T12:00:00Z')])).toBe('2026-03-20T09:00:00Z');
      expect(unansweredSince([msg('in', '2026-03-20T09:00:00Z'), msg('out', '2026-03-20T10:00:00Z')])).toBeNull();
      expect(unansweredSince([
        msg('out', '2026-03-20T10:00:00Z'), msg('in', '2026-03-20T10:01:00Z', 'auto-reply'), msg('in', '2026-03-20T12:00:00Z'),
      ])).toBe('2026-03-20T12:00:00Z');
      // order of the list does not matter, dates do
      expect(unansweredSince([msg('in', '2026-03-21T09:00:00Z'), msg('out', '2026-03-20T10:00:00Z')])).toBe('2026-03-21T09:00:00Z');
    });
  });

  describe('notifications', () => {
    it('tells the lead of the tier after the escalation, plus any named address, each once', () => {
      const r = rulesOf({
        leads: { L2: ['l2@example.com', 'duty@example.com'] },
        escalation: [{ name: 'n', when: { tier: 'L1' }, then: { escalate: 'next', notify: ['lead', 'duty@example.com', 'ops@example.com'] } }],
      });
      const [d] = evaluateEscalation(r, { ticket: ticket(), sla: {} }, { tiers }).decisions;
      expect(d!.notification!.to).toEqual(['l2@example.com', 'duty@example.com', 'ops@example.com']);
      expect(d!.notification!.tier).toBe('L2');
    });

    it('notifies once even when there is nothing else to change', () => {
      const r = rulesOf({ leads: { L2: 'l2@example.com' }, escalation: [{ name: 'watch', when: { tier: 'L2', tag: 'vip' }, then: { notify: 'lead' } }] });
      let t = ticket({ tier: 'L2', tags: ['vip'] });
      const first = evaluateEscalation(r, { ticket: t, sla: {} }, { tiers }).decisions;
      expect(first.map((d) => d.notification?.to)).toEqual([['l2@example.com']]);
      t = applied(t, first[0]!.changes, '2026-03-30T10:00:00Z');
      expect(evaluateEscalation(r, { ticket: t, sla: {} }, { tiers }).decisions).toEqual([]);
    });

    it('warns when the tier reached has no lead', () => {
      const r = rulesOf({ escalation: [{ name: 'n', when: { tier: 'L1' }, then: { escalate: 'next', notify: 'lead' } }] });
      const out = evaluateEscalation(r, { ticket: ticket(), sla: {} }, { tiers });
      expect(out.decisions.map((d) => [d.changes, d.notification])).toEqual([[[{ type: 'escalate', to: 'L2', reason: 'n' }], null]]);
      expect(out.warnings).toEqual(["rule 'n': no lead is given for tier L2; nobody to notify for #42"]);
    });
  });

  it('matches on queue, tag, status and several clocks, all of which must hold', () => {
    const r = rulesOf({
      escalation: [{
        name: 'billing vip',
        when: { queue: 'billing', tag: ['vip', 'gold'], status: 'open', first_response_used: 0.5, breached: ['next_response', 'resolution'] },
        then: { priority: 'urgent' },
      }],
    });
    const sla: SlaFacts = { first_response: clock(60, 100), resolution: clock(120, 100) };
    const run = (over: Partial<EscalationInput['ticket']>, s = sla) => evaluateEscalation(r, { ticket: ticket({ queue: 'billing', tags: ['gold'], ...over }), sla: s }, { tiers }).decisions;
    expect(run({})[0]!.why).toEqual(['status open', 'queue billing', 'tag gold', 'first response 60% used (≥ 50%)', 'resolution breached']);
    expect(run({ queue: 'tech' })).toEqual([]);
    expect(run({ tags: [] })).toEqual([]);
    expect(run({ status: 'pending' })).toEqual([]);
    expect(run({}, { ...sla, resolution: clock(90, 100) })).toEqual([]);
  });
});
