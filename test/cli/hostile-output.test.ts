// Trust under hostile mail: generated hostile text in every field that reaches output, imported
// and then shown by every command that prints it; every byte of stdout and stderr must be inert
// (no control but newline/tab/CRLF, no ESC, no bidi control), --json and export must keep the
// data exact, Markdown must not render links or images, and error messages that quote what was
// typed must be inert too. Names (queue, tag, tier, agent) with controls are refused (exit 2).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onPostgres } from '../helpers/backend.js';
import { ROOT, tempDesk, type TempDesk } from '../helpers/cli.js';
import { startTestSmtp } from '../helpers/smtp.js';
import { BIDI_POINTS, CONTROL_POINTS, hostileStrings, leakOf, runBytes, runBytesAsync, type ByteRun } from '../helpers/hostile.js';

const NOW = '2026-03-30T09:00:00Z';
const N = 6; // tickets; field k of ticket i holds string i+k, so every field sees every string
const H = hostileStrings(20261125, N);
const ARG = hostileStrings(7, 4, { noNul: true }); // command-line arguments cannot hold NUL
const desks: TempDesk[] = [];
afterAll(() => desks.forEach((d) => d.cleanup()));

function fresh(): TempDesk {
  const d = tempDesk({ DESK_NOW: NOW, DESK_AGENT: 'ana' });
  desks.push(d);
  return d;
}

/** Runs desk and fails the test with the offending bytes if stdout or stderr is not inert. */
function inert(desk: TempDesk, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): ByteRun {
  const r = runBytes(desk, args, opts);
  const leak = leakOf(args, r);
  if (leak) throw new Error(leak);
  return r;
}

/** inert() for commands that talk to a server running in this test process. */
async function inertAsync(desk: TempDesk, args: string[], opts: { input?: string } = {}): Promise<ByteRun> {
  const r = await runBytesAsync(desk, args, opts);
  const leak = leakOf(args, r);
  if (leak) throw new Error(leak);
  return r;
}

function ok(desk: TempDesk, args: string[]): ByteRun {
  const r = inert(desk, args);
  if (r.code !== 0) throw new Error(`desk ${JSON.stringify(args)} exited ${r.code}: ${r.err}`);
  return r;
}

const h = (i: number) => H[i % N]!;
/** A text as the store keeps it: PostgreSQL's text cannot hold U+0000, kept as U+FFFD (docs/cli.md). */
const kept = (s: string) => (onPostgres() ? s.replace(/\u0000/g, '\uFFFD') : s);
/** An address the import accepts (no white space, @, < or >) that still holds the controls of h(i). */
const hostileEmail = (i: number) =>
  `u${i}${[...h(i)].filter((c) => /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/.test(c) && !/[\s@<>]/.test(c)).join('')}@x.example`;

function ticketLine(i: number): Record<string, unknown> {
  return {
    id: i + 1, subject: h(i), status: i % 3 === 0 ? 'pending' : 'open', priority: ['urgent', 'high', 'normal', 'low'][i % 4],
    tier: 'L1', queue: 'tech', assignee: 'ana', tags: ['plain'],
    requester: { email: hostileEmail(i), name: h(i + 1) },
    created_at: '2026-03-27T10:00:00Z',
    messages: [
      { message_id: `<in-${i}@x.example>`, direction: 'in', from: hostileEmail(i), from_name: h(i + 2), to: [h(i + 3)], cc: [],
        date: '2026-03-27T10:00:00Z', subject: h(i), text: `${h(i + 4)}\nsecond line`, html: null,
        attachments: [{ filename: h(i + 5), content_type: h(i + 6), size: 10, sha256: '' }] },
      { message_id: `<out-${i}@desk.example>`, direction: 'out', from: 'support@desk.example', date: '2026-03-27T12:00:00Z', text: h(i + 8), author: h(i + 7) },
    ],
    events: [
      { at: '2026-03-27T11:00:00Z', actor: h(i + 9), type: 'note', text: h(i + 10) },
      { at: '2026-03-27T11:30:00Z', actor: 'ana', type: 'status', from: 'open', to: 'open', reason: h(i + 11) },
    ],
  };
}

/** A YAML double-quoted string for any text (C1 controls as escapes, which YAML requires). */
const yamlString = (s: string) => JSON.stringify(s).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('hostile text imported into every field', () => {
  let desk: TempDesk;
  beforeAll(() => {
    desk = fresh();
    writeFileSync(join(desk.dir, 'sla.yaml'), readFileSync(join(ROOT, 'templates', 'sla.example.yaml')));
    mkdirSync(join(desk.dir, 'templates'));
    writeFileSync(join(desk.dir, 'templates', 'hostile-reply.md'),
      `---\nname: hostile-reply\ntitle: ${yamlString(h(0))}\ntags: [${yamlString(h(1))}]\n---\n${h(2).replace(/\u0000/g, '')}\n`);
    writeFileSync(desk.config, 'sla: ./sla.yaml\ntemplates: ./templates\n');
    ok(desk, ['agent', 'add', 'ana', '--email', 'ana@desk.example']);
    const file = join(desk.dir, 'hostile.jsonl');
    writeFileSync(file, Array.from({ length: N }, (_, i) => JSON.stringify(ticketLine(i))).join('\n') + '\n');
    ok(desk, ['import', file]);
  });

  it('every command that prints tickets writes only inert bytes', () => {
    const all = H.join(''); // the generated set holds every control and bidi code point
    for (const cp of [...CONTROL_POINTS, ...BIDI_POINTS]) expect(all).toContain(String.fromCodePoint(cp));
    const commands: string[][] = [
      ['list'], ['list', '--all'], ['list', '--all', '--sort', 'sla'], ['search', 'hostile3'], ['agent', 'list'],
      ['sla', 'report'], ['sla', 'report', '--by', 'ticket'], ['sla', 'report', '--format', 'csv'], ['sla', 'report', '--by', 'ticket', '--format', 'csv'],
      ['sla', 'report', '--by', 'ticket', '--format', 'md'], ['sla', 'report', '--by', 'agent', '--format', 'md'], ['sla', 'report', '--by', 'ticket', '--format', 'html'],
      ['sla', 'report', '--by', 'ticket', '--format', 'json'], ['sla', 'at-risk', '--within', '1000h'], ['sla', 'at-risk', '--breached'],
      ['canned', 'list'], ['canned', 'show', 'hostile-reply'], ['canned', 'render', 'hostile-reply', '--ticket', '1'],
      ['export'], ['list', '--all', '--json'],
    ];
    for (let id = 1; id <= N; id++) commands.push(['show', String(id)], ['show', String(id), '--why'], ['show', String(id), '--json'], ['sla', 'explain', String(id)]);
    for (const args of commands) {
      const r = inert(desk, args);
      expect([args, r.code]).toEqual([args, 0]);
      expect(r.out.length + r.err.length).toBeGreaterThan(0);
    }
  });

  it('shows the hostile text, made visible rather than dropped', () => {
    const shown = ok(desk, ['show', '1']).out;
    expect(shown.split('\n')[0]).toMatch(/^#1 hostile0 /); // the subject, on its one line
    expect(shown).toMatch(/📎 hostile5 [^\n]*\(hostile0 [^\n]*, 10 bytes\)/); // attachment name and type, one line
    expect(shown).toMatch(/✎ note hostile3 [^\n]*\n[^\n]*hostile4 /); // the note's author and text (strings 9 and 10 of six)
    expect(shown).toMatch(/\^\[|\\u\{/); // the controls, as visible text
  });

  it('--json and export keep every field exact', () => {
    const listed = JSON.parse(ok(desk, ['list', '--all', '--json']).out) as { id: number; subject: string; requester: { name: string; email: string } }[];
    for (const t of listed) {
      expect(t.subject).toBe(kept(h(t.id - 1)));
      expect(t.requester.name).toBe(kept(h(t.id)));
      expect(t.requester.email).toBe(kept(hostileEmail(t.id - 1).toLowerCase()));
    }
    const shown = JSON.parse(ok(desk, ['show', '3', '--json']).out);
    expect(shown.messages[0].attachments[0]).toMatchObject({ filename: kept(h(7)), content_type: kept(h(8)) });
    expect(shown.messages[0].text).toBe(kept(`${h(6)}\nsecond line`));
    const exported = ok(desk, ['export']).out.trim().split('\n').map((l) => JSON.parse(l));
    expect(exported.map((t) => t.subject)).toEqual(H.map(kept));
    expect(exported[0].events.find((e: { type: string }) => e.type === 'note')).toMatchObject({ actor: kept(h(9)), text: kept(h(10)) });
  });

  it('importing the same hostile lines again adds nothing: ids, addresses and bare tickets are found again', () => {
    // What a rerun matches by (message ids, requesters, requester + subject + time, the key of a
    // line without time) made of every hostile string, NUL included.
    const d = fresh();
    const lines = H.flatMap((_, i) => [
      { subject: h(i), requester: { email: hostileEmail(i), name: h(i + 1) }, created_at: '2026-03-27T10:00:00Z',
        messages: [{ message_id: `<${h(i + 2)}@x.example>`, from: hostileEmail(i), date: '2026-03-27T10:00:00Z', text: h(i + 3) }] },
      { subject: h(i + 4), requester: { email: hostileEmail(i + 1) }, created_at: '2026-03-27T11:00:00Z' },
      { subject: h(i + 5), requester: { email: hostileEmail(i + 2), name: h(i) } },
    ]);
    const file = join(d.dir, 'again.jsonl');
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    expect(ok(d, ['import', file]).err).toContain(`imported ${lines.length} ticket(s)`);
    const before = ok(d, ['export']).out;
    const again = ok(d, ['import', file]).err;
    expect(again).toContain('imported 0 ticket(s)');
    expect(again).toContain(`${lines.length} already present`);
    expect(ok(d, ['export']).out).toEqual(before);
  });

  it('Markdown reports render no image, link or HTML from a subject, and cells cannot break the table', () => {
    const md = ok(desk, ['sla', 'report', '--by', 'ticket', '--format', 'md']).out;
    expect(md).not.toMatch(/(^|[^\\])!\[/);
    expect(md).not.toMatch(/(^|[^\\])\]\(/);
    expect(md).not.toMatch(/<(img|a|script)\b/i);
    expect(md).not.toMatch(/(^|[^\\]):\/\//);
    expect(md).not.toMatch(/(^|[^\\])www\./);
    const rows = md.split('\n').filter((l) => l.startsWith('| '));
    const pipes = (l: string) => l.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length;
    expect(rows.filter((l) => /^\| \d+ \|/.test(l))).toHaveLength(N);
    expect(new Set(rows.slice(0, N + 2).map(pipes)).size).toBe(1);
  });
  it('replies: a hostile address is refused inertly; hostile server words reach reply, outbox and show inertly', async () => {
    const smtp = await startTestSmtp();
    try {
      writeFileSync(desk.config, `sla: ./sla.yaml\ntemplates: ./templates\nsmtp: { host: 127.0.0.1, port: ${smtp.port}, secure: false, from: support@desk.example }\n`);
      for (let id = 1; id <= N; id++) {
        const r = inert(desk, ['reply', String(id), '--message', '-'], { input: h(id) });
        expect([id, r.code]).toEqual([id, 2]);
        expect(r.err).toContain('invalid e-mail address');
      }
      const plain = JSON.parse(ok(desk, ['new', '--from', 'plain@customer.example', '--subject', 'plain', '--json']).out).id as number;
      for (const words of hostileStrings(5, 2, { noNul: true, oneLine: true })) {
        smtp.behave({ kind: 'refuse-rcpt', code: 550, message: words });
        const r = await inertAsync(desk, ['reply', String(plain), '--message', '-'], { input: h(plain) });
        expect(r.code).toBe(5); // refused for good, with the server's words
        expect(r.err).toContain('hostile');
      }
      for (const args of [['outbox'], ['outbox', '--all'], ['outbox', 'flush'], ['show', String(plain)]]) await inertAsync(desk, args);
      expect(inert(desk, ['outbox', '--all']).out).toContain('hostile');
      expect(inert(desk, ['show', String(plain)]).out).toMatch(/refused by the mail server: [^\n]*hostile/); // the note quotes the server, inertly
    } finally {
      writeFileSync(desk.config, 'sla: ./sla.yaml\ntemplates: ./templates\n');
      await smtp.close();
    }
  });
});

describe('error and warning messages quote input inertly', () => {
  let desk: TempDesk;
  beforeAll(() => {
    desk = fresh();
    ok(desk, ['new', '--from', 'a@b.example', '--subject', 'plain']);
  });

  it('typed arguments in every kind of error', () => {
    for (const bad of ARG) {
      const cases: [string[], number][] = [
        [['show', bad], 2],
        [['new', '--from', bad, '--subject', 'x'], 2],
        [['set', '1', '--status', bad], 2],
        [['list', '--status', bad], 2],
        [['canned', 'show', bad], 2],
        [['assign', '1', bad], 2],
        [['list', `--${bad}`], 2],
        [['sla', 'report', '--since', bad], 2],
      ];
      for (const [args, code] of cases) {
        const r = inert(desk, args);
        expect([args, r.code]).toEqual([args, code]);
        expect(r.err).toContain('hostile');
        expect(r.err.trim().split('\n')[0]).toMatch(/^desk: /);
      }
    }
  });

  it('config values are printed inertly by config set and config get', () => {
    for (const bad of ARG) {
      expect(inert(desk, ['config', 'set', 'smtp.host', bad]).code).toBe(0);
      const got = inert(desk, ['config', 'get', 'smtp.host']);
      expect(got.out).toContain('hostile');
      const all = JSON.parse(inert(desk, ['config', 'get']).out);
      expect(all.smtp.host).toMatch(/hostile/);
      expect(all.smtp.host).toMatch(/[\u0001-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/); // stored as given
    }
  });

  it('bad import lines are reported by number, inertly', () => {
    const lines = ARG.map((bad, i) => JSON.stringify(i % 2
      ? { subject: 's', requester: { email: bad } }
      : { subject: 's', requester: { email: 'a@b.example' }, status: bad }));
    const file = join(desk.dir, 'bad.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const r = inert(desk, ['import', file]);
    expect(r.code).toBe(2);
    for (let i = 1; i <= ARG.length; i++) expect(r.err).toContain(`line ${i}:`);
  });
});

describe('names with control characters are refused on every way in', () => {
  const bads = [...CONTROL_POINTS, ...BIDI_POINTS].filter((cp) => cp !== 0).map((cp) => `q${String.fromCodePoint(cp)}x`);

  it('import: queue, assignee and tags, one line each, all refused', () => {
    const desk = fresh();
    const all = [...bads, '\u0000'];
    const lines = all.flatMap((b) => [
      { subject: 's', requester: { email: 'a@b.example' }, queue: b },
      { subject: 's', requester: { email: 'a@b.example' }, assignee: b },
      { subject: 's', requester: { email: 'a@b.example' }, tags: ['ok', b] },
    ]);
    const file = join(desk.dir, 'names.jsonl');
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = inert(desk, ['import', file]);
    expect(r.code).toBe(2);
    expect(r.err.match(/cannot be a (queue|agent name|tag)/g)).toHaveLength(lines.length);
    expect(JSON.parse(ok(desk, ['list', '--all', '--json']).out)).toEqual([]);
  });

  it('new, set and the config refuse them with exit 2 and change nothing', () => {
    const desk = fresh();
    ok(desk, ['new', '--from', 'a@b.example', '--subject', 'plain', '--queue', 'tech']);
    const sample = bads.filter((_, i) => i % 20 === 0);
    for (const b of sample) {
      for (const args of [
        ['new', '--from', 'a@b.example', '--subject', 's', '--queue', b],
        ['new', '--from', 'a@b.example', '--subject', 's', '--tag', b],
        ['set', '1', '--queue', b],
        ['set', '1', '--tag', `+${b}`],
        ['escalate', '1', '--to', b, '--reason', 'r'],
      ]) {
        const r = inert(desk, args);
        expect([args, r.code]).toEqual([args, 2]);
      }
      expect(inert(desk, ['note', '1', 'hi'], { env: { DESK_AGENT: b } }).code).toBe(2);
    }
    const t = JSON.parse(ok(desk, ['show', '1', '--json']).out);
    expect([t.queue, t.tags, t.tier, t.events.length]).toEqual(['tech', [], 'L1', 0]);
    expect(JSON.parse(ok(desk, ['list', '--all', '--json']).out)).toHaveLength(1);

    for (const [key, value] of [['agent', 'a\u001bb'], ['tiers', '[L1, "L\u009b2"]'], ['accounts', '[{name: s, host: h, user: u, queue: "t\u0007q"}]']]) {
      writeFileSync(desk.config, '');
      const r = inert(desk, ['config', 'set', key!, value!]);
      expect([key, r.code]).toEqual([key, 2]);
      expect(readFileSync(desk.config, 'utf8')).toBe('');
    }
  });

  it('a rules file that sets such a name is refused', () => {
    const desk = fresh();
    writeFileSync(join(desk.dir, 'rules.yaml'), `triage:\n  - name: route\n    match: { subject: plain }\n    set: { queue: ${yamlString('te\u001b[2Jch')} }\n`);
    writeFileSync(desk.config, 'rules: ./rules.yaml\n');
    const r = inert(desk, ['new', '--from', 'a@b.example', '--subject', 'plain']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('set.queue');
  });
});

describe('the config is checked when it is read', () => {
  it('a bad timezone fails before anything is printed', () => {
    const desk = fresh();
    ok(desk, ['new', '--from', 'a@b.example', '--subject', 'plain']);
    writeFileSync(desk.config, 'timezone: Mars/Olympus_Mons\n');
    const r = inert(desk, ['show', '1']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain("'timezone'");
  });

  it('config set refuses a value of the wrong shape and leaves the file as it was', () => {
    const desk = fresh();
    writeFileSync(desk.config, '# our desk\nagent: ana\n');
    for (const [key, value] of [['tiers', 'foo'], ['tiers', '[]'], ['tiers', '[L1, L1]'], ['timezone', 'Mars/Olympus'], ['smtp.port', 'abc'], ['smtp.port', '70000'], ['accounts', 'x'], ['accounts.0.port', '0'], ['smtp.timeoutSeconds', '-1']]) {
      const r = inert(desk, ['config', 'set', key!, value!]);
      expect([key, value, r.code]).toEqual([key, value, 2]);
      expect(readFileSync(desk.config, 'utf8')).toBe('# our desk\nagent: ana\n');
    }
    ok(desk, ['config', 'set', 'tiers', '[L1, L2]']);
    ok(desk, ['config', 'set', 'timezone', 'Europe/Berlin']);
    expect(ok(desk, ['config', 'get', 'tiers', '--json']).out).toContain('L2');
  });

  it('a config file edited by hand with tiers that are not a list stops escalate with exit 2', () => {
    const desk = fresh();
    ok(desk, ['new', '--from', 'a@b.example', '--subject', 'plain']);
    writeFileSync(desk.config, 'tiers: foo\n');
    const r = inert(desk, ['escalate', '1', '--to', 'L2', '--reason', 'r']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("'tiers'");
  });

  it('an SLA target beyond a year is refused', () => {
    const desk = fresh();
    ok(desk, ['new', '--from', 'a@b.example', '--subject', 'plain']);
    const policy = (target: string) => `calendars: {}\npolicies:\n  - name: all\n    match: {}\n    calendar: 24x7\n    first_response: ${target}\n`;
    writeFileSync(join(desk.dir, 'long.yaml'), policy('9000h'));
    const r = inert(desk, ['sla', 'report', '--policy', 'long.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('9000h');
    writeFileSync(join(desk.dir, 'year.yaml'), policy('8760h'));
    expect(inert(desk, ['sla', 'report', '--policy', 'year.yaml']).code).toBe(0);
  });
});
