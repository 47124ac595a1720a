// Working a ticket as a team: merge, unmerge, split, links, as agents run them (the built CLI),
// on SQLite and PostgreSQL alike. Mail to a merged ticket is delivered to a real Dovecot and
// synced; the SLA figures come from `desk sla report`, which reads the stored clock inputs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { storeQuery } from '../helpers/backend.js';
import { tempDesk, type RunResult, type TempDesk } from '../helpers/cli.js';
import { accountYaml, startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { createRng, plainMessage, replyMessage } from '../helpers/mailgen.js';
import { hostileStrings, leakOf, runBytesAsync } from '../helpers/hostile.js';

const SUPPORT = 'support@desk.test';
const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';

let dovecot: Dovecot;
const desks: TempDesk[] = [];

beforeAll(async () => {
  dovecot = await startDovecot();
}, 60000);

afterAll(async () => {
  for (const d of desks) d.cleanup();
  await dovecot?.stop();
});

function newDesk(env: Record<string, string> = {}): TempDesk {
  const d = tempDesk(env);
  desks.push(d);
  return d;
}

interface Shown {
  id: number; version: number; subject: string; status: string; tags: string[]; created_at: string;
  requester: { email: string };
  cc: { email: string; name: string | null }[];
  merged_into?: number; links?: { kind: string; ticket: number }[];
  messages: { message_id: string; text: string; direction: string }[];
  events: { type: string; from?: string | null; to?: string | null; text?: string; reason?: string }[];
}

function ok(desk: TempDesk, args: string[], env?: Record<string, string>): RunResult {
  const r = desk.run(args, { env });
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

function show(desk: TempDesk, id: number): Shown {
  return JSON.parse(ok(desk, ['show', String(id), '--json']).stdout) as Shown;
}

/** How many messages the stored clock inputs of a ticket hold (entries with the message bit; layout: src/domain/sla/inputs.ts). */
function clockMessages(desk: TempDesk, id: number): number {
  const [row] = storeQuery<{ clock_inputs: string | null }>(desk.db, `select clock_inputs from tickets where id = ${id}`);
  const values = (row?.clock_inputs ?? '').split(',').slice(4).map(Number);
  return values.filter((v) => ((v % 128) + 128) % 128 >= 64).length;
}

const byEmail = <T extends { email: string }>(list: T[]): T[] => [...list].sort((a, b) => a.email.localeCompare(b.email));

function expectRefused(r: RunResult, code: number, message: RegExp): void {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr: expect.stringMatching(message) });
}

describe('merge over mail', () => {
  it('moves messages, notes and tags; later mail to the merged ticket lands in the target; unmerge restores what moved', async () => {
    const login = await dovecot.addUser('merge@desk.test', 'merge-secret');
    const desk = newDesk({ [PASSWORD_ENV]: login.password });
    // (an SMTP server that is never reached: a reply to the merged ticket is refused before any sending)
    writeFileSync(desk.config, accountYaml({ port: dovecot.port, user: login.user, passwordEnv: PASSWORD_ENV, address: SUPPORT }) + 'smtp:\n  host: 127.0.0.1\n  port: 9\n');
    const joe = { email: 'joe@customer.test', name: 'Joe' };
    // Each thread copies people (its CC list): one of them on both, one on each alone.
    const first = plainMessage({ rng: createRng(1), to: `${SUPPORT}, Pat <pat@customer.test>, ops@customer.test`, from: joe, subject: 'Printer jams', messageId: '<a1@customer.test>', date: new Date('2026-03-02T09:00:00Z') });
    const second = plainMessage({ rng: createRng(2), to: `${SUPPORT}, Mia <mia@customer.test>, Ops <ops@customer.test>`, from: joe, subject: 'Printer jams again', messageId: '<b1@customer.test>', date: new Date('2026-03-02T08:00:00Z') });
    await dovecot.deliver(login.user, [first.raw, second.raw]);
    ok(desk, ['sync']);
    const tickets = JSON.parse(ok(desk, ['list', '--json']).stdout) as { id: number; subject: string }[];
    const target = tickets.find((t) => t.subject === 'Printer jams')!.id;
    const source = tickets.find((t) => t.subject === 'Printer jams again')!.id;
    ok(desk, ['note', String(source), 'called Joe, it is the same printer']);
    ok(desk, ['set', String(source), '--tag', '+hardware']);
    const before = show(desk, target);
    const sourceBefore = show(desk, source);
    const ccRows = () => storeQuery(desk.db, 'select ticket_id, address, name, added_at, source from ticket_cc order by ticket_id, address');
    const ccBefore = ccRows();

    const merged = ok(desk, ['merge', String(source), '--into', String(target)]);
    expect(merged.stdout).toContain(`#${source} merged into #${target}`);
    const stub = show(desk, source);
    expect(stub).toMatchObject({ status: 'closed', merged_into: target, messages: [] });
    expect(stub.events.filter((e) => e.type === 'note')).toEqual([]);
    expect(stub.cc).toEqual([]); // the CC list moved too
    expect(stub.events.at(-1)).toMatchObject({ type: 'merge', from: String(source), to: String(target) });
    expect(stub.version).toBeGreaterThan(sourceBefore.version);
    expect(ok(desk, ['show', String(source)]).stdout).toContain(`merged into #${target}`);
    const t = show(desk, target);
    expect(t.messages.map((m) => m.message_id).sort()).toEqual(['<a1@customer.test>', '<b1@customer.test>']);
    expect(t.tags).toContain('hardware');
    // The target's CC list gains whom only the source copied; the one on both is there once, as the target had it.
    expect(byEmail(t.cc)).toEqual(byEmail([...before.cc, { email: 'mia@customer.test', name: 'Mia' }]));
    expect(byEmail(before.cc)).toEqual([{ email: 'ops@customer.test', name: null }, { email: 'pat@customer.test', name: 'Pat' }]);
    expect(t.events.find((e) => e.type === 'note')?.text).toBe('called Joe, it is the same printer');
    expect(t.events.at(-1)).toMatchObject({ type: 'merge', from: String(source), to: String(target) });
    expect(t.version).toBeGreaterThan(before.version);
    expect(t.created_at).toBe(sourceBefore.created_at < before.created_at ? sourceBefore.created_at : before.created_at);
    // The clocks see the moved mail: the stored inputs were derived again for both tickets.
    expect(clockMessages(desk, target)).toBe(2);
    expect(clockMessages(desk, source)).toBe(0);
    // Merged already: a second merge of it, or of its target into it, is refused (exit 4).
    expectRefused(desk.run(['merge', String(target), '--into', String(source)]), 4, /already merged into|one ticket/);
    expectRefused(desk.run(['reply', String(source), '--message', 'hi']), 4, new RegExp(`merged into #${target}`));

    // Joe answers the merged ticket's thread, and writes with its [#id] in the subject; a
    // stranger's [#id] opens a ticket of its own, as before.
    const reply = replyMessage({ messageId: '<b1@customer.test>', subject: 'Printer jams again', from: joe }, { rng: createRng(3), to: SUPPORT, messageId: '<b2@customer.test>' });
    const tagged = plainMessage({ rng: createRng(4), to: SUPPORT, from: joe, subject: `One more thing [#${source}]`, messageId: '<b3@customer.test>' });
    const stranger = plainMessage({ rng: createRng(5), to: SUPPORT, from: { email: 'eve@else.test', name: null }, subject: `Hello [#${source}]`, messageId: '<e1@else.test>' });
    await dovecot.deliver(login.user, [reply.raw, tagged.raw, stranger.raw]);
    ok(desk, ['sync']);
    const after = show(desk, target);
    expect(after.messages.map((m) => m.message_id)).toEqual(expect.arrayContaining(['<b2@customer.test>', '<b3@customer.test>']));
    expect(show(desk, source).messages).toEqual([]);
    const all = JSON.parse(ok(desk, ['list', '--all', '--json']).stdout) as { id: number; requester: { email: string } }[];
    expect(all).toHaveLength(3);
    expect(all.filter((x) => x.requester.email === 'eve@else.test')).toHaveLength(1);
    expect(ok(desk, ['show', String(target), '--why']).stdout).toContain(`#${source} is merged into #${target}`);
    expect(clockMessages(desk, target)).toBe(4);

    // Unmerge: what the merge moved goes back; mail that came after stays where it landed.
    const un = ok(desk, ['unmerge', String(source)]);
    expect(un.stdout).toContain(`#${source} unmerged from #${target}`);
    const back = show(desk, source);
    expect(back.merged_into).toBeUndefined();
    expect(back.status).toBe(sourceBefore.status);
    expect(back.messages.map((m) => m.message_id)).toEqual(['<b1@customer.test>']);
    expect(back.events.some((e) => e.type === 'note' && e.text === 'called Joe, it is the same printer')).toBe(true);
    expect(back.cc).toEqual(sourceBefore.cc);
    expect(byEmail(sourceBefore.cc)).toEqual([{ email: 'mia@customer.test', name: 'Mia' }, { email: 'ops@customer.test', name: 'Ops' }]);
    expect(ccRows()).toEqual(ccBefore); // as they were, to when each was added and from where
    const kept = show(desk, target);
    expect(kept.messages.map((m) => m.message_id).sort()).toEqual(['<a1@customer.test>', '<b2@customer.test>', '<b3@customer.test>']);
    expect(kept.tags).not.toContain('hardware');
    expect(kept.cc).toEqual(before.cc);
    expect(kept.created_at).toBe(before.created_at);
    expect(kept.events.at(-1)).toMatchObject({ type: 'unmerge', from: String(source), to: String(target) });
    expect(clockMessages(desk, source)).toBe(1);
    expect(clockMessages(desk, target)).toBe(3);
    expectRefused(desk.run(['unmerge', String(source)]), 4, /not merged/);
  }, 90000);
});

describe('merging two tickets into each other at the same moment', () => {
  it('exactly one of the two merges succeeds; the other exits 4 saying so', async () => {
    const desk = newDesk();
    for (let round = 0; round < 2; round++) {
      ok(desk, ['new', '--from', `c${round}@customer.test`, '--subject', `first ${round}`]);
      ok(desk, ['new', '--from', `c${round}@customer.test`, '--subject', `second ${round}`]);
      const a = 2 * round + 1, b = a + 1;
      const results = await Promise.all([
        desk.runAsync(['merge', String(a), '--into', String(b)]),
        desk.runAsync(['merge', String(b), '--into', String(a)]),
      ]);
      const codes = results.map((r) => r.code).sort();
      expect({ round, codes }).toEqual({ round, codes: [0, 4] });
      const loser = results.find((r) => r.code === 4)!;
      expect(loser.stderr).toMatch(/already merged into #\d+: the two are one ticket now/);
      const merged = [show(desk, a), show(desk, b)].filter((t) => t.merged_into !== undefined);
      expect(merged).toHaveLength(1);
      expect(merged[0]!.status).toBe('closed');
    }
  }, 90000);
});

describe('links, split, SLA and export', () => {
  it('links show and filter; close asks about children; split makes a related ticket; SLA reads the merged history; export → import keeps merges and links', async () => {
    const desk = newDesk({ DESK_NOW: '2026-03-02T12:00:00Z' });
    const msg = (id: string, direction: 'in' | 'out', date: string, text: string) => ({ message_id: id, direction, from: direction === 'in' ? 'ann@customer.test' : SUPPORT, date, text });
    const lines = [
      { id: 1, subject: 'Login fails', requester: { email: 'ann@customer.test' }, created_at: '2026-03-02T10:00:00Z', messages: [msg('<l1@c>', 'in', '2026-03-02T10:00:00Z', 'cannot log in')] },
      { id: 2, subject: 'Login still fails', requester: { email: 'ann@customer.test' }, created_at: '2026-03-02T08:00:00Z',
        messages: [msg('<l2@c>', 'in', '2026-03-02T08:00:00Z', 'login broken'), msg('<l3@c>', 'out', '2026-03-02T09:00:00Z', 'looking into it')] },
      { id: 3, subject: 'Outage', requester: { email: 'ops@customer.test' }, created_at: '2026-03-02T07:00:00Z',
        messages: [msg('<o1@c>', 'in', '2026-03-02T07:00:00Z', 'site down'), msg('<o2@c>', 'in', '2026-03-02T07:30:00Z', 'also: invoices are wrong'), msg('<o3@c>', 'in', '2026-03-02T07:40:00Z', 'the VAT line')] },
      { id: 4, subject: 'Outage in Berlin', requester: { email: 'b@customer.test' }, created_at: '2026-03-02T07:05:00Z' },
      { id: 5, subject: 'Outage in Paris', requester: { email: 'p@customer.test' }, created_at: '2026-03-02T07:06:00Z' },
    ];
    const file = join(desk.dir, 'in.jsonl');
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    ok(desk, ['import', file]);
    const policy = join(desk.dir, 'sla.json');
    writeFileSync(policy, JSON.stringify({ policies: [{ name: 'all', match: {}, calendar: '24x7', first_response: '8h', resolution: '40h' }] }));
    const report = () => JSON.parse(ok(desk, ['sla', 'report', '--policy', policy, '--json', '--since', '2026-03-01']).stdout).total as { tickets: number; first_response_median_s: number | null };

    // SLA: the merged ticket starts when the earlier of the two did, and its first response is the earliest reply of either.
    expect(report().tickets).toBe(5);
    ok(desk, ['merge', '2', '--into', '1']);
    expect(show(desk, 1).created_at).toBe('2026-03-02T08:00:00Z');
    const merged = report();
    expect(merged.tickets).toBe(4);
    expect(merged.first_response_median_s).toBe(3600);

    // Links: as each side sees them, in show, show --json and list --linked-to.
    expect(ok(desk, ['link', '3', '--child', '4']).stdout).toContain('#3 is now parent of #4');
    ok(desk, ['link', '5', '--parent', '3']);
    ok(desk, ['link', '1', '--duplicate-of', '3']);
    expect(show(desk, 3).links).toEqual([{ kind: 'duplicate', ticket: 1 }, { kind: 'child', ticket: 4 }, { kind: 'child', ticket: 5 }]);
    expect(show(desk, 4).links).toEqual([{ kind: 'parent', ticket: 3 }]);
    expect(ok(desk, ['show', '3']).stdout).toContain('links duplicated by #1, parent of #4, parent of #5');
    expect(show(desk, 4).events.at(-1)).toMatchObject({ type: 'link', from: 'parent', to: '3' });
    const linked = JSON.parse(ok(desk, ['list', '--linked-to', '3', '--json']).stdout) as { id: number }[];
    expect(linked.map((t) => t.id).sort()).toEqual([1, 4, 5]);
    // the query language knows links too: linked:ID, in SQL on either backend
    const byQuery = JSON.parse(ok(desk, ['list', 'linked:3', '-id:5', '--all', '--json']).stdout) as { id: number }[];
    expect(byQuery.map((t) => t.id).sort()).toEqual([1, 4]);
    expectRefused(desk.run(['link', '4', '--related', '3']), 4, /already child of #3/);
    expectRefused(desk.run(['link', '3', '--related', '3']), 2, /itself/);
    expectRefused(desk.run(['link', '3', '--child', '4', '--related', '5']), 2, /exactly one of/);
    expectRefused(desk.run(['link', '3', '--related', '99']), 3, /no ticket #99/);
    expectRefused(desk.run(['unlink', '3', '2']), 3, /not linked/);

    // Closing a parent: without a terminal and without a flag only the parent closes, saying so.
    const closed = ok(desk, ['close', '3']);
    expect(closed.stderr).toContain('#3 has 2 open child ticket(s) that stay open: #4, #5');
    const statuses = () => new Map((JSON.parse(ok(desk, ['list', '--all', '--json']).stdout) as { id: number; status: string }[]).map((t) => [t.id, t.status]));
    const was = statuses();
    expect([3, 4, 5].map((id) => was.get(id))).toEqual(['closed', 'open', 'open']);
    ok(desk, ['reopen', '3']);
    ok(desk, ['close', '3', '--with-children']);
    const now = statuses();
    expect([3, 4, 5].map((id) => now.get(id))).toEqual(['closed', 'closed', 'closed']);
    ok(desk, ['unlink', '5', '3']);
    expect(show(desk, 5).links).toBeUndefined();

    // Split: the messages named go to a new ticket of the same requester, linked related.
    ok(desk, ['reopen', '3']);
    expectRefused(desk.run(['split', '3', '--messages', '<nope@c>']), 3, /has no message <nope@c>/);
    expectRefused(desk.run(['split', '3', '--messages', '<o1@c>', 'o2@c', '<o3@c>']), 2, /every message/);
    const split = ok(desk, ['split', '3', '--messages', 'o2@c', '<o3@c>', '--json']);
    const fresh = JSON.parse(split.stdout) as Shown;
    const n = show(desk, fresh.id);
    expect(n.requester.email).toBe('ops@customer.test');
    expect(n.messages.map((m) => m.message_id)).toEqual(['<o2@c>', '<o3@c>']);
    expect(n.created_at).toBe('2026-03-02T07:30:00Z');
    expect(n.links).toEqual([{ kind: 'related', ticket: 3 }]);
    expect(show(desk, 3).messages.map((m) => m.message_id)).toEqual(['<o1@c>']);
    expect(show(desk, 3).events.some((e) => e.type === 'split' && e.to === String(fresh.id))).toBe(true);
    expect([clockMessages(desk, 3), clockMessages(desk, fresh.id)]).toEqual([1, 2]);

    // Hostile arguments, generated: refused with exit 2 or 3, nothing written, nothing leaks to the terminal.
    const version = show(desk, 3).version;
    const hostile = hostileStrings(1913, 3, { noNul: true });
    const runs = hostile.flatMap((h) => [['split', '3', '--messages', `<${h}@x>`], ['link', '3', '--related', h], ['merge', h, '--into', '3'], ['unlink', '3', h]]);
    const results = await Promise.all(runs.map((args) => runBytesAsync(desk, args)));
    results.forEach((r, i) => {
      expect({ args: runs[i], code: [2, 3].includes(r.code), leak: leakOf(runs[i]!, r) }).toEqual({ args: runs[i], code: true, leak: undefined });
    });
    expect(show(desk, 3).version).toBe(version);

    // Export → import into another desk: the merge and the links come along, byte for byte.
    const exported = ok(desk, ['export']).stdout;
    const other = newDesk({ DESK_NOW: '2026-03-02T12:00:00Z' });
    const copy = join(other.dir, 'copy.jsonl');
    writeFileSync(copy, exported);
    ok(other, ['import', copy]);
    expect(show(other, 2).merged_into).toBe(1);
    expect(show(other, 3).links).toEqual(show(desk, 3).links);
    expect(ok(other, ['export']).stdout).toBe(exported);
  }, 120000);
});
