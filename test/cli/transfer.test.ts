// import / export as in docs/interchange.md, run through the built CLI.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { onPostgres, storeQuery } from '../helpers/backend.js';
import { BIN, tempDesk, type TempDesk } from '../helpers/cli.js';
import { createRng } from '../helpers/mailgen.js';

const NOW = '2026-04-01T10:00:00Z';

/** The indexes and constraints of a desk's database, each as its definition. */
function schemaOf(db: string): string[] {
  const rows = onPostgres()
    ? storeQuery<{ def: string }>(db, `select indexdef as def from pg_indexes where schemaname = current_schema()
        union all select conname || ' ' || pg_get_constraintdef(oid) || case when convalidated then '' else ' (not checked)' end
        from pg_constraint where connamespace = current_schema()::regnamespace`)
    : storeQuery<{ def: string }>(db, "select name || ' ' || coalesce(sql, '') as def from sqlite_master where type = 'index'");
  return rows.map((r) => r.def).sort();
}
const desks: TempDesk[] = [];

/**
 * Runs `desk import file` in the background and kills it (-9) once its first batch is committed
 * (a bounded wait on that condition, no sleeps): the tickets seen committed then, and after.
 */
async function importKilledAfterFirstBatch(d: TempDesk, file: string): Promise<{ seen: number; partial: number }> {
  const child = spawn(process.execPath, [BIN, 'import', file], { env: d.env, cwd: d.dir, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const committed = () => storeQuery<{ n: number }>(d.db, 'select count(*) as n from tickets')[0]!.n;
  let seen = 0;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && child.exitCode === null; ) {
    seen = committed();
    if (seen > 0) break;
    await new Promise((r) => setImmediate(r));
  }
  child.kill('SIGKILL');
  await exited;
  return { seen, partial: committed() };
}
const fresh = () => {
  const d = tempDesk({ DESK_NOW: NOW });
  desks.push(d);
  return d;
};
afterAll(() => desks.forEach((d) => d.cleanup()));

const example = {
  id: 42, subject: 'Export fails with error 500', status: 'open', priority: 'normal', tier: 'L1', queue: 'tech', assignee: 'ana',
  tags: ['export', 'api'], requester: { email: 'joao@example.com', name: 'João Silva' },
  created_at: '2026-03-27T15:00:00+01:00', updated_at: '2026-03-30T08:30:00Z',
  messages: [
    { message_id: '<abc@mail.example.com>', in_reply_to: null, references: [], direction: 'in', from: 'joao@example.com', to: ['support@desk.example'], cc: [],
      date: '2026-03-27T14:00:00Z', subject: 'Export fails with error 500', text: 'Hello, ...', html: null,
      attachments: [{ filename: 'log.txt', content_type: 'text/plain', size: 2048, sha256: 'ab'.repeat(32) }] },
    { message_id: '<desk-42-1@desk.example>', direction: 'out', from: 'support@desk.example', date: '2026-03-30T08:30:00Z', text: 'Hi João, ...', author: 'ana' },
  ],
  events: [
    { at: '2026-03-27T14:05:00Z', actor: 'rules', type: 'priority', from: 'low', to: 'normal' },
    { at: '2026-03-28T09:00:00Z', actor: 'ana', type: 'status', from: 'open', to: 'pending' },
    { at: '2026-03-28T09:00:00Z', actor: 'ana', type: 'escalate', from: 'L1', to: 'L2', reason: 'needs DB access' },
    { at: '2026-03-28T09:01:00Z', actor: 'ana', type: 'note', text: 'customer on legacy plan' },
  ],
};

test('the spec example imports with its id, offsets normalised to Z, and every field kept', () => {
  const d = fresh();
  const file = join(d.dir, 'in.jsonl');
  writeFileSync(file, JSON.stringify(example) + '\n');
  const r = d.run(['import', file]);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('imported 1 ticket(s) with 2 message(s)');
  const t = JSON.parse(d.run(['show', '42', '--json']).stdout);
  expect(t).toMatchObject({ id: 42, created_at: '2026-03-27T14:00:00Z', assignee: 'ana', tags: ['export', 'api'], requester: { name: 'João Silva' } });
  expect(t.messages[0].attachments[0]).toEqual(example.messages[0]!.attachments![0]);
  expect(t.events).toEqual(example.events);
});

test('export → import into an empty database → export is byte-identical (demo desk)', () => {
  const a = fresh();
  expect(a.run(['init', '--demo']).code).toBe(0);
  const first = a.run(['export']).stdout;
  expect(first.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(200);
  const file = join(a.dir, 'export.jsonl');
  writeFileSync(file, first);
  const b = fresh();
  expect(b.run(['import', file]).code).toBe(0);
  const second = b.run(['export']).stdout;
  expect(second).toBe(first);
});

test('re-importing the same file adds nothing', () => {
  const d = fresh();
  const file = join(d.dir, 'in.jsonl');
  writeFileSync(file, JSON.stringify(example) + '\n' + JSON.stringify({ subject: 'No messages', requester: { email: 'x@y.example' }, created_at: '2026-03-01T00:00:00Z' }) + '\n');
  expect(d.run(['import', file]).code).toBe(0);
  const before = d.run(['export']).stdout;
  const again = d.run(['import', file]);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain('imported 0 ticket(s)');
  expect(again.stderr).toContain('2 already present');
  expect(d.run(['export']).stdout).toBe(before);
});

test('bad lines are reported by number and skipped; --strict imports nothing', () => {
  const d = fresh();
  const file = join(d.dir, 'mixed.jsonl');
  const lines = [
    JSON.stringify({ subject: 'good one', requester: { email: 'a@b.example' } }),
    '{"subject": "broken json"',
    JSON.stringify({ subject: 'bad status', status: 'done', requester: { email: 'a@b.example' } }),
    '',
    JSON.stringify({ subject: 'no requester' }),
    JSON.stringify({ subject: 'good two', requester: { email: 'c@d.example' }, created_at: 'yesterday' }),
  ];
  writeFileSync(file, lines.join('\n'));
  const strict = d.run(['import', file, '--strict']);
  expect(strict.code).toBe(2);
  expect(strict.stderr).toContain('line 2: not valid JSON');
  expect(strict.stderr).toContain("line 3: 'status' must be one of new, open, pending, on_hold, solved, closed");
  expect(strict.stderr).toContain("line 5: 'requester' is missing");
  expect(strict.stderr).toContain("line 6: 'created_at' must be an ISO 8601 instant");
  expect(JSON.parse(d.run(['list', '--all', '--json']).stdout)).toEqual([]);

  const lenient = d.run(['import', file, '--json']);
  expect(lenient.code).toBe(2);
  const summary = JSON.parse(lenient.stdout);
  expect(summary.imported).toBe(1);
  expect(summary.errors.map((e: { line: number }) => e.line)).toEqual([2, 3, 5, 6]);
  const listed = JSON.parse(d.run(['list', '--json']).stdout);
  expect(listed.map((t: { subject: string; created_at: string }) => [t.subject, t.created_at])).toEqual([['good one', NOW]]);
});

// Lines with messages are planned (on PostgreSQL in parts as they are read, their tickets then
// let go): what such a line says of its customer and of other tickets still comes in.
test('a ticket line with messages brings its customer and its links', () => {
  const d = fresh();
  const mail = (n: number, from: string) => [{ message_id: `<link-${n}@example.com>`, direction: 'in', from, date: '2026-03-01T10:00:00Z', text: `hello ${n}` }];
  const lines = [
    { id: 1, subject: 'first', requester: { email: 'ana@example.com' }, messages: mail(1, 'ana@example.com') },
    { id: 2, subject: 'second', requester: { email: 'bo@example.com' }, messages: mail(2, 'bo@example.com'), links: [{ kind: 'related', ticket: 1 }] },
    { id: 3, subject: 'third', requester: { email: 'kim@initech.example' }, messages: mail(3, 'kim@initech.example'), customer: { name: 'Kim Lee', organisation: 'Initech' } },
  ];
  const r = d.run(['import', '-'], { input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n' });
  expect(r.code).toBe(0);
  expect(JSON.parse(d.run(['show', '2', '--json']).stdout).links).toEqual([{ kind: 'related', ticket: 1 }]);
  expect(JSON.parse(d.run(['show', '1', '--json']).stdout).links).toEqual([{ kind: 'related', ticket: 2 }]);
  expect(JSON.parse(d.run(['customer', 'show', 'kim@initech.example', '--json']).stdout)).toMatchObject({ name: 'Kim Lee', organisation: 'Initech' });
});

test('an id already taken is given a new one and reported', () => {
  const d = fresh();
  d.run(['new', '--from', 'a@b.example', '--subject', 'first']);
  const r = d.run(['import', '-'], { input: JSON.stringify({ id: 1, subject: 'moved in', requester: { email: 'z@y.example' } }) + '\n' });
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('line 1: ticket #1 already exists; imported as #2');
  expect(JSON.parse(d.run(['show', '2', '--json']).stdout).subject).toBe('moved in');
});

test('search folds accents and case across subjects and message text', () => {
  const d = fresh();
  d.run(['new', '--from', 'a@b.example', '--subject', 'Exportação quebrada', '--body', 'O relatório não abre']);
  d.run(['new', '--from', 'c@d.example', '--subject', 'Unrelated', '--body', 'Nothing here']);
  const bySubject = JSON.parse(d.run(['search', 'exportacao', '--json']).stdout);
  expect(bySubject.map((h: { subject: string }) => h.subject)).toEqual(['Exportação quebrada']);
  const byBody = JSON.parse(d.run(['search', 'RELATORIO', 'nao', '--json']).stdout);
  expect(byBody).toHaveLength(1);
  expect(JSON.parse(d.run(['search', 'nowhere-to-be-found', '--json']).stdout)).toEqual([]);
});

test('export --since keeps only recently updated tickets', () => {
  const d = fresh();
  const file = join(d.dir, 'two.jsonl');
  writeFileSync(file, [
    { subject: 'old', requester: { email: 'a@b.example' }, created_at: '2026-01-01T00:00:00Z' },
    { subject: 'new', requester: { email: 'a@b.example' }, created_at: '2026-03-01T00:00:00Z' },
  ].map((t) => JSON.stringify(t)).join('\n'));
  d.run(['import', file]);
  const out = d.run(['export', '--since', '2026-02-01']).stdout.trim().split('\n').map((l) => JSON.parse(l).subject);
  expect(out).toEqual(['new']);
  expect(readFileSync(file, 'utf8')).toContain('old');
});

describe('import progress', () => {
  // A big file on a terminal shows a progress bar on stderr; piped or --json, nothing but the
  // summary. `script` (util-linux) gives the command a real pseudo-terminal.
  const bigFile = (d: TempDesk) => {
    const lines: string[] = [];
    for (let i = 1; i <= 4000; i++) {
      lines.push(JSON.stringify({
        id: i, subject: `Export number ${i} fails`, requester: { email: `u${i}@example.com` }, created_at: '2026-01-01T00:00:00Z',
        messages: [{ message_id: `<m${i}@example.com>`, from: `u${i}@example.com`, date: '2026-01-01T00:00:00Z', text: 'Hello, my export fails. '.repeat(10) }],
      }));
    }
    const file = join(d.dir, 'big.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    expect(readFileSync(file).length).toBeGreaterThan(1_000_000); // the bar is for files over 1 MB
    return file;
  };

  test('on a terminal, a progress bar runs to 100 % and the import completes', () => {
    const d = fresh();
    const file = bigFile(d);
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const r = spawnSync('script', ['-qefc', `${quote(process.execPath)} ${quote(BIN)} import ${quote(file)}`, '/dev/null'], {
      env: d.env, encoding: 'utf8', cwd: d.dir,
    });
    expect(r.error).toBeUndefined(); // script is part of util-linux, on every Debian
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/importing \[[^\]]*\] 0%/);
    expect(r.stdout).toMatch(/importing \[[^\]]*\] 100%/);
    expect(r.stdout).toContain('imported 4000 ticket(s) with 4000 message(s)');
    expect(JSON.parse(d.run(['list', '--all', '--json', '--limit', '5000']).stdout)).toHaveLength(4000);
  });

  test('piped, there is no bar: only the summary', () => {
    const d = fresh();
    const r = d.run(['import', bigFile(d)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('imported 4000 ticket(s) with 4000 message(s)\n');
  });
});

describe('import is idempotent for every valid line', () => {
  // Lines of every shape the format allows: with and without id, created_at, messages, message
  // ids, dates; identical messages in one ticket; the same bare ticket twice in a file.
  function generatedLines(seed: number, count: number): string[] {
    const rng = createRng(seed);
    const maybe = <T>(p: number, v: () => T): T | undefined => (rng.int(1, 100) <= p ? v() : undefined);
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const email = `c${rng.int(1, 40)}@customer.example`;
      const messages = maybe(70, () => {
        const list: Record<string, unknown>[] = [];
        for (let k = rng.int(0, 3); k > 0; k--) {
          list.push({
            message_id: maybe(40, () => `<m${seed}.${i}.${k}@mail.example>`),
            direction: rng.pick(['in', 'out', undefined]),
            from: rng.pick([email, 'support@desk.example']),
            date: maybe(50, () => `2026-03-0${rng.int(1, 9)}T1${rng.int(0, 9)}:00:00Z`),
            text: maybe(80, () => rng.pick(['Thanks!', 'It still fails.', 'Any news?'])),
          });
        }
        if (list.length && rng.int(1, 4) === 1) list.push({ ...list[0] }); // the same message twice
        return list;
      });
      const ticket = {
        id: maybe(30, () => rng.int(1, 40)),
        subject: rng.pick(['Export fails', 'Invoice wrong', 'Call back please']),
        status: maybe(50, () => rng.pick(['open', 'pending', 'solved'])),
        requester: { email },
        created_at: maybe(40, () => `2026-02-${String(rng.int(10, 28))}T${String(rng.int(10, 23))}:00:00Z`),
        messages,
      };
      lines.push(JSON.stringify(ticket));
      if (rng.int(1, 10) === 1) lines.push(JSON.stringify(ticket)); // a line repeated
    }
    return lines;
  }

  test('a second import of the same file, later, adds nothing; messages without message_id are taken', () => {
    const d = fresh();
    const file = join(d.dir, 'gen.jsonl');
    const lines = generatedLines(3, 80);
    writeFileSync(file, lines.join('\n') + '\n');
    const first = d.run(['import', file, '--json']);
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.errors).toEqual([]);
    expect(summary.imported).toBeGreaterThan(40);
    const before = d.run(['export']).stdout;
    // Some messages had no id: they got stable ones.
    expect(before).toMatch(/"message_id":"<import\.[0-9a-f]{32}@desk\.invalid>"/);

    const again = d.run(['import', file, '--json'], { env: { DESK_NOW: '2026-05-01T00:00:00Z' } });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, messages: 0, errors: [] });
    expect(d.run(['export']).stdout).toBe(before);
  });

  test('a rerun after kill -9 mid-import ends in the database of one clean import', async () => {
    const lines = generatedLines(5, 30_000).filter((l) => !l.includes('"id":')); // no ids: nothing but content to go by
    const clean = fresh();
    const file = join(clean.dir, 'big.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    expect(clean.run(['import', file]).code).toBe(0);
    const expectedExport = clean.run(['export']).stdout;

    const d = fresh();
    const { seen, partial } = await importKilledAfterFirstBatch(d, file);
    expect(seen).toBeGreaterThan(0);
    expect(partial).toBeLessThan(expectedExport.split('\n').filter(Boolean).length); // killed mid-way

    // An import into an empty desk loads first and builds its indexes (and on PostgreSQL its
    // foreign keys) after, as a restore does: killed mid-way, the database says which ones are
    // still to build. On SQLite, whose import into a desk without messages skips its Message-ID
    // lookups, the Message-ID index is among them.
    const deferred = storeQuery<{ value: string }>(d.db, "select value from meta where key = 'deferred_indexes'");
    expect(deferred).toHaveLength(1);
    const names = (JSON.parse(deferred[0]!.value) as { name: string }[]).map((x) => x.name);
    const expected = onPostgres() ? ['search_fts_document', 'messages_ticket_id_fkey'] : ['messages_message_id', 'tickets_updated'];
    expect(names).toEqual(expect.arrayContaining(expected));
    for (const name of expected) expect(schemaOf(d.db).join('\n')).not.toContain(`${name} `);

    expect(d.run(['import', file]).code).toBe(0);
    expect(d.run(['export']).stdout).toBe(expectedExport);
    // Every index and constraint is back, as one clean import leaves them.
    expect(schemaOf(d.db)).toEqual(schemaOf(clean.db));
    expect(storeQuery(d.db, "select key from meta where key like 'deferred_indexes%'")).toEqual([]);
  }, 120_000);

  test('a command after an import killed mid-way builds the indexes it left unbuilt, and finds by Message-ID again', async () => {
    const lines = generatedLines(7, 30_000);
    const d = fresh();
    const file = join(d.dir, 'big.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    expect((await importKilledAfterFirstBatch(d, file)).seen).toBeGreaterThan(0);
    expect(storeQuery(d.db, "select key from meta where key = 'deferred_indexes'")).toHaveLength(1);

    // Any command opens the desk: the import is gone, so it builds what was left.
    expect(d.run(['list', '--limit', '1']).code).toBe(0);
    expect(storeQuery(d.db, "select key from meta where key like 'deferred_indexes%'")).toEqual([]);
    const fresh2 = fresh();
    expect(schemaOf(d.db)).toEqual(schemaOf(fresh2.db));
  }, 120_000);
});

test('a line too long to read is reported by number and skipped, without a stack trace', () => {
  const d = fresh();
  const file = join(d.dir, 'long.jsonl');
  const ok = (s: string) => JSON.stringify({ subject: s, requester: { email: 'a@b.example' }, created_at: '2026-03-01T00:00:00Z' });
  const huge = `{"subject":"${'x'.repeat(65 * 1024 * 1024)}","requester":{"email":"a@b.example"}}`;
  writeFileSync(file, [ok('before'), huge, ok('after')].join('\n') + '\n');
  const r = d.run(['import', file]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^line 2: longer than 64 MiB/m);
  expect(r.stderr).toContain('imported 2 ticket(s)');
  expect(r.stderr).not.toMatch(/^\s+at |DESK_DEBUG/m);
  const subjects = JSON.parse(d.run(['list', '--all', '--json']).stdout).map((t: { subject: string }) => t.subject);
  expect(subjects.sort()).toEqual(['after', 'before']);
});

test('two lines whose Message-IDs are one as the store keeps them are one ticket, in one batch too', () => {
  // PostgreSQL keeps U+0000 as U+FFFD: <a\u0000…> and <a\uFFFD…> are one Message-ID there, and
  // the second line's mail is the first's (SQLite keeps both as given: two tickets).
  const d = fresh();
  const file = join(d.dir, 'nul.jsonl');
  const line = (id: string, text: string) => JSON.stringify({ subject: 'Export', requester: { email: 'ana@customer.example' }, created_at: '2026-03-01T10:00:00Z',
    messages: [{ message_id: id, direction: 'in', from: 'ana@customer.example', date: '2026-03-01T10:00:00Z', text }] });
  writeFileSync(file, [line('<a\u0000@mail.example>', 'one'), line('<a\uFFFD@mail.example>', 'two')].join('\n') + '\n');
  expect(JSON.parse(d.run(['import', file, '--json']).stdout)).toMatchObject(onPostgres() ? { imported: 1, already_present: 1 } : { imported: 2, already_present: 0 });
});

test('every text comes back as stored, whatever characters the bulk load has to escape (generated)', () => {
  // The bulk path writes rows in PostgreSQL's COPY text format, where backslash, tab, newline,
  // carriage return and \N mean something: texts made of those (and of NUL, lone surrogates, the
  // end-of-data line \.) must arrive as a row-by-row insert stores them.
  const rng = createRng(19);
  const parts = ['\\', '\t', '\n', '\r', '\u0000', '\\.', '\\N', '\\n', '.', 'N', 'a', 'é', '😀', ' ', '"', "'", '\u0001', '\u007f', '\u2028', '\r\n', '\\\\', '\uD800', '\uDC00'];
  const text = () => Array.from({ length: rng.int(1, 12) }, () => rng.pick(parts)).join('');
  // A lone surrogate comes back as U+FFFD; on SQLite as three (the three bytes it was stored as).
  const stored = (t: string) => (onPostgres()
    ? (t as unknown as { toWellFormed(): string }).toWellFormed().replace(/\0/g, '\uFFFD')
    : t.replace(/[\uD800-\uDFFF]/gu, '\uFFFD\uFFFD\uFFFD'));
  const tickets = Array.from({ length: 300 }, (_, i) => ({
    id: i + 1, subject: `s${i} ${text()}`, requester: { email: `r${i}@customer.example`, name: text() },
    created_at: '2026-03-01T10:00:00Z',
    // (keys with a lone surrogate too: the second import below finds them as stored)
    messages: [{ message_id: `<h${i}${i % 5 === 0 ? '\uD800' : ''}@mail.example>`, direction: 'in', from: `r${i}@customer.example`, date: '2026-03-01T10:00:00Z', text: text() }],
    events: [{ at: '2026-03-01T11:00:00Z', actor: 'ana', type: 'note', text: text() }],
  }));
  const d = fresh();
  const file = join(d.dir, 'hostile.jsonl');
  writeFileSync(file, tickets.map((t) => JSON.stringify(t)).join('\n') + '\n');
  expect(d.run(['import', file]).code).toBe(0);
  const back = d.run(['export']).stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(back.length).toBe(tickets.length);
  for (const [i, t] of tickets.entries()) {
    const b = back.find((x) => x.id === t.id);
    expect([i, b.subject, b.requester.name, b.messages[0].text, b.events.find((e: { type: string }) => e.type === 'note').text])
      .toEqual([i, stored(t.subject), stored(t.requester.name), stored(t.messages[0]!.text), stored(t.events[0]!.text)]);
  }
  // And a second import of the same file finds every ticket already there (keys match as stored).
  expect(JSON.parse(d.run(['import', file, '--json']).stdout)).toMatchObject({ imported: 0, messages: 0 });
});
