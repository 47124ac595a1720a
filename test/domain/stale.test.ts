// The rules of a change planned on a stale read (docs/cli.md, "Versions"), over generated
// reads, writes in between and changes: refused exactly when a field the change sets was set by
// someone else to something else; everything else applies to the ticket as it is now.
import { fieldOf, judgeStale, staleMessage, type Basis, type Field } from '../../src/domain/stale.js';
import type { Change, Projection } from '../../src/domain/ticket.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const VALUES: Record<Field, (string | null)[]> = {
  status: ['open', 'pending', 'solved'], priority: ['low', 'normal', 'urgent'], queue: [null, 'tech', 'billing'],
  subject: ['a', 'b'], tier: ['L1', 'L2', 'L3'], assignee: [null, 'ana', 'ben'],
};

function projection(r: () => number): Projection {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  return {
    status: pick(VALUES.status) as Projection['status'], priority: pick(VALUES.priority) as Projection['priority'],
    queue: pick(VALUES.queue), subject: pick(VALUES.subject)!, tier: pick(VALUES.tier)!, assignee: pick(VALUES.assignee), tags: [],
  };
}

function change(r: () => number): Change {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  switch (Math.floor(r() * 8)) {
    case 0: return { type: 'status', to: pick(VALUES.status) as 'open' };
    case 1: return { type: 'priority', to: pick(VALUES.priority) as 'low' };
    case 2: return { type: 'queue', to: pick(VALUES.queue) };
    case 3: return { type: 'escalate', to: pick(VALUES.tier)! };
    case 4: return { type: 'assign', to: pick(VALUES.assignee) };
    case 5: return { type: 'subject', to: pick(VALUES.subject)! };
    case 6: return { type: 'tag', tag: 'x' };
    default: return { type: 'note', text: 'n' };
  }
}

it('a change is refused exactly when a field it sets was set to something else since the read', () => {
  const r = rng(42);
  let refused = 0, applied = 0;
  for (let i = 0; i < 5000; i++) {
    const seen = projection(r);
    const now = r() < 0.3 ? { ...seen } : projection(r);
    const changes = Array.from({ length: 1 + Math.floor(r() * 3) }, () => change(r));
    const basis: Basis = { version: 3, seen };
    const verdict = judgeStale(basis, 4, now, changes);
    const contradicted = changes.some((c) => {
      const f = fieldOf(c);
      return f !== null && now[f] !== seen[f] && now[f] !== (c as { to: string | null }).to;
    });
    expect({ changes, seen, now, refused: verdict !== null }).toEqual({ changes, seen, now, refused: contradicted });
    // Unchanged version: never refused. --if-version: refused whenever the version moved.
    expect(judgeStale(basis, 3, now, changes)).toBeNull();
    expect(judgeStale({ version: 3, strict: true }, 4, now, changes)).not.toBeNull();
    if (verdict) {
      refused++;
      const text = staleMessage(7, verdict, [], { read: 3, now: 4 });
      expect(text).toMatch(/^the \w+ of #7 changed from .+ to .+ while you were \w+/);
    } else applied++;
  }
  expect(refused).toBeGreaterThan(500);
  expect(applied).toBeGreaterThan(500);
});

it('names the latest change of the field, by whom and when', () => {
  const seen = { status: 'open', priority: 'normal', queue: null, subject: 's', tier: 'L1', assignee: null, tags: [] } as Projection;
  const verdict = judgeStale({ version: 1, seen }, 3, { ...seen, assignee: 'ana' }, [{ type: 'assign', to: 'ben' }])!;
  const since = [
    { at: '2026-03-30T14:01:00Z', actor: 'cy', type: 'note' as const, text: 'x' },
    { at: '2026-03-30T14:02:00Z', actor: 'ana', type: 'assign' as const, from: null, to: 'ana' },
  ];
  expect(staleMessage(12, verdict, since, { read: 1, now: 3 })).toBe('#12 was taken by ana at 2026-03-30T14:02:00Z while you were assigning it to ben');
  const strict = judgeStale({ version: 1, strict: true }, 3, seen, [{ type: 'note', text: 'n' }])!;
  expect(staleMessage(12, strict, since, { read: 1, now: 3 })).toBe('#12 changed since version 1 (now 3): it was noted by cy at 2026-03-30T14:01:00Z; taken by ana at 2026-03-30T14:02:00Z while you were adding a note');
});
