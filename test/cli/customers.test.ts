// Customers and organisations, as a team uses them: an organisation's domain rule takes in the
// people who write from it (by sync through a real Dovecot, and by `desk new`), a customer's page
// lists their open tickets, an SLA policy matched by organisation sets the due times, `sla report
// --by org` counts per organisation, filters narrow to one, export → import keeps them all, and
// a desk of an older schema gets a customer for every requester when it is upgraded.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { onPostgres, freshStoreLocation } from '../helpers/backend.js';
import { tempDesk, type RunResult, type TempDesk } from '../helpers/cli.js';
import { startDovecot, accountYaml, type Dovecot, type MailUser } from '../helpers/dovecot.js';
import { hostileStrings, leakOf, runBytes } from '../helpers/hostile.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { createMigrationTable } from '../../src/store/migrate.js';
import { sqliteOps } from '../../src/store/dialect/sqlite.js';

const PASSWORD_ENV = 'DESK_TEST_IMAP_PASSWORD';
const SUPPORT = 'support@desk.test';
const NOW = '2026-03-30T09:00:00Z';
const at = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString().replace('.000Z', 'Z');

let dovecot: Dovecot;
let login: MailUser;
let desk: TempDesk;

beforeAll(async () => {
  dovecot = await startDovecot();
  login = await dovecot.addUser(SUPPORT, 'customers-secret');
  desk = tempDesk({ [PASSWORD_ENV]: login.password, DESK_NOW: NOW });
  writeFileSync(join(desk.dir, 'sla.yaml'), [
    'policies:',
    '  - { name: acme-contract, match: { org: ACME }, calendar: 24x7, first_response: 1h, resolution: 2h }',
    '  - { name: default, match: {}, calendar: 24x7, first_response: 8h }',
    '',
  ].join('\n'));
  writeFileSync(desk.config, accountYaml({ port: dovecot.port, user: login.user, passwordEnv: PASSWORD_ENV, address: SUPPORT }) + 'sla: ./sla.yaml\ntimezone: UTC\n');
});
afterAll(async () => {
  desk?.cleanup();
  await dovecot?.stop();
});

function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
  return r;
}
const json = (args: string[], env?: Record<string, string>) => JSON.parse(ok(desk.run(args, { env }), args.join(' ')).stdout);

function mail(from: string, subject: string, id: string): string {
  return [`From: ${from}`, `To: ${SUPPORT}`, `Subject: ${subject}`, `Message-ID: <${id}@mail.test>`, 'Date: Mon, 30 Mar 2026 09:00:00 +0000',
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `About ${subject}.`, ''].join('\r\n');
}

test('an organisation takes in its domain on sync and on `desk new`; customer and org pages, filters, SLA by org, export → import', async () => {
  ok(desk.run(['org', 'add', 'Acme', '--domain', 'acme.example', '--note', 'key account, 24x7 contract']), 'org add');
  expect(desk.run(['org', 'add', 'ACME']).code).toBe(4); // names are unique, case ignored

  // Sync: the sender's domain (or a domain below it) decides; the address is compared lower-cased.
  await dovecot.deliver(login.user, [
    mail('"Joe Bloggs" <Joe@ACME.example>', 'Invoice missing', 'm1'),
    mail('ann@eu.acme.example', 'Login broken', 'm2'),
    mail('zed@other.example', 'Question', 'm3'),
  ]);
  ok(desk.run(['sync', '--quiet']), 'sync');
  const bob = json(['new', '--from', 'bob@acme.example', '--name', 'Bob', '--subject', 'Export fails', '--json']);
  expect(bob.customer).toEqual({ name: 'Bob', organisation: 'Acme' });

  const joe = json(['customer', 'show', 'joe@acme.example', '--json']);
  expect(joe).toMatchObject({ name: 'Joe Bloggs', addresses: ['joe@acme.example'], organisation: 'Acme', organisation_by_hand: false, satisfaction: null });
  expect(joe.open_tickets.map((t: { subject: string }) => t.subject)).toEqual(['Invoice missing']);
  const page = ok(desk.run(['customer', 'show', String(joe.id)]), 'customer show').stdout;
  expect(page).toContain('Organisation: Acme');
  expect(page).toContain('Invoice missing');
  expect(page).toContain('Satisfaction: no ratings yet');
  expect(ok(desk.run(['show', String(bob.id)]), 'show').stdout).toContain('requester Bob <bob@acme.example> of Acme');
  const orgsOf = () => Object.fromEntries(json(['customer', 'list', '--json'])
    .map((c: { addresses: string[]; organisation: string | null; organisation_by_hand: boolean }) => [c.addresses[0], [c.organisation, c.organisation_by_hand]]));
  expect(orgsOf()).toEqual({
    'joe@acme.example': ['Acme', false], 'ann@eu.acme.example': ['Acme', false], 'bob@acme.example': ['Acme', false], 'zed@other.example': [null, false],
  });

  // Filters: list, search, export; an unknown organisation is exit 3, not "no tickets".
  const acmeSubjects = ['Export fails', 'Invoice missing', 'Login broken'];
  expect(json(['list', '--org', 'acme', '--json']).map((t: { subject: string }) => t.subject).sort()).toEqual(acmeSubjects);
  expect(json(['search', 'about', '--org', 'Acme', '--json']).map((t: { subject: string }) => t.subject).sort()).toEqual(['Invoice missing', 'Login broken']);
  expect(desk.run(['list', '--org', 'Nope']).code).toBe(3);
  const orgExport = ok(desk.run(['export', '--org', 'Acme']), 'export --org').stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(orgExport.filter((l) => l.type === undefined).map((l) => l.subject).sort()).toEqual(acmeSubjects);

  // By hand beats the domain rule; a new domain rule takes in the customers at it.
  ok(desk.run(['org', 'add', 'Other Corp']), 'org add Other Corp');
  ok(desk.run(['org', 'assign', 'Other Corp', 'ann@eu.acme.example']), 'org assign');
  ok(desk.run(['org', 'edit', 'Other Corp', '--domain', '+other.example']), 'org edit');
  expect(orgsOf()).toMatchObject({ 'ann@eu.acme.example': ['Other Corp', true], 'zed@other.example': ['Other Corp', false] });
  const orgs = json(['org', 'list', '--json']);
  expect(orgs.map((o: { name: string; domains: string[]; customers: number; open_tickets: number }) => [o.name, o.domains, o.customers, o.open_tickets]))
    .toEqual([['Acme', ['acme.example'], 2, 2], ['Other Corp', ['other.example'], 2, 2]]);
  const shownOrg = json(['org', 'show', 'acme', '--json']);
  expect(shownOrg.notes).toBe('key account, 24x7 contract');
  expect(shownOrg.customers.map((c: { addresses: string[] }) => c.addresses[0]).sort()).toEqual(['bob@acme.example', 'joe@acme.example']);
  expect(shownOrg.open_tickets.map((t: { subject: string }) => t.subject).sort()).toEqual(['Export fails', 'Invoice missing']);

  // SLA: Acme's tickets are due an hour after they came in, everyone else's after eight.
  const due = json(['sla', 'at-risk', '--within', '24h', '--json']);
  const dueOf = (subject: string) => due.find((c: { subject: string; clock: string }) => c.subject === subject && c.clock === 'first_response');
  expect(dueOf('Invoice missing')).toMatchObject({ policy: 'acme-contract', due_at: at(60) });
  expect(dueOf('Export fails')).toMatchObject({ policy: 'acme-contract', due_at: at(60) });
  expect(dueOf('Question')).toMatchObject({ policy: 'default', due_at: at(480) });
  expect(dueOf('Login broken')).toMatchObject({ policy: 'default', due_at: at(480) }); // Other Corp by hand now

  // The report by organisation: Bob's ticket solved in 30 minutes (met), Joe's unanswered for 3 h (breached).
  ok(desk.run(['set', String(bob.id), '--status', 'solved'], { env: { DESK_NOW: at(30) } }), 'solve');
  const report = json(['sla', 'report', '--by', 'org', '--format', 'json'], { DESK_NOW: at(180) });
  const group = (key: string) => report.groups.find((g: { key: string }) => g.key === key);
  expect(group('Acme')).toMatchObject({ tickets: 2, met: 1, breached: 1, in_progress: 0, solved: 1, resolution_median_s: 1800 });
  expect(group('Other Corp')).toMatchObject({ tickets: 2, met: 0, breached: 0, in_progress: 2 });
  expect(report.groups).toHaveLength(2);

  // A customer with a second address and notes; then export → a new desk → export is the same.
  ok(desk.run(['customer', 'add-address', 'joe@acme.example', 'Joe.B@Gmail.example']), 'add-address');
  expect(desk.run(['customer', 'add-address', 'joe@acme.example', 'bob@acme.example']).code).toBe(4);
  ok(desk.run(['customer', 'edit', 'joe@acme.example', '--name', 'Joe B. Bloggs', '--note', 'prefers phone']), 'customer edit');
  const exported = ok(desk.run(['export']), 'export').stdout;
  const lines = exported.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines.filter((l) => l.type === 'organisation').map((l) => [l.name, l.domains, l.notes]))
    .toEqual([['Acme', ['acme.example'], 'key account, 24x7 contract'], ['Other Corp', ['other.example'], null]]);
  const copy = tempDesk({ DESK_NOW: NOW });
  try {
    ok(copy.run(['import', '-'], { input: exported }), 'import');
    // The same lines again: Joe's two addresses, name, notes and Acme; Ann in Other Corp by hand.
    expect(ok(copy.run(['export']), 'export of the copy').stdout).toBe(exported);
    expect(lines.filter((l) => l.type === 'customer').map((l) => [l.addresses, l.name, l.organisation, l.organisation_by_hand, l.notes])).toEqual([
      [['ann@eu.acme.example'], null, 'Other Corp', true, null],
      [['joe.b@gmail.example', 'joe@acme.example'], 'Joe B. Bloggs', 'Acme', false, 'prefers phone'],
    ]);
    // Importing again adds nothing.
    ok(copy.run(['import', '-'], { input: exported }), 'import again');
    expect(ok(copy.run(['export']), 'export again').stdout).toBe(exported);
  } finally {
    copy.cleanup();
  }
  // Out of an organisation set by hand: the domain rules decide again.
  ok(desk.run(['org', 'assign', '--none', 'ann@eu.acme.example']), 'org assign --none');
  expect(orgsOf()['ann@eu.acme.example']).toEqual(['Acme', false]);
});

test('upgrading a desk of schema 12 makes every requester a customer, named as the requester', async () => {
  const d = tempDesk({ DESK_NOW: NOW }, { init: false });
  const location = onPostgres() ? freshStoreLocation(d.dir) : join(d.dir, 'old.db');
  try {
    // The database as desk 12 left it: built by the migration runner up to 12, rows as that desk wrote them.
    let db: Kysely<any>;
    let ops;
    if (onPostgres()) {
      const [{ postgresKysely }, { postgresOps }] = await Promise.all([import('../../src/store/postgres.js'), import('../../src/store/dialect/postgres.js')]);
      db = await postgresKysely(location, 1);
      ops = postgresOps();
    } else {
      const raw = new Database(location);
      db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
      ops = sqliteOps(raw);
    }
    await db.transaction().execute(async (tx) => {
      await createMigrationTable(tx);
      for (const m of MIGRATIONS.filter((x) => x.version <= 12)) {
        await m.up(tx, ops);
        await tx.insertInto('desk_migrations').values({ version: m.version, name: m.name, applied_at: NOW }).execute();
      }
      await sql`insert into requesters (id, email, name) values (1, 'ann@acme.example', 'Ann'), (2, 'bo@other.example', null)`.execute(tx);
      await sql`insert into tickets (id, subject, status, priority, tier, tags, requester_id, created_at, updated_at) values
        (1, 'First', 'open', 'normal', 'L1', '[]', 1, '2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z'),
        (2, 'Second', 'solved', 'normal', 'L1', '[]', 1, '2026-03-02T10:00:00Z', '2026-03-02T10:00:00Z'),
        (3, 'Third', 'open', 'low', 'L1', '[]', 2, '2026-03-03T10:00:00Z', '2026-03-03T10:00:00Z')`.execute(tx);
    });
    await db.destroy();

    const run = (args: string[]) => JSON.parse(ok(d.run([...args, '--json'], { env: { DESK_DB: location } }), args.join(' ')).stdout);
    const customers = run(['customer', 'list']);
    expect(customers.map((c: { id: number; name: string | null; addresses: string[]; created_at: string }) => [c.id, c.name, c.addresses, c.created_at]))
      .toEqual([[2, null, ['bo@other.example'], '2026-03-03T10:00:00Z'], [1, 'Ann', ['ann@acme.example'], '2026-03-01T10:00:00Z']]);
    const ann = run(['customer', 'show', 'ann@acme.example']);
    expect(ann.open_tickets.map((t: { subject: string }) => t.subject)).toEqual(['First']);
    expect(ann.recent_tickets.map((t: { subject: string }) => t.subject)).toEqual(['Second', 'First']);
    // After the upgrade a domain rule takes in the customers already there.
    run(['org', 'add', 'Acme', '--domain', 'acme.example']);
    expect(run(['customer', 'show', '1']).organisation).toBe('Acme');
    // Two customers who are one person: merged, the first keeps both addresses and all tickets.
    expect(run(['customer', 'merge', 'ann@acme.example', 'bo@other.example'])).toMatchObject({ id: 1, addresses: ['ann@acme.example', 'bo@other.example'], organisation: 'Acme' });
    const merged = run(['customer', 'show', 'bo@other.example']);
    expect([merged.id, merged.open_tickets.map((t: { subject: string }) => t.subject)]).toEqual([1, ['Third', 'First']]);
  } finally {
    d.cleanup();
  }
});

test('hostile names and notes: refused where typed as identifiers, and never reaching the terminal raw', () => {
  const d = tempDesk({ DESK_NOW: NOW });
  try {
    const H = hostileStrings(1505, 6, { noNul: true });
    // Names of organisations hold no controls (exit 2, nothing made), whether typed or imported.
    expect(d.run(['org', 'add', H[0]!]).code).toBe(2);
    expect(d.run(['org', 'add', 'Plain', '--domain', H[1]!]).code).toBe(2);
    // Bad organisation and customer lines are reported by number; a ticket line's new organisation is made.
    const people = [
      ...H.map((name) => ({ type: 'organisation', name })),
      { type: 'organisation', name: '' },
      { type: 'customer', addresses: ['not-an-address'] },
      { type: 'team', name: 'x' },
      { subject: 'Moving in', requester: { email: 'Kim@Initech.example', name: 'Kim' }, customer: { name: 'Kim Lee', organisation: 'Initech' } },
    ];
    const refused = d.run(['import', '-'], { input: people.map((l) => JSON.stringify(l)).join('\n') + '\n' });
    expect(refused.code).toBe(2);
    expect(refused.stderr.match(/^line \d+: 'name': .* cannot be a name of an organisation: it holds control characters$/gm)).toHaveLength(H.length);
    expect(refused.stderr).toContain(`line ${H.length + 1}: 'name' is empty`);
    expect(refused.stderr).toContain(`line ${H.length + 2}: 'addresses[0]': 'not-an-address' is not an e-mail address`);
    expect(refused.stderr).toContain(`line ${H.length + 3}: 'type' must be organisation or customer`);
    expect(JSON.parse(ok(d.run(['customer', 'show', 'kim@initech.example', '--json']), 'kim').stdout))
      .toMatchObject({ name: 'Kim Lee', organisation: 'Initech', organisation_by_hand: true });
    ok(d.run(['org', 'add', 'Plain', '--domain', 'x.example', '--note', H[1]!]), 'org add Plain');
    const lines = H.map((s, i) => JSON.stringify({ subject: s, requester: { email: `u${i}@x.example`, name: s }, customer: { name: H[(i + 1) % H.length], organisation: i === 0 ? s : null } }));
    const imported = d.run(['import', '-'], { input: lines.join('\n') + '\n' });
    expect(imported.code).toBe(2); // line 1's organisation is refused, the others come in
    expect(imported.stderr).toMatch(/line 1: 'customer.organisation'/);
    // A domain another organisation has makes the line bad; with --strict nothing of the file comes in.
    const clash = [{ type: 'organisation', name: 'Clash', domains: ['x.example'] }, { subject: 'strict', requester: { email: 'strict@y.example' } }];
    const strict = d.run(['import', '--strict', '-'], { input: clash.map((l) => JSON.stringify(l)).join('\n') + '\n' });
    expect([strict.code, strict.stderr]).toEqual([2, expect.stringContaining("line 1: the domain x.example is a rule of 'Plain' already")]);
    expect(d.run(['customer', 'edit', 'u1@x.example', '--name', H[2]!]).code).toBe(2);
    ok(d.run(['customer', 'edit', 'u1@x.example', '--note', H[3]!]), 'customer edit --note');
    for (const args of [['customer', 'show', 'u1@x.example'], ['customer', 'list', '--limit', '20'], ['org', 'show', 'plain'], ['org', 'list'], ['list', '--org', 'Plain']]) {
      const r = runBytes(d, args);
      expect(r.code).toBe(0);
      expect(leakOf(args, r)).toBeUndefined();
      if (args[1] === 'list' && args[0] === 'org') expect(r.out.trim().split('\n').map((l) => l.split('\t')[0])).toEqual(['Name', 'Initech', 'Plain']);
      if (args[1] === 'list' && args[0] === 'customer') expect(r.out).not.toContain('strict@y.example');
    }
    // --json keeps the text exact.
    const u1 = JSON.parse(ok(d.run(['customer', 'show', 'u1@x.example', '--json']), 'show --json').stdout);
    expect(u1).toMatchObject({ name: H[2], notes: H[3], organisation: 'Plain' });
  } finally {
    d.cleanup();
  }
});
