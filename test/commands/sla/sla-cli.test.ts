// desk sla report | at-risk | explain, run as a user would: the built CLI on an imported history.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk } from '../../helpers/cli.js';

const NOW = '2026-03-30T08:40:00Z'; // Monday 10:40 in Berlin (summer time since Sunday)

const POLICY = `
calendars:
  office:
    timezone: Europe/Berlin
    hours: { mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"] }
policies:
  - { name: urgent, match: { priority: urgent }, calendar: 24x7, first_response: 1h, resolution: 8h }
  - { name: default, match: {}, calendar: office, first_response: 4h, resolution: 16h }
pause_statuses: [pending]
`;

const msg = (id: string, direction: 'in' | 'out', date: string) =>
  ({ message_id: `<${id}@example.com>`, direction, from: direction === 'in' ? 'joao@example.com' : 'support@desk.example', date, text: '…' });
const ticket = (id: number, over: object) => ({
  id, subject: `Ticket ${id}`, status: 'open', priority: 'normal', tier: 'L1', queue: 'tech', assignee: 'ana',
  tags: [], requester: { email: 'joao@example.com' }, messages: [], events: [], ...over,
});

const HISTORY = [
  // the spec's worked example: 12600 s of office time to the first reply, across the DST change
  ticket(42, { subject: 'Export fails', created_at: '2026-03-27T14:00:00Z', updated_at: '2026-03-30T08:30:00Z',
    messages: [msg('a', 'in', '2026-03-27T14:00:00Z'), msg('b', 'out', '2026-03-30T08:30:00Z')] }),
  // urgent, unanswered for 40 minutes: first response due in 20
  ticket(43, { subject: 'Site down', priority: 'urgent', assignee: null, created_at: '2026-03-30T08:00:00Z', updated_at: '2026-03-30T08:00:00Z',
    messages: [msg('c', 'in', '2026-03-30T08:00:00Z')] }),
  // answered in an hour, then never solved: resolution breached long ago
  ticket(44, { subject: 'Invoice wrong', queue: 'billing', created_at: '2026-03-02T08:00:00Z', updated_at: '2026-03-02T09:00:00Z',
    messages: [msg('d', 'in', '2026-03-02T08:00:00Z'), msg('e', 'out', '2026-03-02T09:00:00Z')] }),
  // answered once and solved the same morning
  ticket(45, { subject: 'Password reset', status: 'solved', created_at: '2026-03-16T08:00:00Z', updated_at: '2026-03-16T10:00:00Z',
    messages: [msg('f', 'in', '2026-03-16T08:00:00Z'), msg('g', 'out', '2026-03-16T08:30:00Z')],
    events: [{ at: '2026-03-16T10:00:00Z', actor: 'ana', type: 'status', from: 'open', to: 'solved' }] }),
];

let desk: TempDesk;

beforeAll(() => {
  desk = tempDesk({ DESK_NOW: NOW });
  writeFileSync(join(desk.dir, 'sla.yaml'), POLICY);
  writeFileSync(desk.config, 'sla: ./sla.yaml\ntimezone: Europe/Berlin\n');
  writeFileSync(join(desk.dir, 'history.jsonl'), HISTORY.map((t) => JSON.stringify(t)).join('\n') + '\n');
  const r = desk.run(['import', join(desk.dir, 'history.jsonl')]);
  if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
});
afterAll(() => desk.cleanup());

function ok(args: string[], env: Record<string, string> = {}): string {
  const r = desk.run(args, { env });
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

describe('desk sla report', () => {
  it('--by ticket --format json prints the spec objects; the worked example gives 12600 s', () => {
    const tickets = JSON.parse(ok(['sla', 'report', '--by', 'ticket', '--format', 'json']));
    expect(tickets.map((t: { id: number }) => t.id)).toEqual([42, 43, 44, 45]);
    expect(tickets[0]).toEqual({
      id: 42, subject: 'Export fails', policy: 'default',
      first_response: { target_s: 14400, elapsed_s: 12600, breached: false, stopped: true, due_at: null },
      // Friday 15-17 + Monday 09:00-10:40; 12h20m left: 6h20m today, 6h tomorrow → Tuesday 15:00 Berlin
      resolution: { target_s: 57600, elapsed_s: 13200, breached: false, stopped: false, due_at: '2026-03-31T13:00:00Z' },
      next_response: null,
    });
    expect(tickets[2].resolution).toMatchObject({ breached: true, stopped: false, due_at: '2026-03-03T16:00:00Z' });
  });

  it('--by priority as CSV (the default off a terminal), with a total row', () => {
    const lines = ok(['sla', 'report']).trimEnd().split('\r\n');
    expect(lines[0]).toBe('priority,tickets,met,breached,in_progress,compliance,first_response_median_s,first_response_p90_s,resolution_median_s,resolution_p90_s,solved,fcr_rate,csat_surveys,csat_responses,csat_response_rate,csat_average,csat_score');
    expect(lines.slice(1)).toEqual([
      'urgent,1,0,0,1,,,,,,0,,0,0,,,',
      'normal,3,1,1,1,0.5,3600,12600,7200,7200,1,1,0,0,,,',
      '(total),4,1,1,2,0.5,3600,12600,7200,7200,1,1,0,0,,,',
    ]);
  });

  it('--policy measures the same history against another contract', () => {
    const stricter = POLICY.replace('first_response: 4h, resolution: 16h', 'first_response: 1h, resolution: 16h');
    writeFileSync(join(desk.dir, 'stricter.yaml'), stricter);
    const report = JSON.parse(ok(['sla', 'report', '--json', '--policy', join(desk.dir, 'stricter.yaml')]));
    expect(report.total).toMatchObject({ met: 1, breached: 2, compliance: 0.3333 }); // 42's 3.5h first reply now breaches
  });

  it('--since/--until pick tickets by creation date in the agent zone', () => {
    const report = JSON.parse(ok(['sla', 'report', '--by', 'ticket', '--json', '--since', '2026-03-16', '--until', '2026-03-27']));
    expect(report.map((t: { id: number }) => t.id)).toEqual([42, 45]);
  });

  it('--now (or DESK_NOW) sets the moment measured: before the reply, 42 is still running', () => {
    const early = JSON.parse(ok(['sla', 'report', '--by', 'ticket', '--json', '--now', '2026-03-30T07:30:00Z']));
    expect(early.find((t: { id: number }) => t.id === 42).first_response).toMatchObject({ elapsed_s: 2 * 3600 + 1800, stopped: false });
    expect(early.map((t: { id: number }) => t.id)).not.toContain(43); // created later
  });

  it('writes md, html and a table on request', () => {
    expect(ok(['sla', 'report', '--format', 'md'])).toContain('| Priority | Tickets |');
    const html = ok(['sla', 'report', '--format', 'html', '--by', 'queue']);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('class="chart trend-chart"');
    expect(html).toContain('class="chart breakdown-chart"');
    expect(ok(['sla', 'report', '--format', 'table'])).toMatch(/Compliance by (day|week)/);
  });

  it('refuses bad flags and a missing or broken policy with exit 2, naming the problem', () => {
    const badBy = desk.run(['sla', 'report', '--by', 'customer']);
    expect(badBy.code).toBe(2);
    expect(badBy.stderr).toContain("invalid value for --by: 'customer'");
    const noPolicy = desk.run(['sla', 'report'], { env: { DESK_CONFIG: join(desk.dir, 'none.yaml') } });
    expect(noPolicy.code).toBe(2);
    expect(noPolicy.stderr).toContain('no SLA policy');
    writeFileSync(join(desk.dir, 'broken.yaml'), POLICY.replace('Europe/Berlin', 'Europe/Berln'));
    const broken = desk.run(['sla', 'report', '--policy', join(desk.dir, 'broken.yaml')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("calendars.office.timezone: unknown time zone 'Europe/Berln'");
  });
});

describe('desk sla at-risk', () => {
  it('lists clocks breaching within the window, most urgent first, as JSON for cron', () => {
    const list = JSON.parse(ok(['sla', 'at-risk', '--within', '30h', '--json']));
    expect(list.map((r: { id: number; clock: string; started_at: string; due_at: string; remaining_s: number }) => [r.id, r.clock, r.started_at, r.due_at, r.remaining_s])).toEqual([
      [43, 'first_response', '2026-03-30T08:00:00Z', '2026-03-30T09:00:00Z', 1200],
      [43, 'resolution', '2026-03-30T08:00:00Z', '2026-03-30T16:00:00Z', 26400],
      [42, 'resolution', '2026-03-27T14:00:00Z', '2026-03-31T13:00:00Z', 102000],
    ]);
    expect(JSON.parse(ok(['sla', 'at-risk', '--json']))).toHaveLength(1); // default window 2h
  });

  it('shows due times in the agent zone from the config', () => {
    writeFileSync(join(desk.dir, 'ny.yaml'), 'sla: ./sla.yaml\ntimezone: America/New_York\n');
    const out = ok(['sla', 'at-risk', '--format', 'table'], { DESK_CONFIG: join(desk.dir, 'ny.yaml') });
    expect(out).toContain('2026-03-30 05:00'); // 09:00Z in New York
    expect(out).toContain('Site down');
  });

  it('the heading says what is shown: breached clocks are not "breaching within" the window', () => {
    const out = ok(['sla', 'at-risk', '--breached', '--format', 'table']);
    // #44's resolution was breached four weeks ago; #43's first response is due in 20 minutes.
    expect(out.split('\n')[0]).toBe('1 clock already breached, 1 clock breaching within 2h (times in Europe/Berlin)');
    expect(ok(['sla', 'at-risk', '--format', 'table']).split('\n')[0]).toBe('1 clock breaching within 2h (times in Europe/Berlin)');
    expect(ok(['sla', 'at-risk', '--within', '1m', '--format', 'table'])).toBe('No running SLA clock breaches within 1m.\n');
  });

  it('piped, at-risk prints TSV with the JSON field names; --format picks table, tsv, csv or json', () => {
    const lines = ok(['sla', 'at-risk', '--breached']).trimEnd().split('\n');
    expect(lines[0]).toBe('id\tclock\tdue_at\tremaining_s\tbreached\tpriority\tassignee\tqueue\tpolicy\tsubject');
    expect(lines.slice(1).map((l) => l.split('\t').slice(0, 5))).toEqual([
      ['44', 'resolution', '2026-03-03T16:00:00Z', String(Date.parse('2026-03-03T16:00:00Z') / 1000 - Date.parse(NOW) / 1000), 'true'],
      ['43', 'first_response', '2026-03-30T09:00:00Z', '1200', 'false'],
    ]);
    const csv = ok(['sla', 'at-risk', '--format', 'csv']);
    expect(csv).toBe('id,clock,due_at,remaining_s,breached,priority,assignee,queue,policy,subject\r\n43,first_response,2026-03-30T09:00:00Z,1200,false,urgent,,tech,urgent,Site down\r\n');
    expect(JSON.parse(ok(['sla', 'at-risk', '--format', 'json']))).toEqual(JSON.parse(ok(['sla', 'at-risk', '--json'])));
    const bad = desk.run(['sla', 'at-risk', '--format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('table, tsv, csv, json');
  });

  it('--assignee narrows the list; a bad window is a usage error', () => {
    expect(JSON.parse(ok(['sla', 'at-risk', '--within', '30h', '--json', '--assignee', 'ana'])).map((r: { id: number }) => r.id)).toEqual([42]);
    const bad = desk.run(['sla', 'at-risk', '--within', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("invalid value for --within: 'soon'");
  });
});

describe('desk sla explain', () => {
  it('shows the segments and sums behind a figure, in the calendar zone', () => {
    const out = ok(['sla', 'explain', '42']);
    expect(out).toContain('first_response  3h 30m of 4h 00m · met');
    expect(out).toMatch(/counted\s+2026-03-27 15:00 → 2026-03-27 17:00\s+2h 00m/);
    expect(out).toMatch(/counted\s+2026-03-30 09:00 → 2026-03-30 10:30\s+1h 30m/);
  });

  it('shows times in the agents\' zone (config timezone), naming the calendar\'s zone; show does the same', () => {
    writeFileSync(join(desk.dir, 'ny.yaml'), 'sla: ./sla.yaml\ntimezone: America/New_York\n');
    const env = { DESK_CONFIG: join(desk.dir, 'ny.yaml') };
    const out = ok(['sla', 'explain', '42'], env);
    expect(out).toContain('calendar office (its hours are Europe/Berlin time) · times in America/New_York');
    // Berlin 15:00-17:00 on Friday is 10:00-12:00 in New York (both on summer time by then).
    expect(out).toMatch(/counted\s+2026-03-27 10:00 → 2026-03-27 12:00\s+2h 00m/);
    const shown = ok(['show', '42'], env);
    expect(shown).toContain('created Fri 27 Mar 2026 10:00 GMT-4');
    expect(shown).toContain('times in America/New_York');
    expect(shown).toMatch(/2026-03-30 04:30 ▶ reply/);
    // JSON keeps the instants.
    expect(JSON.parse(ok(['show', '42', '--json'], env)).created_at).toBe('2026-03-27T14:00:00Z');
  });

  it('--json gives the same with sums in seconds', () => {
    const x = JSON.parse(ok(['sla', 'explain', '42', '--json']));
    const fr = x.clocks.find((c: { clock: string }) => c.clock === 'first_response');
    expect(fr.sums).toMatchObject({ counted: 12600 });
    expect(fr.segments[0]).toEqual({ kind: 'counted', from: '2026-03-27T14:00:00Z', to: '2026-03-27T16:00:00Z', seconds: 7200, status: 'open' });
  });

  it('an unknown ticket exits 3', () => {
    const r = desk.run(['sla', 'explain', '999']);
    expect(r.stderr).toContain('no ticket #999');
    expect(r.code).toBe(3);
  });
});
