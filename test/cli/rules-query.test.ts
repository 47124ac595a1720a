// Rules that take a query (src/domain/rules/README.md): a triage rule routes new mail by a query
// (desk new, import, sync), an escalation rule picks tickets by one; both judge the ticket in
// memory as earlier rules left it. That judging agrees with the store's SQL: generated queries
// give the same tickets both ways, on both backends (this file runs in both jest projects).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { QUERY_NOW, queryDataLines } from '../helpers/query-data.js';
import { createRng, type Rng } from '../helpers/mailgen.js';
import { startDovecot, accountYaml } from '../helpers/dovecot.js';
import { parseQuery } from '../../src/domain/query/index.js';
import { queryMatches } from '../../src/domain/query/evaluate.js';
import { queryFactsOf } from '../../src/domain/query/facts.js';
import { parseTicket } from '../../src/domain/interchange.js';
import { openStore } from '../../src/store/index.js';
import { queryCondition } from '../../src/store/query.js';

const desks: TempDesk[] = [];
afterAll(() => desks.forEach((d) => d.cleanup()));

function deskWith(env: Record<string, string>): TempDesk {
  const d = tempDesk(env);
  desks.push(d);
  return d;
}

function ok(desk: TempDesk, args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  const r = desk.run(args, opts);
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

// ---- the same tickets in memory as in SQL ------------------------------------------------------

const TERMS = [
  'status:open', 'status:pending,closed', 'prio:high', 'prio:low,urgent', 'queue:tech', 'queue:none', 'queue:billing,none',
  'tier:L2', 'tag:api', 'tag:vip,refund', 'assignee:ana', 'assignee:none', 'assignee:me', 'from:@acme.com', 'from:joe@acme.com',
  'from:sub.acme', 'org:acme', 'org:none', 'subject:refund', 'subject:"error 500"', 'has:attachment', 'is:unanswered',
  'is:snoozed', 'created:>2026-11-05', 'created:2026-11-09', 'updated:<1d', 'age:>3d', 'id:3,5', 'linked:3', 'linked:1',
  'export', 'creme', 'refund', '"refund order"', 'expo', 'ord', 'joe@', 'api',
];

/** A random query of terms, '-', OR and parentheses, up to `depth` levels. */
function randomQuery(rng: Rng, depth: number): string {
  const roll = rng.next();
  if (depth === 0 || roll < 0.35) return rng.pick(TERMS);
  if (roll < 0.5) return `-${rng.chance(0.5) ? rng.pick(TERMS) : `(${randomQuery(rng, depth - 1)})`}`;
  if (roll < 0.75) return `(${randomQuery(rng, depth - 1)} OR ${randomQuery(rng, depth - 1)})`;
  return `${randomQuery(rng, depth - 1)} ${randomQuery(rng, depth - 1)}`;
}

test('a query judged in memory (as rules judge it) gives the tickets the store gives, on generated queries', async () => {
  const desk = deskWith({ DESK_NOW: QUERY_NOW, DESK_AGENT: 'ana' });
  const file = join(desk.dir, 'tickets.jsonl');
  writeFileSync(file, queryDataLines());
  ok(desk, ['import', file]);
  ok(desk, ['org', 'add', 'Acme', '--domain', 'acme.com']);
  ok(desk, ['link', '1', '--related', '3']);

  const now = new Date(QUERY_NOW);
  const tickets = ok(desk, ['export']).trim().split('\n').map((l) => JSON.parse(l))
    .filter((o) => o.requester) // the tickets (an export also holds organisation and customer lines)
    .map((o) => parseTicket(o, QUERY_NOW, ['L1', 'L2', 'L3']));
  const facts = tickets.map((t) => queryFactsOf(t, { now }));
  expect(facts.find((f) => f.id === 3)?.linked).toEqual([1]); // what the terms below can tell apart
  expect(facts.filter((f) => f.org === 'acme').map((f) => f.id)).toEqual([1, 2, 5, 6, 8]);

  const rng = createRng(20261125);
  const queries = [...TERMS, ...Array.from({ length: 200 }, () => randomQuery(rng, 3))];
  const inMemory = queries.map((q) => {
    const node = parseQuery(q, { now, me: 'ana', tiers: ['L1', 'L2', 'L3'], timeZone: 'UTC' });
    return facts.filter((f) => queryMatches(node, f, now)).map((f) => f.id!).sort((a, b) => a - b);
  });
  // the store's SQL, as `desk list` runs it (in this process: a command per query would take long)
  const store = await openStore({ location: desk.db });
  const inSql: number[][] = [];
  // and with every tag probed per ticket, as a page of a list does for a common tag (store/common-terms.ts)
  const commonTags = new Set(['api', 'vip', 'refund', 'export']);
  const withCommonTags: number[][] = [];
  try {
    for (const q of queries) {
      const node = parseQuery(q, { now, me: 'ana', tiers: ['L1', 'L2', 'L3'], timeZone: 'UTC' });
      for (const [out, common] of [[inSql, undefined], [withCommonTags, commonTags]] as const) {
        const rows = await store.db.selectFrom('tickets as t').select('t.id').where(queryCondition(node, { dialect: store.dialect, now: QUERY_NOW, commonTags: common })).execute();
        out.push(rows.map((r) => Number(r.id)).sort((a, b) => a - b));
      }
    }
  } finally {
    await store.close();
  }
  // and through the command itself, for a few of them
  for (const i of [0, 13, 40, 60]) {
    const listed = (JSON.parse(ok(desk, ['list', queries[i]!, '--all', '--json', '--limit', '1000'])) as { id: number }[]).map((t) => t.id).sort((a, b) => a - b);
    expect([queries[i], listed]).toEqual([queries[i], inSql[i]]);
  }
  const disagree = queries.map((q, i) => ({ q, memory: inMemory[i], sql: inSql[i], probed: withCommonTags[i] }))
    .filter((x) => JSON.stringify(x.memory) !== JSON.stringify(x.sql) || JSON.stringify(x.probed) !== JSON.stringify(x.sql));
  expect(disagree).toEqual([]);
  // the generated queries pick different tickets (they are not all empty or all full)
  expect(new Set(inSql.map((ids) => ids.join(','))).size).toBeGreaterThan(60);
});

// ---- triage rules route new tickets by a query ------------------------------------------------

const TRIAGE_RULES = [
  'triage:',
  '  - name: acme api',
  '    match: { query: "from:@acme.com (api OR export) -subject:invoice" }',
  '    set: { queue: tech, tags: [acme-api] }',
  '  - name: tech with logs', // sees the queue the rule above chose
  '    match: { query: "queue:tech has:attachment" }',
  '    set: { priority: urgent }',
  '  - name: acme others',
  '    match: { query: "org:acme -tag:acme-api" }',
  '    set: { tags: [acme] }',
  '',
].join('\n');

test('triage rules with a query route new tickets from desk new and desk import; a query they cannot judge is refused', () => {
  const desk = deskWith({ DESK_NOW: '2026-11-25T10:00:00Z' });
  writeFileSync(join(desk.dir, 'rules.yaml'), TRIAGE_RULES);
  writeFileSync(desk.config, `rules: ${join(desk.dir, 'rules.yaml')}\n`);
  ok(desk, ['org', 'add', 'Acme', '--domain', 'acme.com']);

  const message = (from: string, text: string, attachment = false) => ({
    message_id: `<${Math.random().toString(36).slice(2)}@x.example>`, from, text,
    attachments: attachment ? [{ filename: 'log.txt', content_type: 'text/plain', size: 10, sha256: 'a'.repeat(64) }] : [],
  });
  const lines = [
    { subject: 'API keys rejected', requester: { email: 'joe@acme.com' }, messages: [message('joe@acme.com', 'log attached', true)] },
    { subject: 'Invoice export', requester: { email: 'ann@acme.com' }, messages: [message('ann@acme.com', 'the api export of invoices')] },
    { subject: 'api question', requester: { email: 'bob@other.org' }, messages: [message('bob@other.org', 'how?')] },
  ].map((l) => JSON.stringify(l)).join('\n');
  ok(desk, ['import', '-'], { input: `${lines}\n` });
  const created = JSON.parse(ok(desk, ['new', '--from', 'eve@acme.com', '--subject', 'Export stuck', '--json']));
  expect(created).toMatchObject({ queue: 'tech', tags: ['acme-api'], priority: 'normal' });

  const all = (JSON.parse(ok(desk, ['list', '--all', '--json'])) as { subject: string; queue: string | null; tags: string[]; priority: string }[])
    .map((t) => [t.subject, t.queue, t.tags, t.priority]);
  expect(all).toEqual(expect.arrayContaining([
    ['API keys rejected', 'tech', ['acme-api'], 'urgent'],
    ['Invoice export', null, ['acme'], 'normal'],
    ['api question', null, [], 'normal'],
  ]));
  const shown = JSON.parse(ok(desk, ['show', String(created.id), '--json']));
  expect(shown.events.map((e: { actor: string; reason: string; type: string }) => [e.actor, e.reason, e.type]))
    .toEqual([['rules', 'acme api', 'queue'], ['rules', 'acme api', 'tag']]);

  // refused when the rules file is read: exit 2 naming the rule and field, nothing created
  const count = () => JSON.parse(ok(desk, ['list', '--all', '--json'])).length;
  const before = count();
  const refused = (query: string) => {
    writeFileSync(join(desk.dir, 'rules.yaml'), `triage:\n  - name: bad one\n    match: { query: '${query}' }\n    set: { priority: high }\n`);
    const r = desk.run(['new', '--from', 'x@acme.com', '--subject', 'x']);
    expect(r.code).toBe(2);
    return r.stderr;
  };
  expect(refused('tag:vip is:breached')).toContain("triage rule #1 'bad one', field 'match.query': is:breached and is:at-risk are judged on SLA clocks, which triage rules run before (use them in an escalation rule)");
  expect(refused('linked:4')).toContain('linked: cannot hold yet when triage rules run');
  expect(refused('tag:vip status:')).toBe(
    `desk: rules file ${join(desk.dir, 'rules.yaml')}: triage rule #1 'bad one', field 'match.query': query: expected a value after 'status:' at column 16\n  tag:vip status:\n                 ^\n`);
  expect(refused('assignee:me')).toContain('assignee:me needs to know who you are');
  expect(count()).toBe(before);
});

test('desk sync routes new mail through a triage rule with a query (real Dovecot)', async () => {
  const dovecot = await startDovecot();
  try {
    const login = await dovecot.addUser('help@rules.test', 'secret-rules');
    const desk = deskWith({ DESK_TEST_IMAP_PASSWORD: login.password, DESK_NOW: '2026-11-25T10:00:00Z' });
    writeFileSync(join(desk.dir, 'rules.yaml'), TRIAGE_RULES);
    writeFileSync(desk.config, accountYaml({ port: dovecot.port, user: login.user, passwordEnv: 'DESK_TEST_IMAP_PASSWORD', address: 'help@rules.test' })
      + `rules: ${join(desk.dir, 'rules.yaml')}\n`);
    const mail = (from: string, subject: string, id: string, extra: string[] = [], body = ['Hello'] as string[]) => [
      `From: ${from}`, 'To: help@rules.test', `Subject: ${subject}`, `Message-ID: <${id}@rules.test>`, 'Date: Wed, 25 Nov 2026 09:00:00 +0000',
      'MIME-Version: 1.0', ...extra, '', ...body, ''].join('\r\n');
    await dovecot.deliver(login.user, [
      mail('joe@acme.com', 'Export broken', 'm1', ['Content-Type: multipart/mixed; boundary="b"'], [
        '--b', 'Content-Type: text/plain', '', 'see the log', '--b', 'Content-Type: text/plain', 'Content-Disposition: attachment; filename="log.txt"', '', 'trace', '--b--']),
      mail('ann@other.org', 'Export broken too', 'm2', ['Content-Type: text/plain']),
    ]);
    const r = await desk.runAsync(['sync', '--quiet']);
    expect(r.code).toBe(0);
    const all = (JSON.parse(ok(desk, ['list', '--all', '--json'])) as { subject: string; queue: string | null; tags: string[]; priority: string }[])
      .map((t) => [t.subject, t.queue, t.tags, t.priority]);
    expect(all).toEqual(expect.arrayContaining([['Export broken', 'tech', ['acme-api'], 'urgent'], ['Export broken too', null, [], 'normal']]));
  } finally {
    await dovecot.stop();
  }
});

// ---- escalation rules pick tickets by a query -------------------------------------------------

test('escalation rules with a query: judged on the ticket as earlier rules left it, SLA terms by the clocks, once', () => {
  const NOW = '2026-11-25T12:00:00Z';
  const desk = deskWith({ DESK_NOW: NOW });
  writeFileSync(join(desk.dir, 'sla.yaml'), 'policies:\n  - { name: default, match: {}, calendar: 24x7, first_response: 1h, resolution: 8h }\n');
  writeFileSync(join(desk.dir, 'rules.yaml'), [
    'escalation:',
    '  - name: vip waiting',
    '    when: { query: "tag:vip is:unanswered" }',
    '    then: { priority: raise }',
    '  - name: urgent acme', // matches only once the rule above raised the priority
    '    when: { query: "prio:urgent org:acme" }',
    '    then: { escalate: L2 }',
    '  - name: breached billing',
    '    when: { query: "is:breached queue:billing" }',
    '    then: { escalate: L3 }',
    '',
  ].join('\n'));
  writeFileSync(desk.config, `rules: ${join(desk.dir, 'rules.yaml')}\nsla: ${join(desk.dir, 'sla.yaml')}\n`);
  ok(desk, ['org', 'add', 'Acme', '--domain', 'acme.com']);
  const ticket = (id: number, from: string, created: string, extra: Record<string, unknown>, answered = false) => JSON.stringify({
    id, subject: `ticket ${id}`, requester: { email: from }, status: 'open', created_at: created, ...extra,
    messages: [
      { message_id: `<e${id}@x.example>`, from, direction: 'in', date: created, text: 'help' },
      ...(answered ? [{ message_id: `<e${id}r@x.example>`, from: 'support@desk.example', direction: 'out', date: created, text: 'on it', author: 'ana' }] : []),
    ],
  });
  const fresh = '2026-11-25T11:50:00Z';
  ok(desk, ['import', '-'], { input: [
    ticket(1, 'joe@acme.com', fresh, { tags: ['vip'], priority: 'high' }),
    ticket(2, 'ann@acme.com', fresh, { tags: ['vip'], priority: 'high' }, true),
    ticket(3, 'bob@other.org', '2026-11-25T02:00:00Z', { queue: 'billing' }),
    ticket(4, 'eve@other.org', fresh, { queue: 'billing' }),
  ].join('\n') + '\n' });

  const planned = JSON.parse(ok(desk, ['escalate', '--auto', '--dry-run', '--json']));
  const actions = planned.actions.map((a: { id: number; rule: string; why: string[] }) => [a.id, a.rule, a.why]);
  expect(actions).toEqual([
    [1, 'vip waiting', ['query tag:vip is:unanswered']],
    [1, 'urgent acme', ['query prio:urgent org:acme']],
    [3, 'breached billing', ['query is:breached queue:billing']],
  ]);
  ok(desk, ['escalate', '--auto']);
  const state = (JSON.parse(ok(desk, ['list', '--all', '--json'])) as { id: number; priority: string; tier: string }[])
    .map((t) => [t.id, t.priority, t.tier]).sort((a, b) => (a[0] as number) - (b[0] as number));
  expect(state).toEqual([[1, 'urgent', 'L2'], [2, 'high', 'L1'], [3, 'normal', 'L3'], [4, 'normal', 'L1']]);
  const again = desk.run(['escalate', '--auto']);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain('nothing to escalate');

  // without an SLA policy, a rule asking about SLA clocks cannot be judged: exit 2, nothing done
  writeFileSync(desk.config, `rules: ${join(desk.dir, 'rules.yaml')}\n`);
  const r = desk.run(['escalate', '--auto']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("escalation rule 'breached billing': is:breached, is:at-risk and due: need an SLA policy");
});
