// Triage follows the desk live: agent A has `desk triage` open in a real terminal (tmux, 80x24);
// agent B changes tickets from their own shell (assign, status, a new ticket, an import) and A's
// screen shows it without a key press, the cursor staying on the ticket A was on. On PostgreSQL
// the changes come as LISTEN/NOTIFY hints on a dedicated connection: that connection is killed
// here, a change is made while it is down, and the screen shows it once it is back. On SQLite a
// look at the file's data_version does the same. Every wait is on the screen's content, bounded.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDesk, type TempDesk } from '../../helpers/cli.js';
import { accountYaml, startDovecot } from '../../helpers/dovecot.js';
import { createRng, plainMessage } from '../../helpers/mailgen.js';
import { clusterPsql, databaseName, onlyOn, onPostgres, sharedPgDatabase } from '../../helpers/backend.js';

const NOW = '2026-03-30T09:00:00Z';
const SOCKET = `desk-live-${process.pid}`;
const LISTENER = 'desk live updates'; // the listening connection's application_name
let desk: TempDesk;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const screen = (pane = 'a') => tmux('capture-pane', '-p', '-t', pane);
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const keys = (pane: string, ...k: string[]) => tmux('send-keys', '-t', pane, ...k);
const typeText = (pane: string, text: string) => tmux('send-keys', '-t', pane, '-l', text);

/** Polls until `seen` holds (bounded), returning what it was last given. */
async function until<T>(what: string, read: () => T, seen: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = read();
  while (!seen(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen:\n${String(last)}`);
    await new Promise((r) => setTimeout(r, 40));
    last = read();
  }
  return last;
}

/** Waits until pane shows `pattern`; returns the screen. */
function waitFor(pattern: RegExp | string | ((s: string) => boolean), pane = 'a', timeoutMs?: number): Promise<string> {
  const seen = typeof pattern === 'function' ? pattern : (s: string) => (typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s));
  return until(`${pattern} on pane ${pane}`, () => screen(pane), seen, timeoutMs);
}

/** The row of the selected ticket ("> #12 …"), as a pattern. */
const selectedRow = (id: number) => new RegExp(`^> #${id} `, 'm');
const row = (id: number, rest: string) => new RegExp(`^[> ] #${id} +${rest}`, 'm');

function ok(args: string[], env: Record<string, string> = {}): string {
  const r = desk.run(args, { env });
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
const asBen = (args: string[]) => ok(args, { DESK_AGENT: 'ben' });
const created = (subject: string, queue: string, extra: string[] = []) =>
  JSON.parse(ok(['new', '--from', 'joao@example.com', '--subject', subject, '--queue', queue, '--json', ...extra])).id as number;

/**
 * Starts `desk triage ARGS` as ana in pane `name`. Everything it writes to the terminal is also
 * kept in a file: the pane waits for the copying to be set up before desk starts.
 */
function startTriage(name: string, args: string[], extraEnv: Record<string, string> = {}): { output: string } {
  spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', name]);
  const env = Object.entries({ ...desk.env, ...extraEnv }).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
  const go = `go-${name}-${Date.now()}`;
  tmux('new-session', '-d', '-s', name, '-x', '80', '-y', '24',
    `tmux -L ${SOCKET} wait-for ${go}; env ${env} ${quote(process.execPath)} ${quote(BIN)} triage ${args.map(quote).join(' ')}; echo "__EXIT__$?"; sleep 600`);
  const output = join(desk.dir, `output-${go}`);
  writeFileSync(output, '');
  tmux('pipe-pane', '-t', name, `cat >> ${quote(output)}`);
  tmux('wait-for', '-S', go);
  return { output };
}

/** How many times the queue screen was drawn since the pane started. */
const draws = (output: string) => readFileSync(output, 'utf8').split('desk triage · ').length - 1;

// ---- PostgreSQL: the listening connection ---------------------------------------------------

const db = () => databaseName(desk.db);
const listenerPids = () => clusterPsql(db(), `select pid from pg_stat_activity where datname = current_database() and application_name = '${LISTENER}' and state = 'idle' and query ilike 'LISTEN%'`).trim().split('\n').filter(Boolean);

/** On PostgreSQL, waits until `count` triage screens listen (so what follows comes as a notification). */
async function listening(count = 1): Promise<void> {
  if (onPostgres()) await until(`${count} listening connection(s)`, listenerPids, (p) => p.length === count);
}

beforeAll(() => {
  tmux('new-session', '-d', '-s', 'keep-server', '-x', '80', '-y', '24', 'sleep 86400');
  desk = tempDesk({ DESK_NOW: NOW, DESK_AGENT: 'ana' });
  ok(['agent', 'add', 'ana', '--email', 'ana@desk.example']);
  ok(['agent', 'add', 'ben', '--email', 'ben@desk.example']);
});
afterAll(() => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  desk.cleanup();
});
afterEach(() => {
  for (const s of ['a', 'c']) spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', s]);
});

test("another agent's assign, status change and new ticket show without a key press; the cursor stays on its ticket", async () => {
  const first = created('Site is down', 'live', ['--priority', 'urgent']);
  const second = created('Export fails', 'live');
  const third = created('Invoice question', 'live', ['--priority', 'low']);
  startTriage('a', ['--queue', 'live']);
  await waitFor('desk triage · 3 need someone');
  keys('a', 'j');
  await waitFor(selectedRow(second));
  await listening();

  // Ben takes the ticket ana is looking at: the row and the detail pane follow.
  asBen(['assign', String(second), '--me']);
  let s = await waitFor(row(second, 'normal L1 +ben '));
  expect(s).toMatch(selectedRow(second));
  expect(s).toContain('assignee ben');

  // Ben solves the first ticket: it leaves the queue; ana stays on hers, now the first row.
  asBen(['set', String(first), '--status', 'solved']);
  s = await waitFor('desk triage · 2 need someone');
  expect(s).not.toMatch(row(first, ''));
  expect(s).toMatch(selectedRow(second));

  // A new urgent ticket arrives: on top of the queue, and ana's cursor does not move with it.
  const fresh = created('Payment page blank', 'live', ['--priority', 'urgent']);
  s = await waitFor('desk triage · 3 need someone');
  expect(s.split('\n')[1]).toMatch(row(fresh, 'urgent'));
  expect(s).toMatch(selectedRow(second));
  expect(s).toMatch(row(third, 'low'));
  expect(s).toContain(`#${second} Export fails`);

  keys('a', 'q');
  await waitFor('__EXIT__0');
});

test('a change arriving while a question is open keeps the half-typed answer; the queue follows after', async () => {
  const id = created('Half typed', 'prompt');
  const other = created('Changed meanwhile', 'prompt', ['--priority', 'high']);
  startTriage('a', ['--queue', 'prompt']);
  await waitFor(selectedRow(other));
  keys('a', 'j');
  await waitFor(selectedRow(id));
  keys('a', 'n');
  await waitFor('Note (never mailed):');
  typeText('a', 'customer says it');

  // A second screen on the same desk shows when the change has reached the screens.
  startTriage('c', ['--queue', 'prompt']);
  await waitFor(selectedRow(other), 'c');
  await listening(2);
  asBen(['assign', String(other), '--me']);
  await waitFor(row(other, 'high +L1 +ben '), 'c');

  // Ana's question is as she left it: nothing was drawn over it, nothing she typed is lost.
  const s = await waitFor('Note (never mailed): customer says it');
  expect(s).not.toContain('desk triage ·');
  typeText('a', ' works now');
  keys('a', 'Enter');
  const back = await waitFor(`#${id} noted`);
  expect(back).toMatch(selectedRow(id));
  expect(back).toMatch(row(other, 'high +L1 +ben '));
  keys('a', 'q');
  await waitFor('__EXIT__0');
  const t = JSON.parse(ok(['show', String(id), '--json']));
  expect(t.events).toEqual([{ at: NOW, actor: 'ana', type: 'note', text: 'customer says it works now' }]);
});

test('an import of 300 tickets is one redraw, not 300, and keeps the cursor', async () => {
  const mine = created('Before the import', 'bulk', ['--priority', 'urgent']);
  const { output } = startTriage('a', ['--queue', 'bulk']);
  await waitFor('desk triage · 1 needs someone');
  await listening();

  const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({
    subject: `Imported ${i}`, status: 'open', priority: 'low', tier: 'L1', queue: 'bulk', assignee: null, tags: [],
    requester: { email: `c${i}@example.com`, name: null }, created_at: '2026-03-29T10:00:00Z', updated_at: '2026-03-29T10:00:00Z',
    messages: [], events: [],
  }));
  const file = join(desk.dir, 'bulk.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  asBen(['import', file]);

  const s = await waitFor('desk triage · 301 need someone');
  expect(s).toMatch(selectedRow(mine));
  // Drawn on opening (and, on PostgreSQL, once more when the listening starts), then for the import.
  const n = await until('the drawings in the copy', () => draws(output), (d) => d >= 2);
  expect(n).toBeLessThanOrEqual(4);
  keys('a', 'q');
  await waitFor('__EXIT__0');
});

test('mail synced by another agent shows as it is stored: 200 new tickets are one redraw', async () => {
  const dovecot = await startDovecot();
  try {
    const login = await dovecot.addUser('support', 'support-secret');
    const rng = createRng(11);
    await dovecot.deliver(login.user, Array.from({ length: 200 }, (_, i) =>
      plainMessage({ rng, to: 'support@desk.test', subject: `Synced question ${i}`, date: new Date(Date.parse('2026-03-29T10:00:00Z') + i * 60_000) }).raw));
    writeFileSync(desk.config, accountYaml({ port: dovecot.port, user: login.user, passwordEnv: 'DESK_TEST_IMAP_PASSWORD', address: 'support@desk.test', queue: 'mail' }));
    const mine = created('Before the sync', 'mail', ['--priority', 'urgent']);
    const { output } = startTriage('a', ['--queue', 'mail']);
    await waitFor('desk triage · 1 needs someone');
    await listening();

    ok(['sync', '--quiet'], { DESK_AGENT: 'ben', DESK_TEST_IMAP_PASSWORD: login.password });
    const queued = (JSON.parse(ok(['triage', '--json', '--queue', 'mail'])) as unknown[]).length;
    expect(queued).toBeGreaterThan(150); // the generator's plain mails: most open a ticket each
    const s = await waitFor(`desk triage · ${queued} need someone`);
    expect(s).toMatch(selectedRow(mine));
    const n = await until('the drawings in the copy', () => draws(output), (d) => d >= 2);
    expect(n).toBeLessThanOrEqual(4);
    keys('a', 'q');
    await waitFor('__EXIT__0');
  } finally {
    rmSync(desk.config, { force: true });
    await dovecot.stop();
  }
});

const pgOnly = onlyOn('postgres', test);

pgOnly('a burst of 500 notifications is read once, not 500 times', async () => {
  const id = created('Burst', 'burst');
  const { output } = startTriage('a', ['--queue', 'burst']);
  await waitFor('desk triage · 1 needs someone');
  await listening();
  // 500 distinct hints in one commit, as a sync of 500 mails in separate writes would send.
  clusterPsql(db(), `select count(pg_notify('desk_tickets', g::text)) from generate_series(1, 500) g`);
  asBen(['assign', String(id), '--me']);
  await waitFor(row(id, 'normal L1 +ben '));
  // Opening, listening, the burst (one read, or two when it arrives during one), Ben's change.
  const n = await until('the drawings in the copy', () => draws(output), (d) => d >= 2);
  expect(n).toBeLessThanOrEqual(5);
  keys('a', 'q');
  await waitFor('__EXIT__0');
});

pgOnly('when the listening connection is killed, what changed while it was down shows once it is back', async () => {
  const id = created('While down', 'down');
  startTriage('a', ['--queue', 'down']);
  await waitFor(selectedRow(id));
  await listening();
  try {
    // No new connection to this database (the superuser's aside) until we say so: the listener
    // stays down for as long as the test needs.
    clusterPsql('postgres', `alter database ${db()} connection limit 0`);
    const [pid] = listenerPids();
    clusterPsql(db(), `select pg_terminate_backend(${pid})`);
    await waitFor('not live, reconnecting');
    // A change that sends no notification at all: only the re-read after reconnecting can show it.
    clusterPsql(db(), `update tickets set assignee = 'ben', priority = 'high' where id = ${id}`);
  } finally {
    clusterPsql('postgres', `alter database ${db()} connection limit -1`);
  }
  const s = await waitFor(row(id, 'high +L1 +ben '), 'a', 30_000);
  expect(s).not.toContain('not live');
  expect(s).toMatch(selectedRow(id));
  await listening();

  // …and live again: the next change comes as a notification.
  asBen(['set', String(id), '--priority', 'urgent']);
  await waitFor(row(id, 'urgent L1 +ben '));
  keys('a', 'q');
  await waitFor('__EXIT__0');
});

test('DESK_LISTEN_DB that is not a PostgreSQL URL of a PostgreSQL desk is refused (exit 2) before the screen opens', async () => {
  startTriage('a', [], { DESK_LISTEN_DB: join(desk.dir, 'elsewhere.db') });
  const s = await waitFor(/__EXIT__\d+/);
  expect(s).toContain('__EXIT__2');
  expect(s).toContain('DESK_LISTEN_DB must be a postgres:// URL');
});

pgOnly('DESK_LISTEN_DB: triage listens there (the database reached directly), and reads the desk through its own URL', async () => {
  const id = created('Through the pooler', 'pooler');
  // Another database stands in for "the same one, reached directly": a hint sent there must make
  // triage read the desk again, which shows a change that sent no hint of its own.
  const direct = sharedPgDatabase();
  startTriage('a', ['--queue', 'pooler'], { DESK_LISTEN_DB: direct });
  await waitFor(selectedRow(id));
  const listeners = () => clusterPsql(databaseName(direct), `select count(*) from pg_stat_activity where datname = current_database() and application_name = '${LISTENER}' and query ilike 'LISTEN%'`).trim();
  await until('the listener on DESK_LISTEN_DB', listeners, (n) => n === '1');
  expect(listenerPids()).toEqual([]);
  clusterPsql(db(), `update tickets set assignee = 'ben' where id = ${id}`);
  clusterPsql(databaseName(direct), `select pg_notify('desk_tickets', '${id}')`);
  await waitFor(row(id, 'normal L1 +ben '));
  keys('a', 'q');
  await waitFor('__EXIT__0');
});
