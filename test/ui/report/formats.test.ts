import { renderReport } from '../../../src/ui/report/index.js';
import { csvField } from '../../../src/ui/report/csv.js';
import { renderExplain } from '../../../src/ui/report/explain.js';
import { renderAtRisk } from '../../../src/ui/report/at-risk.js';
import { explainTicket } from '../../../src/domain/sla/explain.js';
import { atRiskClocks, sortAtRisk } from '../../../src/domain/sla/at-risk.js';
import { HOSTILE_SUBJECTS, NOW, sampleEvaluations, samplePolicies, sampleReport, TICKETS } from './sample.js';

const plain = { color: false, timeZone: 'Europe/Berlin' };
const ESC = '\u001b';

/** RFC 4180 reader, enough to check what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += ch;
  }
  return rows;
}

describe('json', () => {
  it('--by ticket prints exactly the spec objects, one per line, as a JSON array', () => {
    const out = renderReport(sampleReport('ticket'), 'json', plain);
    const parsed = JSON.parse(out);
    expect(parsed).toHaveLength(TICKETS.length);
    expect(Object.keys(parsed[0])).toEqual(['id', 'subject', 'policy', 'first_response', 'resolution', 'next_response']);
    expect(Object.keys(parsed[0].first_response)).toEqual(['target_s', 'elapsed_s', 'breached', 'stopped', 'due_at']);
    expect(parsed[0]).toMatchObject({ id: 1, subject: HOSTILE_SUBJECTS.script, policy: 'urgent', next_response: null });
    expect(out.split('\n').filter((l) => l.startsWith('{'))).toHaveLength(TICKETS.length);
  });

  it('groups come with their context and total', () => {
    const parsed = JSON.parse(renderReport(sampleReport('priority'), 'json', plain));
    expect(parsed).toMatchObject({ by: 'priority', now: '2026-03-10T12:00:00Z', timezone: 'Europe/Berlin' });
    expect(parsed.groups.map((g: { key: string }) => g.key)).toEqual(['urgent', 'normal', 'low']);
    expect(parsed.total).toMatchObject({ key: '(total)', tickets: 5 });
  });
});

describe('csv', () => {
  it('quotes per RFC 4180 with CRLF line ends', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
  });

  it('--by ticket round-trips subjects and defuses spreadsheet formulas', () => {
    const out = renderReport(sampleReport('ticket'), 'csv', plain);
    expect(out.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(out);
    expect(rows[0].slice(0, 5)).toEqual(['id', 'subject', 'policy', 'first_response_target_s', 'first_response_elapsed_s']);
    expect(rows).toHaveLength(TICKETS.length + 1);
    expect(rows.every((r) => r.length === rows[0].length)).toBe(true);
    const subjects = rows.slice(1).map((r) => r[1]);
    // A spreadsheet or a terminal showing the CSV must not act on ESC: it is shown as ^[.
    expect(subjects).toContain(HOSTILE_SUBJECTS.escape.replace(/\u001b/g, '^['));
    expect(out).not.toContain('\u001b');
    expect(subjects).toContain(HOSTILE_SUBJECTS.pipe);
    expect(subjects).toContain(`'${HOSTILE_SUBJECTS.formula}`);
  });

  it('groups: one row per group and a total row', () => {
    const rows = parseCsv(renderReport(sampleReport('priority'), 'csv', plain));
    expect(rows[0]).toEqual(['priority', 'tickets', 'met', 'breached', 'in_progress', 'compliance', 'first_response_median_s',
      'first_response_p90_s', 'resolution_median_s', 'resolution_p90_s', 'solved', 'fcr_rate', 'csat_surveys', 'csat_responses', 'csat_response_rate', 'csat_average', 'csat_score']);
    expect(rows.map((r) => r[0])).toEqual(['priority', 'urgent', 'normal', 'low', '(total)']);
    expect(rows[1].slice(1, 6)).toEqual(['2', '1', '1', '0', '0.5']);
  });
});

describe('markdown', () => {
  it('is a table whose cells cannot break the table or inject HTML', () => {
    const out = renderReport(sampleReport('ticket'), 'md', plain);
    expect(out).toContain('| ID | Subject | Policy |');
    expect(out).toContain('a \\| b, c');
    expect(out).toContain('&lt;script&gt;');
    expect(out).not.toContain('<script>');
    expect(out).not.toContain(ESC);
  });

  it('groups end with a bold total and a trend table', () => {
    const out = renderReport(sampleReport('priority'), 'md', plain);
    expect(out).toMatch(/\| \*\*Total\*\* \| 5 \|/);
    expect(out).toContain('## Compliance by day'); // five weeks of tickets: a point a day
    expect(out).toContain('| 2026-02-10 | 0% | 0 | 1 |');
  });
});

describe('table', () => {
  it('shows compliance bars and a trend sparkline, without colour codes when colour is off', () => {
    const out = renderReport(sampleReport('priority'), 'table', plain);
    expect(out).toContain('SLA report by priority');
    expect(out).toMatch(/█{5}░{5}\s+50%/); // urgent: one met, one breached
    expect(out).toMatch(/Compliance by day\s+█▁█▁▁\s+2026-02-02 → 2026-03-09/);
    expect(out).not.toContain(ESC);
  });

  it('paints breaches red when colour is on', () => {
    const out = renderReport(sampleReport('priority'), 'table', { ...plain, color: true });
    expect(out).toContain(`${ESC}[31m`);
  });

  it('--by ticket neutralises escape sequences from subjects and shows due times in the agent zone', () => {
    const out = renderReport(sampleReport('ticket'), 'table', { ...plain, color: true });
    expect(out).not.toContain(`${ESC}[31malert`);
    expect(out).toContain('^[[31malert');
    // ticket 4: resolution 16h on office hours from Monday 09:00 Berlin, due Tuesday 17:00 Berlin
    expect(out).toMatch(/12h 00m \/ 16h 00m \S*due 2026-03-10 17:00/);
  });
});

describe('html', () => {
  const out = renderReport(sampleReport('ticket'), 'html', plain);

  it('is one standalone page: no scripts, stylesheets, fonts or images from elsewhere', () => {
    expect(out).toMatch(/^<!doctype html>/);
    expect(out).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|\ssrc=|\shref=/i);
    expect(out.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\/(?!evil\.example)/);
  });

  it('escapes every subject', () => {
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(out).not.toContain(ESC);
  });

  it('has the trend and breakdown charts, the tables and print styles', () => {
    expect(out).toContain('class="chart trend-chart"');
    expect(out).toContain('class="chart breakdown-chart"');
    expect(out).toContain('<table class="tickets">');
    expect(out).toContain('@media print');
  });

  it('renders a page with no tickets without failing', () => {
    const empty = renderReport({ ...sampleReport('priority'), groups: [], trend: { period: 'day', points: [] }, breakdown: { by: 'priority', groups: [] } }, 'html', plain);
    expect(empty).toContain('No tickets in this period');
  });
});

describe('explain and at-risk views', () => {
  it('explain lists segments in the calendar zone with their sums', () => {
    const out = renderExplain(explainTicket(samplePolicies, TICKETS[3], NOW), { color: false });
    expect(out).toContain('#4 a | b, c');
    expect(out).toContain('Policy default · calendar office · times in Europe/Berlin');
    expect(out).toMatch(/counted\s+2026-03-09 09:00 → 2026-03-09 17:00\s+8h 00m/);
    expect(out).toContain('sums: counted 12h 00m · outside hours 16h 00m');
  });

  it('at-risk shows due times in the agent zone, most urgent first', () => {
    const now = new Date('2026-03-09T11:00:00Z');
    const list = sortAtRisk(sampleEvaluations(now).flatMap((e) => atRiskClocks(e, { within: 7200 })));
    const out = renderAtRisk(list, { color: false, timeZone: 'America/New_York', within: '2h' });
    expect(out).toContain('breaching within 2h (times in America/New_York)');
    expect(out).toMatch(/2026-03-09 08:00.*in 1h 00m.*first response/); // 13:00 Berlin = 08:00 New York
    expect(renderAtRisk([], { color: false, timeZone: 'UTC', within: '2h' })).toBe('No running SLA clock breaches within 2h.\n');
  });
});
