// Trust under hostile mail: generated hostile text in every field that reaches output, imported
// and then shown by every command that prints it; every byte of stdout and stderr must be inert
// (no control but newline/tab/CRLF, no ESC, no bidi control), --json and export must keep the
// data exact, Markdown must not render links or images. (Error messages that quote what was
// typed, names with controls and the config's checks: hostile-input.test.ts.)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onPostgres } from '../helpers/backend.js';
import { ROOT, tempDesk, type TempDesk } from '../helpers/cli.js';
import { startTestSmtp } from '../helpers/smtp.js';
import { BIDI_POINTS, CONTROL_POINTS, hostileStrings, leakOf, inert, inertOk, runBytesAsync, type ByteRun } from '../helpers/hostile.js';

const NOW = '2026-03-30T09:00:00Z';
const N = 6; // tickets; field k of ticket i holds string i+k, so every field sees every string
const H = hostileStrings(20261125, N);
const desks: TempDesk[] = [];
afterAll(() => desks.forEach((d) => d.cleanup()));

function fresh(): TempDesk {
  const d = tempDesk({ DESK_NOW: NOW, DESK_AGENT: 'ana' });
  desks.push(d);
  return d;
}

/** inert() for commands that talk to a server running in this test process. */
async function inertAsync(desk: TempDesk, args: string[], opts: { input?: string } = {}): Promise<ByteRun> {
  const r = await runBytesAsync(desk, args, opts);
  const leak = leakOf(args, r);
  if (leak) throw new Error(leak);
  return r;
}

const ok = inertOk;

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
