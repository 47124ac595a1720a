// Trust under hostile input that never reaches the store: error messages that quote what was
// typed (arguments, config values, bad import lines) must be inert; names (queue, tag, tier,
// agent) with controls are refused (exit 2) on every way in, before anything is written; the
// config is checked when it is read. Refusing happens before any write, the same code on every
// backend: this file runs on the default store only (jest.config.ts ONE_BACKEND). What hostile
// text does once stored, on both backends: hostile-output.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { BIDI_POINTS, CONTROL_POINTS, hostileStrings, inert, inertOk, type ByteRun } from '../helpers/hostile.js';

const NOW = '2026-03-30T09:00:00Z';
const ARG = hostileStrings(7, 4, { noNul: true }); // command-line arguments cannot hold NUL
const desks: TempDesk[] = [];
afterAll(() => desks.forEach((d) => d.cleanup()));

function fresh(): TempDesk {
  const d = tempDesk({ DESK_NOW: NOW, DESK_AGENT: 'ana' });
  desks.push(d);
  return d;
}

const ok = inertOk;

/** A YAML double-quoted string for any text (C1 controls as escapes, which YAML requires). */
const yamlString = (s: string) => JSON.stringify(s).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

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
