// How tickets look to a person: one-line rows for lists and the full timeline for `show`.
import type { Ctx } from '../../cli/context.js';
import { ticketJson, versionedHistoryJson, versionedJson } from '../../domain/interchange.js';
import { snoozeState } from '../../domain/snooze.js';
import { describeLink } from '../../domain/links.js';
import type { Ticket, TicketEvent, TicketWithHistory } from '../../domain/types.js';
import type { StoredMessage } from '../../store/repos/tickets.js';
import { isClaimedOurs } from '../../domain/sender-claim.js';
import { painter, printJson, printTable, type Painter } from '../../ui/output.js';
import { safeLine, safeText } from '../../ui/safe-text.js';
import { localTime, readableTime, relative } from '../../ui/time.js';

export async function printTickets(ctx: Ctx, tickets: Ticket[], extra?: { head: string; cell: (t: Ticket) => string }): Promise<void> {
  if (ctx.json) return printJson(ctx.io, tickets.map(ticketJson));
  if (tickets.length === 0) {
    ctx.io.err('no tickets match\n');
    return;
  }
  const now = ctx.now();
  const p = await painter(ctx.io);
  const head = ['ID', 'Status', 'Pri', 'Tier', 'Queue', 'Assignee', 'Requester', 'Subject', extra?.head ?? 'Updated'];
  const rows = tickets.map((t) => [
    `#${t.id}`, t.status, t.priority, t.tier, t.queue ?? '', t.assignee ?? '-', t.requester.email, t.subject,
    extra ? extra.cell(t) : relative(t.updated_at, now),
  ]);
  // Colour after the text was made safe; narrow terminals lose requester, queue, tier first.
  const style = (r: number, c: number, text: string) => {
    if (c !== 2) return text;
    const pri = tickets[r]!.priority;
    return pri === 'urgent' ? p.red(text) : pri === 'high' ? p.yellow(text) : text;
  };
  // The subject is what people read: it gets three shares of the width left, the requester one.
  await printTable(ctx.io, head, rows, { colWidths: [8, 9, 8, 6, 11, 11, null, null, 16], flexWeights: { 6: 1, 7: 3 }, dropOrder: [6, 4, 3], style });
}

export async function printTicketBrief(ctx: Ctx, t: Ticket, verb: string): Promise<void> {
  if (ctx.json) return printJson(ctx.io, versionedJson(t));
  ctx.io.out(`#${t.id} ${verb}: ${safeLine(t.subject)} [${t.status}, ${t.priority}, ${safeLine(t.tier)}${t.assignee ? `, ${safeLine(t.assignee)}` : ''}]\n`);
}

/** What the other ticket of a link event is to this one, in words. */
function linkWord(kind: string | null | undefined): string {
  switch (kind) {
    case 'duplicate_of': return 'original (this one duplicates it)';
    case 'duplicate': return 'duplicate';
    case 'related': return 'related ticket';
    default: return safeLine(kind ?? '?');
  }
}

function describeEvent(e: TicketEvent): string {
  const v = (x: string | null | undefined) => (x == null || x === '' ? '(none)' : safeLine(x));
  switch (e.type) {
    case 'status': return `status ${v(e.from)} → ${v(e.to)}`;
    case 'priority': return `priority ${v(e.from)} → ${v(e.to)}`;
    case 'queue': return `queue ${v(e.from)} → ${v(e.to)}`;
    case 'assign': return e.to ? `assigned to ${v(e.to)}${e.from ? ` (was ${v(e.from)})` : ''}` : `unassigned (was ${v(e.from)})`;
    case 'escalate': return `tier ${v(e.from)} → ${v(e.to)}`;
    case 'tag': return `tag +${v(e.to)}`;
    case 'untag': return `tag -${v(e.from)}`;
    case 'subject': return `subject → ${v(e.to)}`;
    case 'snooze': return e.to ? `snoozed until ${v(e.to)}` : `snooze over (it was until ${v(e.from)})`;
    case 'reply': return `reply queued ${v(e.text)}`;
    case 'note': return 'note';
    case 'kb_answer': return `answered with article ${v(e.to)}`;
    case 'merge': return `merged #${v(e.from)} into #${v(e.to)}${e.text ? ` (${safeLine(e.text)})` : ''}`;
    case 'unmerge': return `unmerged #${v(e.from)} from #${v(e.to)}${e.text ? ` (${safeLine(e.text)})` : ''}`;
    case 'split': return `split #${v(e.from)}: messages moved to new ticket #${v(e.to)}`;
    case 'link': return `linked: #${v(e.to)} is its ${linkWord(e.from)}`;
    case 'unlink': return `unlinked from #${v(e.to)} (was its ${linkWord(e.from)})`;
    case 'rating': return `customer rated ${v(e.to)}${e.from ? ` (replaces ${v(e.from)})` : ''}${e.text ? `: ${safeLine(e.text)}` : ''}`;
    default: return String(e.type);
  }
}

export async function printTicketFull(ctx: Ctx, t: TicketWithHistory & { messages: StoredMessage[] }, why: boolean, presence: string[] = []): Promise<void> {
  if (ctx.json) return printJson(ctx.io, versionedHistoryJson(t));
  const p = await painter(ctx.io);
  const tz = await (await import('../time-zone.js')).agentTimeZone(ctx);
  const out = (s: string) => ctx.io.out(s + '\n');
  out(p.bold(`#${t.id} ${safeLine(t.subject)}`));
  out(`${p.dim('status')} ${t.status}  ${p.dim('priority')} ${t.priority}  ${p.dim('tier')} ${safeLine(t.tier)}  ${p.dim('queue')} ${safeLine(t.queue ?? '-')}  ${p.dim('assignee')} ${safeLine(t.assignee ?? '-')}`);
  out(`${p.dim('requester')} ${safeLine(t.requester.name ? `${t.requester.name} <${t.requester.email}>` : t.requester.email)}${t.customer?.organisation ? ` ${p.dim('of')} ${safeLine(t.customer.organisation)}` : ''}  ${p.dim('tags')} ${t.tags.length ? safeLine(t.tags.join(', ')) : '-'}`);
  if (t.cc?.length) out(`${p.dim('cc')} ${safeLine(t.cc.map((c) => (c.name ? `${c.name} <${c.email}>` : c.email)).join(', '))}`);
  out(`${p.dim('created')} ${readableTime(t.created_at, tz)}  ${p.dim('updated')} ${readableTime(t.updated_at, tz)} (${relative(t.updated_at, ctx.now())})  ${p.dim(`times in ${tz}`)}`);
  if (t.merged_into != null) out(`${p.dim('merged into')} #${t.merged_into}: its conversation continues there (\`desk show ${t.merged_into}\`)`);
  if (t.links?.length) out(`${p.dim('links')} ${t.links.map(describeLink).join(', ')}`);
  const snoozed = snoozeState(t, ctx.now()).until;
  if (snoozed) out(`${p.dim('snoozed')} until ${readableTime(snoozed, tz)}: out of the queue, SLA clocks running`);
  for (const line of presence) out(p.yellow(safeLine(line)));

  type Item = { at: string; order: number; render: (p: Painter) => string };
  const items: Item[] = [];
  (t.messages as StoredMessage[]).forEach((m, i) =>
    items.push({
      at: m.date,
      order: i,
      render: () => {
        const copied = m.cc?.length ? ` (cc ${m.cc.join(', ')})` : '';
        const who = m.direction === 'out' ? `${m.author ?? m.from} → customer${copied}` : `${m.from_name ? `${m.from_name} <${m.from}>` : m.from}${copied}`;
        // Mail that only claims to be from us is not automatic: it is marked for what it is.
        const mark = !m.auto ? '' : isClaimedOurs(m.auto) ? p.red(` [${safeLine(m.auto)}]`) : p.yellow(` [automatic: ${safeLine(m.auto)}]`);
        const head = `${m.direction === 'out' ? p.green('▶ reply') : p.cyan('◀ mail')} ${safeLine(who)}${mark}`;
        const lines = [head];
        if (why) lines.push(p.dim(`  message-id ${safeLine(m.message_id)}; threaded by: ${safeLine(m.thread_rule ?? (m.direction === 'out' ? 'sent from desk' : i === 0 ? 'opened the ticket' : 'imported'))}`));
        for (const a of m.attachments ?? []) lines.push(p.dim(`  📎 ${safeLine(a.filename ?? '(unnamed)')} (${safeLine(a.content_type)}, ${a.size} bytes)`));
        lines.push(indent(safeText(m.text.trim()) || p.dim('(no text)')));
        return lines.join('\n');
      },
    }),
  );
  t.events.forEach((e, i) =>
    items.push({
      at: e.at,
      order: 100000 + i,
      render: () =>
        e.type === 'note'
          ? `${p.yellow('✎ note')} ${safeLine(e.actor)}\n${indent(safeText(e.text ?? ''))}`
          : `${p.dim('•')} ${safeLine(e.actor)}: ${describeEvent(e)}${e.reason ? p.dim(` — ${safeLine(e.reason)}`) : ''}`,
    }),
  );
  items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.order - b.order));
  for (const it of items) {
    out('');
    out(`${p.dim(localTime(it.at, tz))} ${it.render(p)}`);
  }
}

function indent(text: string): string {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}
