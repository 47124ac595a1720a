// `desk sla report --mail ADDRESS,…`: the report as a mail a lead can forward upward. Gmail and
// Outlook drop inline SVG, so the charts go as PNG images in the mail (multipart/related,
// referenced by cid), with the figures as a text part too. Each recipient's mail goes through the
// outbox like a reply: written before any SMTP contact, sent at once, and if the server is down it
// stays queued (exit 5) for `desk outbox flush` or the next `desk sync`.
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../../cli/context.js';
import { DeskError, UsageError } from '../../errors.js';
import type { SlaReport } from '../../domain/sla/report.js';
import { isoSeconds } from '../../domain/types.js';
import { checkedAddress, composeMail, domainOf } from '../../mail/compose.js';
import { enqueue } from '../../mail/outbox.js';
import { sendRaw } from '../../mail/smtp.js';
import { coveredPeriod, renderHtml, reportCharts, reportTitle } from '../../ui/report/html.js';
import { svgToPng } from '../../ui/report/png.js';
import { renderText } from '../../ui/report/text.js';
import { printJson } from '../../ui/output.js';
import { safeLine } from '../../ui/safe-text.js';
import { failureOf, flushWithConfig } from '../outbox/flush.js';
import { senderOf, smtpTargetOf } from '../reply/sender.js';
import type { ReportSettings } from './report-settings.js';

/** The addresses of --mail (comma-separated, the flag may be repeated), each checked. */
export function mailRecipients(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values.flatMap((x) => x.split(','))) {
    if (!v.trim()) continue;
    const address = checkedAddress(v, '--mail').toLowerCase();
    if (!out.includes(address)) out.push(address);
  }
  if (!out.length) throw new UsageError('--mail needs an address, e.g. --mail lead@example.com');
  return out;
}

export async function mailReport(ctx: Ctx, report: SlaReport, to: string[], settings: ReportSettings, timeZone: string): Promise<void> {
  const config = await ctx.config();
  const from = senderOf(config);
  const target = smtpTargetOf(config);
  const title = reportTitle(settings.team);
  const period = coveredPeriod(report);
  const now = ctx.now();
  const domain = domainOf(from.address).toLowerCase().replace(/[^a-z0-9.-]/g, '') || 'desk.invalid';
  const charts = reportCharts(report, { target: settings.target });
  const [trendPng, breakdownPng] = await Promise.all([svgToPng(charts.trend), svgToPng(charts.breakdown)]);
  const text = renderText(report, { title, period, timeZone, target: settings.target });

  const store = await ctx.store();
  const ids: number[] = [];
  await store.write(async (tx) => {
    for (const address of to) {
      const id = randomBytes(8).toString('hex');
      const cids = { trend: `trend.${id}@${domain}`, breakdown: `breakdown.${id}@${domain}` };
      const html = renderHtml(report, { timeZone, team: settings.team, target: settings.target, charts: cids });
      const subject = `${title}: ${period}`;
      const mail = await composeMail({
        from, to: { address }, subject, text, html, date: now,
        messageId: `<report.${id}@${domain}>`,
        attachments: [
          { filename: 'compliance.png', content: trendPng, contentType: 'image/png', cid: cids.trend },
          { filename: 'breakdown.png', content: breakdownPng, contentType: 'image/png', cid: cids.breakdown },
        ],
      });
      ids.push(await enqueue(tx, { ticketId: null, messagePk: null, kind: 'report', mail, at: isoSeconds(now), subject }));
    }
  });

  let flushed;
  try {
    flushed = await flushWithConfig(ctx, { ids, send: (envelope, raw) => sendRaw(target, envelope, raw) });
  } catch (err) {
    if (err instanceof DeskError) err.hint = `the report is saved in the outbox (${ids.map((i) => `#${i}`).join(', ')}); \`desk outbox flush\` sends it`;
    throw err;
  }
  const results = ids.map((id) => {
    const r = flushed.results.find((x) => x.id === id);
    const state = r?.outcome === 'sent' ? 'sent' : r?.outcome === 'unknown' ? 'unknown' : r?.outcome === 'failed' ? 'failed' : 'queued';
    return { outbox_id: id, to: to[ids.indexOf(id)]!, state };
  });
  if (ctx.json) printJson(ctx.io, results);
  else {
    for (const r of results) {
      if (r.state === 'sent') ctx.io.out(`report mailed to ${safeLine(r.to)}\n`);
      else ctx.io.err(`report to ${safeLine(r.to)} saved in the outbox (#${r.outbox_id}) but not delivered\n`);
    }
  }
  const failure = failureOf(flushed);
  if (failure) throw failure;
}
