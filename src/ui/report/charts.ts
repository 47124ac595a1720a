// Inline SVG charts for the HTML report: no scripts, no fonts, no network, so the page renders
// the same in any browser, in a mail attachment and on paper.
import type { GroupFigures } from '../../domain/sla/report.js';
import { escapeHtml } from './html-escape.js';
import { percent } from './format.js';

export const COLORS = { met: '#2e7d32', breached: '#c62828', inProgress: '#9e9e9e', line: '#1565c0', grid: '#e0e0e0', text: '#333333', target: '#ef6c00' };

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

function emptyChart(cls: string, title: string, width: number): string {
  return `<svg class="chart ${cls}" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} 60" width="100%" xmlns="http://www.w3.org/2000/svg">`
    + `<title>${escapeHtml(title)}</title><text x="${width / 2}" y="34" text-anchor="middle" fill="${COLORS.text}" font-size="14">No tickets in this period</text></svg>`;
}

export interface TrendOptions {
  /** the compliance goal (0–1): a dashed line across the chart */
  target?: number | null;
  /** the key of a last period that is not over yet: drawn hollow and dashed, labelled "so far" */
  partialKey?: string | null;
}

/**
 * Compliance per period as a line over a 0–100% axis; a point is red when its period had breaches.
 * A last period that is not over is drawn apart (dashed, hollow point, "so far"): its clocks are
 * mostly still running, so its figure is not comparable with finished periods.
 */
export function trendChart(points: GroupFigures[], periodName: string, opts: TrendOptions = {}): string {
  const title = `Compliance by ${periodName}`;
  const W = 720, H = 260, left = 48, right = 48, top = 16, bottom = 44; // room for the last label
  if (points.length === 0) return emptyChart('trend-chart', title, W);
  const plotW = W - left - right, plotH = H - top - bottom;
  const n = points.length;
  const x = (i: number) => left + (n === 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const y = (c: number) => top + (1 - c) * plotH;
  const parts: string[] = [];
  for (const g of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${fmt(y(g))}" y2="${fmt(y(g))}" stroke="${COLORS.grid}"/>`);
    parts.push(`<text x="${left - 6}" y="${fmt(y(g) + 4)}" text-anchor="end" font-size="11" fill="${COLORS.text}">${g * 100}%</text>`);
  }
  if (typeof opts.target === 'number') {
    const ty = fmt(y(opts.target));
    parts.push(`<line class="target-line" x1="${left}" x2="${W - right}" y1="${ty}" y2="${ty}" stroke="${COLORS.target}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
    // labelled at the left, where the newest points (and a partial period's) never are
    parts.push(`<text class="target-label" x="${left + 6}" y="${fmt(y(opts.target) - 5)}" font-size="11" fill="${COLORS.target}">target ${escapeHtml(percent(opts.target))}</text>`);
  }
  const partialAt = opts.partialKey && points.at(-1)?.key === opts.partialKey ? n - 1 : -1;
  // the line breaks where a period has nothing to measure; it does not run into a partial period
  let run: string[] = [];
  const flush = () => {
    if (run.length > 1) parts.push(`<polyline class="trend-line" fill="none" stroke="${COLORS.line}" stroke-width="2" points="${run.join(' ')}"/>`);
    run = [];
  };
  points.forEach((p, i) => {
    if (p.compliance === null || i === partialAt) flush();
    else run.push(`${fmt(x(i))},${fmt(y(p.compliance))}`);
  });
  flush();
  const before = partialAt > 0 ? points[partialAt - 1] : undefined;
  const partial = partialAt >= 0 ? points[partialAt] : undefined;
  if (partial?.compliance != null && before?.compliance != null) {
    parts.push(`<line class="partial-line" x1="${fmt(x(partialAt - 1))}" y1="${fmt(y(before.compliance))}" x2="${fmt(x(partialAt))}" y2="${fmt(y(partial.compliance))}" stroke="${COLORS.inProgress}" stroke-width="2" stroke-dasharray="4 4"/>`);
  }
  points.forEach((p, i) => {
    if (p.compliance === null) return;
    const tip = `${p.key}: ${percent(p.compliance)} (${p.met} met, ${p.breached} breached, ${p.in_progress} in progress)`;
    if (i === partialAt) {
      parts.push(`<circle class="point partial" cx="${fmt(x(i))}" cy="${fmt(y(p.compliance))}" r="4" fill="#ffffff" stroke="${COLORS.inProgress}" stroke-width="2"><title>${escapeHtml(`${tip}, period not over`)}</title></circle>`);
      parts.push(`<text class="partial-label" x="${fmt(x(i))}" y="${fmt(y(p.compliance) + (p.compliance > 0.5 ? 18 : -10))}" text-anchor="middle" font-size="11" fill="${COLORS.text}">so far</text>`);
      return;
    }
    parts.push(`<circle class="point" cx="${fmt(x(i))}" cy="${fmt(y(p.compliance))}" r="4" fill="${p.breached ? COLORS.breached : COLORS.met}"><title>${escapeHtml(tip)}</title></circle>`);
  });
  const step = Math.ceil(n / 10);
  points.forEach((p, i) => {
    if (i % step !== 0 && i !== n - 1) return;
    parts.push(`<text x="${fmt(x(i))}" y="${H - bottom + 18}" text-anchor="middle" font-size="11" fill="${COLORS.text}">${escapeHtml(p.key)}</text>`);
  });
  return `<svg class="chart trend-chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${W} ${H}" width="100%" xmlns="http://www.w3.org/2000/svg">`
    + `<title>${escapeHtml(title)}</title>${parts.join('')}</svg>`;
}

/** One stacked bar per group: met, breached, in progress, to the scale of the largest group. */
export function breakdownChart(groups: GroupFigures[], byName: string): string {
  const title = `Tickets by ${byName}: met, breached, in progress`;
  const W = 720, labelW = 150, countW = 110, rowH = 26, top = 30;
  if (groups.length === 0) return emptyChart('breakdown-chart', title, W);
  const H = top + groups.length * rowH + 8;
  const barW = W - labelW - countW;
  const max = Math.max(1, ...groups.map((g) => g.met + g.breached + g.in_progress));
  const parts: string[] = [];
  const legend: [string, string][] = [['met', COLORS.met], ['breached', COLORS.breached], ['in progress', COLORS.inProgress]];
  legend.forEach(([name, color], i) => {
    parts.push(`<rect x="${labelW + i * 110}" y="6" width="12" height="12" fill="${color}"/>`);
    parts.push(`<text x="${labelW + i * 110 + 18}" y="16" font-size="12" fill="${COLORS.text}">${name}</text>`);
  });
  groups.forEach((g, row) => {
    const yTop = top + row * rowH;
    const label = [...g.key].length > 22 ? [...g.key].slice(0, 21).join('') + '…' : g.key;
    parts.push(`<text x="${labelW - 8}" y="${yTop + 15}" text-anchor="end" font-size="12" fill="${COLORS.text}">${escapeHtml(label)}<title>${escapeHtml(g.key)}</title></text>`);
    let xPos = labelW;
    for (const [count, color, name] of [[g.met, COLORS.met, 'met'], [g.breached, COLORS.breached, 'breached'], [g.in_progress, COLORS.inProgress, 'in progress']] as const) {
      if (count === 0) continue;
      const w = (count / max) * barW;
      parts.push(`<rect class="bar ${name.replace(' ', '-')}" x="${fmt(xPos)}" y="${yTop + 3}" width="${fmt(w)}" height="${rowH - 8}" fill="${color}"><title>${escapeHtml(`${g.key}: ${count} ${name}`)}</title></rect>`);
      xPos += w;
    }
    parts.push(`<text x="${W - countW + 8}" y="${yTop + 15}" font-size="12" fill="${COLORS.text}">${g.tickets} · ${percent(g.compliance)}</text>`);
  });
  return `<svg class="chart breakdown-chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${W} ${H}" width="100%" xmlns="http://www.w3.org/2000/svg">`
    + `<title>${escapeHtml(title)}</title>${parts.join('')}</svg>`;
}
