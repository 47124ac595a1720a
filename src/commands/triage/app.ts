// The interactive triage session: the queue, the selected ticket, and single-key actions.
// Each action is applied as the agent (events with their name), then the queue is loaded again
// so the screen always shows the desk as it is, including what other agents just did. Changes
// made by others (another agent, a sync, an import) arrive as hints from the store's watch
// (store/ticket-watch.ts): the queue is read again and redrawn without a key press, keeping the
// selected ticket, and never while a question or an editor has the screen.
import { spawnSync } from 'node:child_process';
import type { Ctx } from '../../cli/context.js';
import { DeskError, UsageError } from '../../errors.js';
import type { TicketFilter } from '../../domain/filters.js';
import { slaFactsOf } from '../../domain/rules/sla-facts.js';
import type { SlaFacts } from '../../domain/rules/types.js';
import type { SlaPolicySet } from '../../domain/sla/index.js';
import { withSignature } from '../../domain/canned/signature.js';
import { normaliseTag, type Change } from '../../domain/ticket.js';
import type { Article } from '../../domain/kb/article.js';
import { PRIORITIES, STATUSES, isoSeconds, type Priority, type Status, type TicketWithHistory } from '../../domain/types.js';
import { isPostgresUrl, type Store } from '../../store/index.js';
import { shownLocation } from '../../store/location.js';
import { listAgents } from '../../store/repos/agents.js';
import { getTicketHistory } from '../../store/repos/tickets.js';
import { watchTickets } from '../../store/ticket-watch.js';
import { clearPresence, setPresence } from '../../store/repos/presence.js';
import { PRESENCE_REFRESH_MS, PRESENCE_TTL_MS, presenceLine, presenceShort, type PresenceActivity } from '../../domain/notify/presence.js';
import { clockOf, othersOn } from '../presence/lines.js';
import { openTicketLoads } from '../../store/rules.js';
import { neutralise, safeLine, safeText } from '../../ui/safe-text.js';
import { localTime } from '../../ui/time.js';
import { optionalPolicy } from '../sla/policy-file.js';
import { rulesOfConfig } from '../rules-file.js';
import { editInEditor, editorText, textAboveMarker } from '../reply/editor.js';
import { applyIfUnchanged, linkTo, markSpam, mergeInto, tagChanges, take, typedTicketId } from './actions.js';
import { describeLink, type LinkFlag } from '../../domain/links.js';
import { Prompter } from './prompts.js';
import { loadQueue, type QueueItem } from './queue.js';
import { recipientsOf, replyActions, type ReplyActions } from './reply.js';
import { renderHelp, renderScreen, type Style } from './screen.js';
import { painter } from '../../ui/output.js';
import { parseSnoozeUntil } from './snooze-time.js';
import { truncate } from './text-width.js';
import { Terminal, type Key } from './terminal.js';
import { applyBulk } from '../../store/repos/bulk-change.js';
import { changeWords } from '../bulk/run.js';

export interface TriageSession {
  filter: TicketFilter;
  explicitStatuses: boolean;
  filterLabel: string;
  /**
   * The saved views as tabs (desk view), the queue as opened first; Tab and Shift-Tab switch.
   * Empty: no tabs. The queue shown is that of tabs[tab] when there are tabs.
   */
  tabs?: TriageTab[];
  tab?: number;
}

export interface TriageTab {
  label: string;
  filter: TicketFilter;
  explicitStatuses: boolean;
}


/** How long hints of others' changes are gathered before the queue is read again. */
const LIVE_SETTLE_MS = 100;

/** The keys that act on every marked ticket when some are marked (assign, status, priority, tags, queue, close, escalate). */
const BULK_KEYS = ['a', 's', 'p', 'g', 'u', 'x', 'e'];

class TriageApp {
  private items: QueueItem[] = [];
  private selected = 0;
  private detail: TicketWithHistory | null = null;
  private sla: SlaFacts | null = null;
  private articles: { slug: string; title: string }[] = [];
  /** the knowledge base, read again with the queue (not on every move) */
  private kb: Promise<Article[]> | undefined;
  private message: { text: string; kind: 'info' | 'error' } | null = null;
  private busy = false;
  /** Keys that arrived while an action ran (a paste, key repeat, a slow link): handled in order after it. */
  private pending: [string | undefined, Key][] = [];
  private helpShown = false;
  /** how many tickets each tab's queue holds, as of the last read */
  private tabCounts: number[] = [];
  /** Someone else changed tickets since the queue was read: read it again when the keys allow. */
  private stale = false;
  private staleTimer: NodeJS.Timeout | undefined;
  /** The live updates' connection is lost (being reopened): the header says so. */
  private liveLost = false;
  private quitting = false;
  private done!: () => void;
  private readonly prompter: Prompter;
  private readonly replies: ReplyActions;
  /** other agents' presence on the queue's tickets ("ana replying"), and the lines for the one shown */
  private others = new Map<number, string>();
  private othersLines: string[] = [];
  /** the ticket under the cursor, for our own presence, and when we came to it */
  private viewing: { ticket: number; openedAt: string } | null = null;
  private presenceTimer: NodeJS.Timeout | undefined;
  /** marked tickets (space), with the version the screen showed: the action keys act on all of them */
  private marked = new Map<number, number>();

  constructor(
    private readonly ctx: Ctx, private readonly store: Store, private readonly location: string, private readonly me: string,
    private readonly session: TriageSession, private readonly policy: SlaPolicySet | null,
    private readonly timezone: string | undefined, private readonly term: Terminal, private readonly style: Style,
  ) {
    this.prompter = new Prompter(term, ctx.io.color, () => (this.pending = []));
    this.replies = replyActions(ctx, store, me);
  }

  async run(): Promise<void> {
    this.tiers = await this.ctx.tiers();
    // Watching starts before the first read, so that no change falls between the two.
    const watch = await watchTickets(this.store, this.location, () => this.changedElsewhere(), {
      idle: () => !this.busy,
      onLost: (lost) => {
        this.liveLost = lost;
        if (!this.busy && this.term.isActive && !this.quitting) this.render();
      },
    });
    try {
      this.busy = true; // a hint arriving now waits for this first read
      try {
        await this.refresh();
      } finally {
        this.busy = false;
      }
      // Our presence is refreshed while the screen is open (it expires by itself otherwise), and
      // others' presence is read again, so what expired goes.
      this.presenceTimer = setInterval(() => {
        void this.writePresence('viewing').then(() => this.changedElsewhere());
      }, PRESENCE_REFRESH_MS);
      this.presenceTimer.unref?.();
      const finished = new Promise<void>((resolve) => (this.done = resolve));
      const stopKeys = this.term.onKey((str, key) => void this.onKey(str, key));
      const stopResize = this.term.onResize(() => this.render());
      this.render();
      if (this.stale) void this.drain();
      try {
        await finished;
      } finally {
        stopKeys();
        stopResize();
      }
    } finally {
      this.quitting = true;
      clearTimeout(this.staleTimer);
      clearInterval(this.presenceTimer);
      await this.presenceWrites;
      await this.store.write((tx) => clearPresence(tx, this.me)).catch(() => undefined);
      await watch.close();
    }
  }

  /**
   * A hint that tickets changed. Hints come in bursts (a sync of 500 mails, an import): they are
   * gathered for LIVE_SETTLE_MS, then the queue is read once; hints arriving during that read
   * make one more read after it, never one per hint.
   */
  private changedElsewhere(): void {
    if (this.quitting || this.staleTimer) return;
    this.staleTimer = setTimeout(() => {
      this.staleTimer = undefined;
      this.stale = true;
      if (!this.busy) void this.drain();
    }, LIVE_SETTLE_MS);
  }

  // ---- state -------------------------------------------------------------------------------

  private get current(): QueueItem | undefined {
    return this.items[this.selected];
  }

  /** Reloads the queue, keeping the selected ticket (or its place, when it left the queue). */
  private async refresh(): Promise<void> {
    this.stale = false; // this read sees every change committed before it
    this.kb = undefined;
    const keepId = this.current?.ticket.id;
    const now = this.ctx.now();
    const shown = this.session.tabs?.[this.session.tab ?? 0] ?? this.session;
    this.items = await loadQueue(this.store.db, shown.filter, { explicitStatuses: shown.explicitStatuses, policy: this.policy, now });
    // The other tabs are counted as their queues (without due times: the order does not matter).
    this.tabCounts = [];
    for (const [i, tab] of (this.session.tabs ?? []).entries()) {
      this.tabCounts.push(i === (this.session.tab ?? 0) ? this.items.length
        : (await loadQueue(this.store.db, tab.filter, { explicitStatuses: tab.explicitStatuses, policy: null, now })).length);
    }
    // A marked ticket is planned on the version the screen shows now (a change by someone else
    // that the screen showed is known to the agent); one that left the queue keeps its version.
    for (const it of this.items) if (this.marked.has(it.ticket.id)) this.marked.set(it.ticket.id, it.ticket.version ?? 0);
    const again = this.items.findIndex((it) => it.ticket.id === keepId);
    this.selected = again >= 0 ? again : Math.min(this.selected, Math.max(0, this.items.length - 1));
    await this.loadDetail();
  }

  private async loadDetail(): Promise<void> {
    const it = this.current;
    this.detail = it ? await getTicketHistory(this.store.db, it.ticket.id) : null;
    this.sla = this.detail && this.policy ? slaFactsOf(this.policy, this.detail, this.ctx.now()).facts : null;
    const kb = await import('../kb/suggest.js');
    this.kb ??= kb.readableArticles(this.ctx);
    this.articles = this.detail ? kb.suggestionsFor(await this.kb, this.detail).map((r) => ({ slug: r.article.slug, title: r.article.title })) : [];
    if ((it?.ticket.id ?? null) !== (this.viewing?.ticket ?? null)) {
      this.viewing = it ? { ticket: it.ticket.id, openedAt: isoSeconds(this.ctx.now()) } : null;
      // Not awaited: a write waiting for the lock (a long sync batch) must not hold up the screen.
      if (this.viewing) void this.writePresence('viewing');
      else void this.queuePresence(() => this.store.write((tx) => clearPresence(tx, this.me)));
    }
    await this.loadOthers();
  }

  /** Others' live presence on the queue's tickets. */
  private async loadOthers(): Promise<void> {
    try {
      const byTicket = await othersOn(this.ctx, this.items.map((i) => i.ticket.id));
      this.others = new Map([...byTicket].map(([id, list]) => [id, presenceShort(list)]));
      const clock = await clockOf(this.ctx);
      this.othersLines = this.viewing ? (byTicket.get(this.viewing.ticket) ?? []).map((p) => presenceLine(p, clock)) : [];
    } catch {
      this.others = new Map(); // presence is a courtesy: the queue works without it
      this.othersLines = [];
    }
  }

  /** Presence writes, one after the other (a failed one is only a missed courtesy). */
  private presenceWrites: Promise<void> = Promise.resolve();
  private queuePresence(write: () => Promise<unknown>): Promise<void> {
    this.presenceWrites = this.presenceWrites.then(() => write()).then(() => undefined, () => undefined);
    return this.presenceWrites;
  }

  /** Records (or refreshes) our presence on the ticket under the cursor. */
  private writePresence(activity: PresenceActivity, ttlMs = PRESENCE_TTL_MS): Promise<void> {
    const v = this.viewing;
    if (!v || this.quitting) return Promise.resolve();
    const now = this.ctx.now();
    // The real clock decides when a presence runs out (a fixed --now would never let it).
    const expires = isoSeconds(new Date(Math.max(now.getTime(), Date.now()) + ttlMs));
    return this.queuePresence(() => this.store.write((tx) => setPresence(tx, { agent: this.me, ticket: v.ticket, activity, at: isoSeconds(now), opened_at: v.openedAt, expires_at: expires })));
  }

  private render(): void {
    const { columns: width, rows: height } = this.term;
    if (this.helpShown) return this.term.draw(renderHelp(width, height, this.style));
    this.term.draw(renderScreen({
      width, height, me: this.me, filterLabel: this.session.filterLabel, items: this.items, selected: this.selected,
      detail: this.detail, sla: this.sla, message: this.message, now: this.ctx.now(), timezone: this.timezone,
      liveLost: this.liveLost, presence: this.others, presenceLines: this.othersLines, articles: this.articles, marked: this.marked,
      tabs: this.session.tabs?.map((t, i) => ({ label: t.label, count: this.tabCounts[i] ?? 0, current: i === (this.session.tab ?? 0) })),
    }, this.style));
  }

  // ---- keys --------------------------------------------------------------------------------

  private onKey(str: string | undefined, key: Key): void {
    // A question or an editor has the keyboard: its keys are its own.
    if (this.prompter.asking || !this.term.isActive) return;
    this.pending.push([str, key]);
    if (!this.busy) void this.drain();
  }

  /**
   * Handles the waiting keys one after the other (a key that opens a question drops the rest),
   * then, when others changed tickets meanwhile, reads the queue again: one at a time, so a
   * refresh never races a key for the selection.
   */
  private async drain(): Promise<void> {
    this.busy = true;
    try {
      for (;;) {
        if (this.quitting) return;
        if (this.pending.length) {
          const [str, key] = this.pending.shift()!;
          if (await this.handleKey(str, key) === 'quit') {
            this.pending = [];
            return;
          }
        } else if (this.stale && this.term.isActive && !this.prompter.asking) {
          await this.liveRefresh();
        } else {
          return;
        }
      }
    } finally {
      this.busy = false;
    }
  }

  /** Reads the queue again after others' changes and redraws; the selection and any message stay. */
  private async liveRefresh(): Promise<void> {
    try {
      await this.refresh();
    } catch (err) {
      // A hint is not worth a crash: the screen keeps what it showed and says why.
      this.message = { text: `could not read the queue again: ${(err as Error)?.message ?? String(err)} (Ctrl-L retries)`, kind: 'error' };
    }
    this.render();
  }

  private async handleKey(str: string | undefined, key: Key): Promise<'quit' | void> {
    if (this.helpShown) {
      this.helpShown = false;
      return this.render();
    }
    if ((key.ctrl && key.name === 'c') || str === 'q') {
      this.quitting = true;
      this.done();
      return 'quit';
    }
    const action = this.actionFor(str, key);
    if (!action) return;
    try {
      this.message = null;
      await action();
    } catch (err) {
      // Conflicts and refusals are the agent's to read; anything else is a bug and crashes loudly.
      if (!(err instanceof DeskError)) throw err;
      this.message = { text: err.message + (err.hint ? ` (${err.hint})` : ''), kind: 'error' };
    }
    try {
      await this.refresh();
    } finally {
      this.render();
    }
  }

  private actionFor(str: string | undefined, key: Key): (() => Promise<void>) | undefined {
    const move = (to: number) => async () => {
      this.selected = Math.max(0, Math.min(this.items.length - 1, to));
    };
    if (key.name === 'down' || str === 'j') return move(this.selected + 1);
    if (key.name === 'up' || str === 'k') return move(this.selected - 1);
    if (key.name === 'pagedown') return move(this.selected + 5);
    if (key.name === 'pageup') return move(this.selected - 5);
    if (key.name === 'home') return move(0);
    if (key.name === 'end') return move(this.items.length - 1);
    if (key.ctrl && key.name === 'l') return async () => undefined;
    const tabs = this.session.tabs?.length ?? 0;
    if (key.name === 'tab' && tabs > 1) {
      return async () => {
        this.session.tab = ((this.session.tab ?? 0) + (key.shift ? tabs - 1 : 1)) % tabs;
        this.selected = 0;
        this.detail = null;
        this.items = [];
      };
    }
    if (str === '?') return async () => void (this.helpShown = true);
    if (key.name === 'space' || str === ' ') {
      return async () => {
        const it = this.current;
        if (!it) return;
        if (this.marked.has(it.ticket.id)) this.marked.delete(it.ticket.id);
        else this.marked.set(it.ticket.id, it.ticket.version ?? 0);
        this.selected = Math.min(this.items.length - 1, this.selected + 1);
      };
    }
    if (str && this.marked.size && BULK_KEYS.includes(str)) return () => this.bulk(str);
    const perTicket: Record<string, (t: TicketWithHistory) => Promise<void>> = {
      t: (t) => this.take(t), a: (t) => this.assign(t), p: (t) => this.priority(t), s: (t) => this.status(t),
      g: (t) => this.tags(t), u: (t) => this.queue(t), n: (t) => this.note(t), e: (t) => this.escalate(t),
      z: (t) => this.snooze(t), x: (t) => this.close(t), v: (t) => this.view(t),
      r: (t) => this.reply(t), c: (t) => this.canned(t), '!': (t) => this.spam(t), m: (t) => this.merge(t), l: (t) => this.link(t),
    };
    const fn = str ? perTicket[str] : undefined;
    if (!fn) return undefined;
    return async () => {
      if (!this.detail) {
        this.message = { text: 'no ticket selected', kind: 'error' };
        return;
      }
      await fn(this.detail);
    };
  }

  // ---- actions -----------------------------------------------------------------------------

  /**
   * An action key with tickets marked: one question for all of them, asked once, then the bulk
   * engine (each ticket its own events; one changed since the screen showed it is left as it is
   * and stays marked).
   */
  private async bulk(key: string): Promise<void> {
    const count = this.marked.size;
    const title = (what: string) => this.style.bold(`${count} marked ticket(s)`) + ` — ${what}`;
    let changes: Change[] | undefined;
    if (key === 'a') {
      const agents = await listAgents(this.store.db);
      const choices = [...agents.map((a) => ({ value: a.name as string | null, name: safeLine(`${a.name} (${a.tier}${a.away ? ', away' : ''})`) })), { value: null, name: 'nobody (unassign)' }];
      const to = await this.prompter.ask(title('assign'), (q, c) => q.select({ message: 'Assign to', choices, pageSize: 10 }, c));
      if (to !== undefined) changes = [{ type: 'assign', to }];
    } else if (key === 's') {
      const to = await this.prompter.ask(title('status'), (q, c) => q.select<Status>({ message: 'Status', choices: STATUSES.map((x) => ({ value: x, name: x })) }, c));
      if (to) changes = [{ type: 'status', to }];
    } else if (key === 'p') {
      const to = await this.prompter.ask(title('priority'), (q, c) => q.select<Priority>({ message: 'Priority', choices: PRIORITIES.map((x) => ({ value: x, name: x })) }, c));
      if (to) changes = [{ type: 'priority', to }];
    } else if (key === 'g') {
      const text = await this.prompter.ask(title('tags'), (q, c) => q.input({ message: 'Add +tag, remove -tag:' }, c));
      if (text?.trim()) changes = tagChanges(text, normaliseTag);
    } else if (key === 'u') {
      const to = await this.prompter.ask(title('queue'), (q, c) => q.input({ message: 'Move to queue (empty: no queue):' }, c));
      if (to !== undefined) changes = [{ type: 'queue', to: to.trim() || null }];
    } else if (key === 'x') {
      changes = [{ type: 'status', to: 'closed' }];
    } else if (key === 'e') {
      const to = await this.prompter.ask(title('escalate'), (q, c) => q.select({ message: 'Move to tier', choices: this.tiers.map((x) => ({ value: x, name: x })) }, c));
      const reason = to ? await this.prompter.ask(title(`escalate to ${to}`), (q, c) => q.input({ message: 'Reason:', validate: (v) => (v.trim() ? true : 'a reason is required') }, c)) : undefined;
      if (to && reason?.trim()) changes = [{ type: 'escalate', to, reason: reason.trim() }];
    }
    if (!changes?.length) return;
    const what = changes.map(changeWords).join(', ');
    const sure = await this.prompter.ask(title(what), (q, c) => q.confirm({ message: `Change ${count} marked ticket(s): ${what}?`, default: true }, c));
    if (!sure) return;
    const rules = changes.some((c) => c.type === 'escalate') ? rulesOfConfig(await this.ctx.config(), this.tiers) : null;
    const plan = [...this.marked].map(([id, version]) => ({ id, version }));
    const out = await applyBulk(this.store, plan, changes, { actor: this.me, at: this.at(), rules });
    for (const id of [...out.changed, ...out.unchanged]) this.marked.delete(id);
    const done = `${out.changed.length} ticket(s) changed: ${what}${out.unchanged.length ? `; ${out.unchanged.length} already so` : ''}`;
    this.message = out.skipped.length
      ? { text: `${done}; ${out.skipped.length} not changed (still marked): ${out.skipped[0]!.message}`, kind: 'error' }
      : { text: done, kind: 'info' };
  }

  private tiers: string[] = [];

  private at(): string {
    return isoSeconds(this.ctx.now());
  }

  private title(t: TicketWithHistory, what: string): string {
    return this.style.bold(truncate(safeLine(`#${t.id} ${t.subject}`), Math.max(10, this.term.columns - what.length - 4))) + ` — ${what}`;
  }

  private report(t: TicketWithHistory, events: unknown[], what: string): void {
    this.message = events.length ? { text: `#${t.id} ${what}`, kind: 'info' } : { text: `#${t.id}: nothing changed`, kind: 'info' };
  }

  private async change(t: TicketWithHistory, seen: Parameters<typeof applyIfUnchanged>[2], changes: Change[], what: string): Promise<void> {
    const rules = async () => rulesOfConfig(await this.ctx.config(), await this.ctx.tiers());
    const events = await applyIfUnchanged(this.store, t.id, seen, changes, this.me, this.at(), rules);
    this.report(t, events, what);
  }

  private async take(t: TicketWithHistory): Promise<void> {
    if (t.assignee === this.me) {
      this.message = { text: `#${t.id} is already yours`, kind: 'info' };
      return;
    }
    if (t.assignee) {
      const sure = await this.prompter.ask(this.title(t, 'take'), (q, c) => q.confirm({ message: `#${t.id} is ${safeLine(t.assignee)}'s. Take it anyway?`, default: false }, c));
      if (!sure) return;
    }
    this.report(t, await take(this.store, t, this.me, this.at()), 'is yours now');
  }

  private async assign(t: TicketWithHistory): Promise<void> {
    const [agents, loads] = await Promise.all([listAgents(this.store.db), openTicketLoads(this.store.db)]);
    const choices = [
      ...agents
        .sort((a, b) => Number(a.away) - Number(b.away) || a.name.localeCompare(b.name))
        .map((a) => ({ value: a.name as string | null, name: safeLine(`${a.name} (${a.tier}, ${loads[a.name] ?? 0} open${a.away ? ', away' : ''})`) })),
      { value: null, name: 'nobody (unassign)' },
    ];
    const to = await this.prompter.ask(this.title(t, 'assign'), (q, c) => q.select({ message: 'Assign to', choices, default: t.assignee, pageSize: 10 }, c));
    if (to === undefined) return;
    await this.change(t, { assignee: t.assignee }, [{ type: 'assign', to }], to ? `assigned to ${to}` : 'unassigned');
  }

  private async priority(t: TicketWithHistory): Promise<void> {
    const to = await this.prompter.ask(this.title(t, 'priority'), (q, c) =>
      q.select<Priority>({ message: 'Priority', choices: PRIORITIES.map((p) => ({ value: p, name: p })), default: t.priority }, c));
    if (to) await this.change(t, { priority: t.priority }, [{ type: 'priority', to }], `priority ${to}`);
  }

  private async status(t: TicketWithHistory): Promise<void> {
    const to = await this.prompter.ask(this.title(t, 'status'), (q, c) =>
      q.select<Status>({ message: 'Status', choices: STATUSES.map((s) => ({ value: s, name: s })), default: t.status }, c));
    if (to) await this.change(t, { status: t.status }, [{ type: 'status', to }], `status ${to}`);
  }

  private async tags(t: TicketWithHistory): Promise<void> {
    const text = await this.prompter.ask(this.title(t, 'tags'), (q, c) =>
      q.input({ message: `Tags now: ${t.tags.length ? safeLine(t.tags.join(' ')) : '(none)'}. Add +tag, remove -tag:` }, c));
    if (!text?.trim()) return;
    await this.change(t, {}, tagChanges(text, normaliseTag), 'tags changed');
  }

  private async queue(t: TicketWithHistory): Promise<void> {
    const to = await this.prompter.ask(this.title(t, 'queue'), (q, c) =>
      q.input({ message: 'Move to queue (empty: no queue):', default: t.queue ?? '' }, c));
    if (to === undefined) return;
    await this.change(t, { queue: t.queue }, [{ type: 'queue', to: to.trim() || null }], `queue ${to.trim() || 'none'}`);
  }

  private async note(t: TicketWithHistory): Promise<void> {
    const text = await this.prompter.ask(this.title(t, 'internal note'), (q, c) => q.input({ message: 'Note (never mailed):' }, c));
    if (!text?.trim()) return;
    await this.change(t, {}, [{ type: 'note', text: text.trim() }], 'noted');
  }

  private async escalate(t: TicketWithHistory): Promise<void> {
    const tiers = await this.ctx.tiers();
    const here = tiers.indexOf(t.tier);
    const choices = tiers.filter((x) => x !== t.tier).map((x) => ({ value: x, name: `${x} ${tiers.indexOf(x) > here ? '(escalate)' : '(de-escalate)'}` }));
    const to = await this.prompter.ask(this.title(t, 'escalate'), (q, c) => q.select({ message: `Move from ${t.tier} to`, choices }, c));
    if (!to) return;
    const reason = await this.prompter.ask(this.title(t, `escalate to ${to}`), (q, c) =>
      q.input({ message: 'Reason:', validate: (v) => (v.trim() ? true : 'a reason is required') }, c));
    if (!reason?.trim()) return;
    await this.change(t, { tier: t.tier }, [{ type: 'escalate', to, reason: reason.trim() }], `moved ${t.tier} → ${to}`);
  }

  private async snooze(t: TicketWithHistory): Promise<void> {
    const now = this.ctx.now();
    const text = await this.prompter.ask(this.title(t, 'snooze'), (q, c) => q.input({
      message: 'Snooze until (2h, 1d, tomorrow, mon 10:00, 2026-04-02 14:00):',
      validate: (v) => (parseSnoozeUntil(v, now, this.timezone) ? true : 'a time in the future, e.g. 2h, tomorrow 09:00 or 2026-04-02 14:00'),
    }, c));
    if (!text) return;
    const until = isoSeconds(parseSnoozeUntil(text, now, this.timezone)!);
    // Out of the queue until then, and nothing more: the status and the SLA clocks stay as they are.
    await this.change(t, {}, [{ type: 'snooze', until }], `snoozed until ${localTime(until, this.timezone)}`);
  }

  private async merge(t: TicketWithHistory): Promise<void> {
    const text = await this.prompter.ask(this.title(t, 'merge'), (q, c) => q.input({
      message: `Merge #${t.id} into ticket:`,
      validate: (v) => { const id = typedTicketId(v); return id !== null && id !== t.id ? true : 'the id of another ticket, like 42'; },
    }, c));
    const target = typedTicketId(text);
    if (target === null) return;
    await mergeInto(this.store, t.id, target, this.me, this.at());
    this.message = { text: `#${t.id} merged into #${target}`, kind: 'info' };
  }

  private async link(t: TicketWithHistory): Promise<void> {
    const choices: { value: LinkFlag; name: string }[] = [
      { value: 'related', name: 'related to' }, { value: 'parent', name: 'child of (the other is its parent)' },
      { value: 'child', name: 'parent of (the other is its child)' }, { value: 'duplicate_of', name: 'duplicate of' },
    ];
    const flag = await this.prompter.ask(this.title(t, 'link'), (q, c) => q.select({ message: `#${t.id} is`, choices }, c));
    if (!flag) return;
    const text = await this.prompter.ask(this.title(t, 'link'), (q, c) => q.input({
      message: 'Ticket:',
      validate: (v) => { const id = typedTicketId(v); return id !== null && id !== t.id ? true : 'the id of another ticket, like 42'; },
    }, c));
    const other = typedTicketId(text);
    if (other === null) return;
    await linkTo(this.store, t.id, flag, other, this.me, this.at());
    this.message = { text: `#${t.id} is now ${describeLink({ kind: flag, ticket: other })}`, kind: 'info' };
  }

  private async close(t: TicketWithHistory): Promise<void> {
    const sure = await this.prompter.ask(this.title(t, 'close'), (q, c) => q.confirm({ message: `Close #${t.id}?`, default: true }, c));
    if (sure) await this.change(t, { status: t.status }, [{ type: 'status', to: 'closed' }], 'closed');
  }

  private async spam(t: TicketWithHistory): Promise<void> {
    const block = await this.prompter.ask(this.title(t, 'spam'), (q, c) =>
      q.select<boolean | null>({
        message: `Move #${t.id} to spam?`,
        choices: [
          { value: true, name: `yes, and block ${safeLine(t.requester.email)}` },
          { value: false, name: 'yes, without blocking the sender' },
          { value: null, name: 'no' },
        ],
      }, c));
    if (block === undefined || block === null) return;
    const moved = await markSpam(this.store, t, block, this.me, this.at());
    this.message = { text: `#${t.id} moved to spam as ${moved.spamId}${moved.blocked ? `; ${safeLine(moved.blocked)} blocked` : ''} ('desk spam release ${moved.spamId}' brings it back)`, kind: 'info' };
  }

  private async reply(t: TicketWithHistory): Promise<void> {
    const quoted = [...t.messages].filter((m) => m.direction === 'in' && !m.auto).sort((a, b) => a.date.localeCompare(b.date)).at(-1) ?? null;
    const signature = await this.replies.signature(t);
    await this.writePresence('replying', 30 * 60_000);
    let text: string | undefined;
    try {
      text = this.editText(editorText(withSignature('', signature), quoted, this.timezone), t.id);
    } finally {
      await this.writePresence('viewing');
    }
    if (text === undefined || text.replace(/\s+/g, ' ').trim() === signature.replace(/\s+/g, ' ').trim()) {
      this.message = { text: 'reply cancelled (empty)', kind: 'info' };
      return;
    }
    const ok = await this.prompter.ask(this.title(t, 'reply'), (q, c) => q.confirm({ message: `${previewOf(text)}\n\n${recipientsOf(t)}\nSend this reply?`, default: true }, c));
    if (ok) this.message = { text: await this.replies.send(t, { text }, this.sendGuard(t)), kind: 'info' };
  }

  private async canned(t: TicketWithHistory): Promise<void> {
    const library = await this.replies.library();
    if (!library.length) {
      this.message = { text: 'no canned replies found', kind: 'error' };
      return;
    }
    // The preview under each choice is the reply as this customer would read it, not its template.
    const previews = new Map(await Promise.all(library.map(async (r) => [r.name, await this.replies.render(t, r).catch((err: unknown) => {
      if (err instanceof DeskError) return `(cannot be filled in for #${t.id}: ${err.message})`;
      throw err;
    })] as const)));
    const entry = await this.prompter.ask(this.title(t, 'canned reply'), (q, c) => q.search({
      message: 'Canned reply (type to filter):',
      pageSize: 8,
      source: (term) => {
        const words = (term ?? '').toLowerCase().split(/\s+/).filter(Boolean);
        return library
          .filter((r) => words.every((w) => `${r.name} ${r.title} ${r.tags.join(' ')}`.toLowerCase().includes(w)))
          .map((r) => ({ value: r, name: safeLine(`${r.name} — ${r.title}`), description: truncate(safeLine(previews.get(r.name) ?? '').replace(/\s+/g, ' ').trim(), 3 * this.term.columns - 10) }));
      },
    }, c));
    if (!entry) return;
    let text = await this.replies.render(t, entry);
    const choice = await this.prompter.ask(this.title(t, `canned reply ${entry.name}`), (q, c) => q.select({
      message: `${previewOf(text)}\n\n${recipientsOf(t)}\nSend it?`,
      choices: [{ value: 'send', name: 'Send' }, { value: 'edit', name: 'Edit first' }, { value: 'cancel', name: 'Cancel' }],
    }, c));
    if (choice === 'edit') {
      const edited = this.editText(editorText(text, null), t.id);
      if (edited === undefined) return;
      text = edited;
    } else if (choice !== 'send') {
      return;
    }
    this.message = { text: await this.replies.send(t, { text, canned: entry }, this.sendGuard(t)), kind: 'info' };
  }

  /** When we opened the ticket, and how to ask when a customer wrote since. */
  private sendGuard(t: TicketWithHistory): { openedAt?: string; confirm: (q: string) => Promise<boolean> } {
    return {
      openedAt: this.viewing?.ticket === t.id ? this.viewing.openedAt : undefined,
      confirm: async (question) => !!(await this.prompter.ask(this.title(t, 'reply'), (q, c) => q.confirm({ message: question, default: false }, c))),
    };
  }

  private view(t: TicketWithHistory): Promise<void> {
    const text = [
      `#${t.id} ${safeLine(t.subject)}`,
      '',
      ...[...t.messages]
        .sort((a, b) => Date.parse(a.date) - Date.parse(b.date))
        .flatMap((m) => [`${m.direction === 'out' ? '▶' : '◀'} ${safeLine(m.direction === 'out' ? m.author ?? m.from : m.from)} · ${localTime(m.date, this.timezone)}`, safeText(m.text), '']),
    ].join('\n');
    this.withTerminal(() => {
      const pager = process.env.PAGER || 'less';
      const r = spawnSync('sh', ['-c', `${pager}`], { input: neutralise(text), stdio: ['pipe', 'inherit', 'inherit'], env: { ...process.env, LESS: process.env.LESS ?? 'R' } });
      if (r.error) this.message = { text: `cannot run the pager '${pager}': ${r.error.message}`, kind: 'error' };
    });
    return Promise.resolve();
  }

  /** Runs fn with the terminal handed back (an editor, a pager), then takes it again. */
  private withTerminal<T>(fn: () => T): T {
    this.pending = [];
    this.term.suspend();
    try {
      return fn();
    } finally {
      this.term.resume();
    }
  }

  /** The agent's editor, as `desk reply` opens it; undefined when left empty. */
  private editText(initial: string, ticketId: number): string | undefined {
    const edited = this.withTerminal(() => editInEditor(initial, `desk-reply-${ticketId}.txt`));
    return textAboveMarker(edited).trim() || undefined;
  }
}

function previewOf(text: string): string {
  const lines = safeText(text).split('\n');
  const shown = lines.slice(0, 12);
  return shown.join('\n') + (lines.length > shown.length ? `\n… (${lines.length - shown.length} more lines)` : '');
}

/**
 * Where live updates are listened for: the desk's own database, or DESK_LISTEN_DB, the same
 * PostgreSQL database reached directly when the desk's URL goes through a transaction pooler
 * (LISTEN needs a session of its own).
 */
async function listenLocation(ctx: Ctx, store: Store): Promise<string> {
  const direct = process.env.DESK_LISTEN_DB;
  if (!direct) return ctx.dbLocation();
  if (store.dialect !== 'postgres' || !isPostgresUrl(direct)) {
    throw new UsageError(
      `DESK_LISTEN_DB must be a postgres:// URL of this desk's PostgreSQL database, not '${shownLocation(direct)}'`,
      'it is only for a desk on PostgreSQL whose URL goes through a transaction pooler; unset it otherwise',
    );
  }
  return direct;
}

export async function runTriageApp(ctx: Ctx, session: TriageSession): Promise<void> {
  const store = await ctx.store();
  const location = await listenLocation(ctx, store);
  const me = await ctx.actor();
  const config = await ctx.config();
  const policy = await optionalPolicy(ctx);
  const style: Style = await painter(ctx.io);
  const term = new Terminal(process.stdin, process.stdout, ctx.io.color, ctx.io);
  term.start();
  try {
    await new TriageApp(ctx, store, location, me, session, policy, config.timezone, term, style).run();
  } finally {
    term.restore();
  }
}
