import { conversationLines, dueText, PLAIN, renderScreen, slaText, type ScreenModel, type Style } from '../../../src/commands/triage/screen.js';
import { displayWidth, truncate, wrap } from '../../../src/commands/triage/text-width.js';
import type { QueueItem } from '../../../src/commands/triage/queue.js';
import type { Message, TicketWithHistory } from '../../../src/domain/types.js';

const NOW = new Date('2026-03-30T09:00:00Z');

function ticket(id: number, over: Partial<TicketWithHistory> = {}): TicketWithHistory {
  return {
    id, subject: `Subject ${id}`, status: 'open', priority: 'normal', tier: 'L1', queue: 'tech', assignee: null, tags: [],
    requester: { email: 'joao@example.com', name: 'João Silva' }, created_at: '2026-03-29T09:00:00Z', updated_at: '2026-03-29T09:00:00Z',
    messages: [], events: [], ...over,
  };
}

const msg = (i: number, text: string, direction: 'in' | 'out' = 'in'): Message => ({
  message_id: `<${i}@x>`, direction, from: direction === 'in' ? 'joao@example.com' : 'support@desk.example', author: direction === 'out' ? 'ana' : null,
  date: new Date(Date.parse('2026-03-29T09:00:00Z') + i * 3600_000).toISOString(), text,
});

function model(over: Partial<ScreenModel> = {}): ScreenModel {
  const items: QueueItem[] = Array.from({ length: 30 }, (_, i) => ({ ticket: ticket(i + 1), due_at: null, snoozeEnded: null }));
  return { width: 80, height: 24, me: 'ana', filterLabel: 'queue tech', items, selected: 0, detail: ticket(1), sla: null, message: null, now: NOW, timezone: 'UTC', ...over };
}

const widths = (lines: string[]) => lines.map(displayWidth);

describe('the triage screen', () => {
  it('fills exactly 80x24 with a long queue and a long thread, no line wider than the terminal', () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i} of a very long message that goes on and on past the width of the terminal`).join('\n');
    const detail = ticket(12, { messages: [msg(0, 'first'), msg(1, 'answer', 'out'), msg(2, long)], subject: 'A subject that is far too long to fit on one line of an eighty column terminal, really' });
    const lines = renderScreen(model({ detail, selected: 11 }));
    expect(lines).toHaveLength(24);
    expect(Math.max(...widths(lines))).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^desk triage · 30 need someone · queue tech +you: ana$/);
    expect(lines.find((l) => l.startsWith('>'))).toMatch(/^> #12 +normal L1 +– +– +Subject 12/);
    expect(lines.join('\n')).toContain('more lines (v reads the whole thread)');
    expect(lines[23]).toContain('q quit');
  });

  it('also fits a bigger terminal and uses the room', () => {
    const lines = renderScreen(model({ width: 132, height: 50 }));
    expect(lines).toHaveLength(50);
    expect(Math.max(...widths(lines))).toBeLessThanOrEqual(132);
    expect(lines.filter((l) => /^[ >] #\d+/.test(l)).length).toBeGreaterThan(7);
  });

  it('neutralises escape sequences and control characters from mail, in the list and the conversation', () => {
    const evil = '\x1b]0;pwned\x07\x1b[2J';
    const detail = ticket(1, { subject: `Hi ${evil}`, requester: { email: 'x@example.com', name: `Mal\x1b[31mlory` }, messages: [msg(0, `body ${evil}\u202Eevil`)] });
    const lines = renderScreen(model({ detail, items: [{ ticket: detail, due_at: null, snoozeEnded: null }] }));
    const all = lines.join('\n');
    expect(all).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    expect(all).toContain('Hi ^[]0;pwned^G^[[2J');
    expect(all).toContain('\\u{202e}evil');
  });

  it('paints nothing without colour (NO_COLOR) and paints with it', () => {
    const plain = renderScreen(model()).join('\n');
    expect(plain).not.toContain('\x1b');
    const marker: Style = { ...PLAIN, inverse: (s) => `[${s}]`, bold: (s) => `*${s}*` };
    const painted = renderScreen(model(), marker);
    expect(painted[0]!.startsWith('*desk triage')).toBe(true);
    expect(painted[1]!.startsWith('[> #1')).toBe(true);
  });

  it('says in the header when live updates are lost, still fitting the width', () => {
    for (const width of [80, 60, 40]) {
      const lines = renderScreen(model({ width, liveLost: true }));
      expect(lines[0]).toMatch(/not live, reconnecting · you: ana$/);
      expect(displayWidth(lines[0]!)).toBe(width);
    }
    expect(renderScreen(model({ liveLost: false }))[0]).not.toContain('not live');
  });

  it('shows saved views as tabs with their counts under the header, the current one marked, and the Tab key in the hint', () => {
    const tabs = [{ label: 'queue', count: 30, current: false }, { label: '@mine', count: 2, current: true }, { label: '@billing', count: 7, current: false }];
    const lines = renderScreen(model({ tabs }));
    expect(lines).toHaveLength(24);
    expect(lines[1]).toBe(' queue 30 │[@mine 2]│ @billing 7 '.padEnd(80));
    expect(lines[23]).toContain('Tab view');
    expect(widths(lines).every((w) => w <= 80)).toBe(true);
    // many views: cut to the width
    const many = Array.from({ length: 20 }, (_, i) => ({ label: `@view-${i}`, count: i, current: i === 0 }));
    expect(displayWidth(renderScreen(model({ tabs: many, width: 60 }))[1]!)).toBeLessThanOrEqual(60);
    // no views: no tab line, the usual hint
    expect(renderScreen(model())[23]).not.toContain('Tab');
  });

  it('says when nothing needs anyone', () => {
    const lines = renderScreen(model({ items: [], detail: null }));
    expect(lines).toHaveLength(24);
    expect(lines[1]).toContain('Nothing needs anyone right now');
  });

  it('shows the result of the last action, errors included', () => {
    const lines = renderScreen(model({ message: { text: '#1 was just taken by ben', kind: 'error' } }));
    expect(lines[22]).toBe('#1 was just taken by ben');
  });

  it('shows due times, late ones as late, and SLA state in words', () => {
    expect(dueText('2026-03-30T09:45:00Z', NOW)).toBe('in 45m');
    expect(dueText('2026-03-30T07:00:00Z', NOW)).toBe('late 2h');
    expect(dueText('2026-04-02T09:00:00Z', NOW)).toBe('in 3d');
    expect(dueText(null, NOW)).toBe('–');
    expect(slaText({
      first_response: { elapsed_s: 3600, target_s: 3600 * 4, breached: false, stopped: false, due_at: '2026-03-30T12:00:00Z' },
      resolution: { elapsed_s: 50000, target_s: 40000, breached: true, stopped: false, due_at: '2026-03-30T06:00:00Z' },
      next_response: null,
    }, NOW)).toBe('first response 25%, due in 3h · resolution BREACHED (125%)');
    expect(slaText(null, NOW)).toBe('no SLA policy');
  });
});

describe('the conversation pane', () => {
  const blocks = (n: number, lines = 1) => Array.from({ length: n }, (_, i) => ({
    head: `◀ joao · ${i}`, body: Array.from({ length: lines }, (_, j) => `m${i} l${j}`).join('\n'), summary: `joao · ${i}: m${i}`,
  }));

  it('shows a short thread whole, newest last', () => {
    expect(conversationLines(blocks(2), 80, 10, PLAIN)).toEqual(['◀ joao · 0', '  m0 l0', '◀ joao · 1', '  m1 l0']);
  });

  it('folds older messages to one line each and counts what still does not fit', () => {
    expect(conversationLines(blocks(8, 2), 80, 8, PLAIN)).toEqual([
      '… 5 earlier messages (v reads the whole thread)',
      'joao · 5: m5',
      '◀ joao · 6', '  m6 l0', '  m6 l1',
      '◀ joao · 7', '  m7 l0', '  m7 l1',
    ]);
    expect(conversationLines(blocks(8, 2), 80, 7, PLAIN)[0]).toBe('… 6 earlier messages (v reads the whole thread)');
  });

  it('cuts a newest message longer than the pane and points at the whole thread', () => {
    expect(conversationLines(blocks(1, 10), 80, 4, PLAIN)).toEqual(['◀ joao · 0', '  m0 l0', '  m0 l1', '  … 8 more lines (v reads the whole thread)']);
  });
});

describe('text width', () => {
  it('counts wide characters as two cells and cuts with an ellipsis', () => {
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(truncate('日本語のテキスト', 7)).toBe('日本語…');
    expect(truncate('short', 10)).toBe('short');
  });

  it('wraps words, breaking those longer than a line', () => {
    expect(wrap('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(wrap('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
    expect(wrap('a\n\nb', 5)).toEqual(['a', '', 'b']);
  });
});
