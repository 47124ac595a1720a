// The triage screen as lines of text: a pure function of what is on screen, so it can be tested
// at 80x24 without a terminal. Everything from outside (subjects, names, bodies, tags) goes
// through safe-text first, then is fitted to the width, then coloured.
import type { SlaFacts } from '../../domain/rules/types.js';
import type { TicketWithHistory } from '../../domain/types.js';
import { isClaimedOurs } from '../../domain/sender-claim.js';
import { PLAIN_PAINTER, type Painter } from '../../ui/output.js';
import { safeLine, safeText } from '../../ui/safe-text.js';
import { localTime } from '../../ui/time.js';
import type { QueueItem } from './queue.js';
import { displayWidth, fit, truncate, wrap } from './text-width.js';

/** Colours for the screen: the same painter every command uses (plain without colour). */
export type Style = Painter;

export const PLAIN: Style = PLAIN_PAINTER;

export interface ScreenModel {
  width: number;
  height: number;
  me: string;
  /** the filters the queue was opened with, in words */
  filterLabel: string;
  items: QueueItem[];
  selected: number;
  detail: TicketWithHistory | null;
  sla: SlaFacts | null;
  message: { text: string; kind: 'info' | 'error' } | null;
  now: Date;
  timezone?: string;
  /** live updates stopped: the connection that brings other agents' changes is being reopened */
  liveLost?: boolean;
  /** other agents on tickets: "ana replying" by ticket id (their live presence) */
  presence?: ReadonlyMap<number, string>;
  /** the lines for the ticket shown: "ana is replying (since 14:02)" */
  presenceLines?: readonly string[];
  /** saved views as tabs with their counts (desk view); Tab switches */
  tabs?: { label: string; count: number; current: boolean }[];
  /** the knowledge-base articles most like the selected ticket */
  articles?: { slug: string; title: string }[];
  /** the marked tickets (space): a * before their id, and the count on the rule line */
  marked?: ReadonlyMap<number, unknown> | ReadonlySet<number>;
}

export const KEY_HINT = 'j/k move  t take  a assign  e escalate  r reply  c canned  ? more  q quit';
/** The hint line when saved views are tabs. */
export const KEY_HINT_TABS = 'j/k move  Tab view  t take  a assign  e escalate  r reply  ? more  q quit';

export const KEY_HELP: [string, string][] = [
  ['j / ↓', 'next ticket'], ['k / ↑', 'previous ticket'], ['t', 'take (assign to me)'], ['a', 'assign to an agent'],
  ['p', 'set priority'], ['s', 'set status'], ['g', 'tags (+tag -tag)'], ['u', 'move to a queue'],
  ['r', 'reply (editor)'], ['c', 'reply with a canned reply'], ['n', 'internal note'], ['e', 'escalate / de-escalate'],
  ['z', 'snooze (out of the queue until a time)'], ['x', 'close'], ['v', 'read the whole thread'], ['!', 'spam (asks: block the sender?)'],
  ['m', 'merge into another ticket'], ['l', 'link to another ticket'], ['Ctrl-L', 'refresh'],
  ['space', 'mark / unmark: a, s, p, g, u, x, e then act on every marked ticket (asked once)'],
  ['Tab / S-Tab', 'next / previous saved view (desk view add)'],
  ['q / Ctrl-C', 'quit'],
];

/** "in 45m", "late 2h", "–" */
export function dueText(iso: string | null, now: Date): string {
  if (!iso) return '–';
  const s = Math.round((Date.parse(iso) - now.getTime()) / 1000);
  const a = Math.abs(s);
  const span = a >= 86400 ? `${Math.floor(a / 86400)}d` : a >= 3600 ? `${Math.floor(a / 3600)}h` : `${Math.max(1, Math.floor(a / 60))}m`;
  return s >= 0 ? `in ${span}` : `late ${span}`;
}

/** One line about the ticket's SLA clocks. */
export function slaText(sla: SlaFacts | null, now: Date): string {
  if (!sla) return 'no SLA policy';
  const parts: string[] = [];
  for (const [name, c] of [['first response', sla.first_response], ['next response', sla.next_response], ['resolution', sla.resolution]] as const) {
    if (!c) continue;
    const pct = c.target_s > 0 ? `${Math.round((c.elapsed_s / c.target_s) * 100)}%` : '';
    if (c.stopped) parts.push(`${name} ${c.breached ? 'breached' : 'met'}`);
    else if (c.breached) parts.push(`${name} BREACHED (${pct})`);
    else parts.push(`${name} ${pct}${c.due_at ? `, due ${dueText(c.due_at, now)}` : ', paused'}`);
  }
  return parts.length ? parts.join(' · ') : 'no SLA targets';
}

function listRow(it: QueueItem, selected: boolean, width: number, now: Date, st: Style, others?: string, marked = false): string {
  const t = it.ticket;
  const due = it.snoozeEnded && !it.due_at ? 'snoozed' : dueText(it.due_at, now);
  const cells = [
    selected ? '>' : ' ',
    fit(`${marked ? '*' : ''}#${t.id}`, 7),
    fit(t.priority, 6),
    fit(safeLine(t.tier), 4),
    fit(safeLine(t.assignee ?? '–'), 9),
    fit(due, 8),
  ];
  const head = cells.join(' ');
  const tail = others ? ` [${safeLine(others)}]` : '';
  const subject = truncate(safeLine(t.subject), Math.max(0, width - displayWidth(head) - 1 - displayWidth(tail))) + tail;
  const line = fit(`${head} ${subject}`, width);
  if (selected) return st.inverse(line);
  if (due.startsWith('late')) return st.red(line);
  return t.priority === 'urgent' ? st.yellow(line) : line;
}

interface Block {
  head: string;
  body: string;
  summary: string;
}

function conversationBlocks(t: TicketWithHistory, tz: string | undefined): Block[] {
  type Dated = Block & { at: string; order: number };
  const items: Dated[] = [];
  t.messages.forEach((m, i) => {
    const who = m.direction === 'out'
      ? `▶ ${m.author ?? m.from}`
      : `◀ ${m.from_name ? `${m.from_name} <${m.from}>` : m.from}${m.auto ? (isClaimedOurs(m.auto) ? ' [claims to be from us, unverified]' : ' [automatic]') : ''}`;
    const text = safeText(m.text).trim();
    items.push({
      at: m.date, order: i,
      head: `${safeLine(who)} · ${localTime(m.date, tz)}`,
      body: text || '(no text)',
      summary: `${safeLine(who)} · ${localTime(m.date, tz).slice(5)}: ${safeLine(text)}`,
    });
  });
  t.events.forEach((e, i) => {
    if (e.type !== 'note') return;
    const text = safeText(e.text ?? '').trim();
    items.push({
      at: e.at, order: 100000 + i,
      head: `✎ note by ${safeLine(e.actor)} · ${localTime(e.at, tz)}`,
      body: text,
      summary: `✎ ${safeLine(e.actor)} · ${localTime(e.at, tz).slice(5)}: ${safeLine(text)}`,
    });
  });
  items.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.order - b.order);
  return items;
}

/**
 * Newest last. The newest messages are shown whole while they fit; older ones fold to one line
 * each; what still does not fit is counted in a first line pointing at `v`.
 */
export function conversationLines(blocks: Block[], width: number, rows: number, st: Style): string[] {
  if (rows <= 0) return [];
  if (!blocks.length) return [st.dim('(no messages yet)')];
  const render = (b: Block) => [st.cyan(truncate(b.head, width)), ...wrap(b.body, width - 2).map((l) => `  ${l}`)];
  const expanded: string[][] = [];
  let avail = rows;
  let i = blocks.length - 1;
  for (; i >= 0; i--) {
    const lines = render(blocks[i]!);
    if (expanded.length === 0 && lines.length > avail) {
      const keep = Math.max(1, avail - 1);
      expanded.push([...lines.slice(0, keep), st.dim(truncate(`  … ${lines.length - keep} more lines (v reads the whole thread)`, width))].slice(0, avail));
      avail = 0;
      i--;
      break;
    }
    if (lines.length > avail) break;
    expanded.push(lines);
    avail -= lines.length;
  }
  const folded: string[] = [];
  for (; i >= 0 && avail > 0; i--) {
    if (avail === 1 && i > 0) {
      folded.push(st.dim(truncate(`… ${i + 1} earlier messages (v reads the whole thread)`, width)));
      avail = 0;
      break;
    }
    folded.push(st.dim(truncate(blocks[i]!.summary, width)));
    avail--;
  }
  return [...folded.reverse(), ...expanded.reverse().flat()];
}

/** The views as tabs: " queue 4 │ [@mine 2] │ @billing 3 ", the current one marked and inverse. */
function tabsLine(tabs: NonNullable<ScreenModel['tabs']>, W: number, st: Style): string {
  const parts = tabs.map((t) => {
    const text = `${safeLine(t.label)} ${t.count}`;
    return t.current ? st.inverse(`[${text}]`) : ` ${text} `;
  });
  const plain = tabs.map((t) => (t.current ? `[${safeLine(t.label)} ${t.count}]` : ` ${safeLine(t.label)} ${t.count} `)).join('│');
  if (displayWidth(plain) <= W) return parts.join('│') + ' '.repeat(W - displayWidth(plain));
  return truncate(plain, W); // too many to fit: plain, cut
}

/** Exactly `height` lines, none wider than `width` cells. */
export function renderScreen(m: ScreenModel, st: Style = PLAIN): string[] {
  const { width: W, height: H } = m;
  const lines: string[] = [];
  const push = (s: string) => lines.push(s);
  const right = `${m.liveLost ? 'not live, reconnecting · ' : ''}you: ${safeLine(m.me)}`;
  const left = `desk triage · ${m.items.length} need${m.items.length === 1 ? 's' : ''} someone${m.filterLabel ? ` · ${safeLine(m.filterLabel)}` : ''}`;
  push(st.bold(fit(`${truncate(left, W - displayWidth(right) - 1)}`, W - displayWidth(right)) + right));
  if (m.tabs?.length) push(tabsLine(m.tabs, W, st));

  const listRows = Math.max(1, Math.min(Math.max(m.items.length, 1), Math.max(3, Math.floor((H - 10) / 2))));
  if (!m.items.length) {
    push(st.dim(fit('  Nothing needs anyone right now. (Ctrl-L refreshes, q quits)', W)));
  } else {
    const first = Math.min(Math.max(0, m.selected - Math.floor(listRows / 2)), Math.max(0, m.items.length - listRows));
    for (let r = 0; r < listRows; r++) {
      const it = m.items[first + r];
      push(it ? listRow(it, first + r === m.selected, W, m.now, st, m.presence?.get(it.ticket.id), !!m.marked?.has(it.ticket.id)) : ' '.repeat(W));
    }
  }
  const t = m.detail;
  const markedCount = m.marked?.size ?? 0;
  const position = (m.items.length ? ` ${m.selected + 1} of ${m.items.length} ` : '') + (markedCount ? `· ${markedCount} marked (actions act on all; space unmarks) ` : '');
  const rule = `──${position}`;
  push(st.dim(truncate(rule, W) + '─'.repeat(Math.max(0, W - displayWidth(rule)))));

  const footer = [
    m.message ? (m.message.kind === 'error' ? st.red : st.green)(truncate(safeLine(m.message.text), W)) : '',
    st.dim(truncate(m.tabs && m.tabs.length > 1 ? KEY_HINT_TABS : KEY_HINT, W)),
  ];
  const bodyRows = H - lines.length - footer.length;
  const body: string[] = [];
  if (t) {
    body.push(st.bold(truncate(`#${t.id} ${safeLine(t.subject)}`, W)));
    const requester = t.requester.name ? `${t.requester.name} <${t.requester.email}>` : t.requester.email;
    body.push(truncate(safeLine(`${t.status} · ${t.priority} · tier ${t.tier} · queue ${t.queue ?? '–'} · ${t.assignee ? `assignee ${t.assignee}` : 'unassigned'} · ${requester}`), W));
    body.push(truncate(safeLine(`tags ${t.tags.length ? t.tags.join(', ') : '–'} · SLA ${slaText(m.sla, m.now)}`), W));
    for (const line of m.presenceLines ?? []) body.push(st.yellow(truncate(safeLine(line), W)));
    if (m.articles?.length) body.push(st.dim(truncate(safeLine(`kb: ${m.articles.map((a) => `${a.slug} (${a.title})`).join(' · ')}`), W)));
    body.push(...conversationLines(conversationBlocks(t, m.timezone), W, bodyRows - body.length, st));
  }
  for (let r = 0; r < bodyRows; r++) push(body[r] ?? '');
  lines.push(...footer);
  return lines.slice(0, H);
}

/** The help overlay: all keys, as many as fit. */
export function renderHelp(width: number, height: number, st: Style = PLAIN): string[] {
  const lines = [st.bold(fit('desk triage — keys', width)), ''];
  for (const [k, what] of KEY_HELP) lines.push(truncate(`  ${fit(k, 12)} ${what}`, width));
  lines.push('', st.dim('any key returns'));
  while (lines.length < height) lines.push('');
  return lines.slice(0, height);
}
