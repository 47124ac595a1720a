// The HTML report in a real browser: it parses, lays out, and both charts have visible size.
// A probe script is added to a copy of the page (the report itself has none) to measure them.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport } from '../../../src/ui/report/index.js';
import { chromiumPath, dumpDom, screenshot } from './chromium.js';
import { sampleReport } from './sample.js';

const PROBE = `<script>
  const charts = [...document.querySelectorAll('svg.chart')].map((svg) => {
    const box = svg.getBoundingClientRect();
    return { cls: svg.getAttribute('class'), width: Math.round(box.width), height: Math.round(box.height),
      points: svg.querySelectorAll('circle.point').length, bars: svg.querySelectorAll('rect.bar').length,
      lines: svg.querySelectorAll('polyline.trend-line').length };
  });
  const probe = document.createElement('pre');
  probe.id = 'probe';
  probe.textContent = JSON.stringify({ charts, rows: document.querySelectorAll('table tbody tr').length, title: document.title });
  document.body.appendChild(probe);
</script>`;

describe('HTML report in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'desk-sla-html-'));

  it('needs Chromium (apt-get install chromium)', () => {
    expect(chromiumPath()).toBeTruthy();
  });

  it.each(['priority', 'ticket'] as const)('--by %s renders with both charts drawn', async (by) => {
    const html = renderReport(sampleReport(by), 'html', { color: false, timeZone: 'Europe/Berlin' });
    const probed = join(dir, `probed-${by}.html`);
    writeFileSync(probed, html.replace('</body>', `${PROBE}</body>`));
    const dom = await dumpDom(probed);
    const match = /<pre id="probe">([^<]*)<\/pre>/.exec(dom);
    expect(match).not.toBeNull();
    const probe = JSON.parse(match![1].replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
    expect(probe.title).toBe('SLA report');
    const [trend, breakdown] = probe.charts;
    expect(trend).toMatchObject({ cls: 'chart trend-chart', points: 5 }); // five days with tickets, each measured
    expect(trend.lines).toBeGreaterThan(0);
    expect(breakdown).toMatchObject({ cls: 'chart breakdown-chart' });
    expect(breakdown.bars).toBeGreaterThanOrEqual(3);
    for (const chart of probe.charts) {
      expect(chart.width).toBeGreaterThan(300);
      expect(chart.height).toBeGreaterThan(40);
    }
    expect(probe.rows).toBe(by === 'ticket' ? 5 : 3);
  });

  it('takes a screenshot of the page as it is (no probe)', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, renderReport(sampleReport('priority'), 'html', { color: false, timeZone: 'Europe/Berlin' }));
    const png = join(dir, 'report.png');
    await screenshot(file, png);
    expect(statSync(png).size).toBeGreaterThan(10_000);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });
});
