// Links between tickets and merges: the vocabulary, and how a link reads from either ticket.
// Pure. A link is stored once (ticket_links, migration 13):
//   parent        from = the parent, to = the child
//   duplicate_of  from = the duplicate, to = the original (directed)
//   related       from = the lower id, to = the higher (symmetric)
// Seen from one of its tickets, a link names the other ticket and what it is to this one
// (TicketLink.kind): parent, child, duplicate_of (this one duplicates it), duplicate (it
// duplicates this one), related.
import { UsageError } from '../errors.js';

export const STORED_LINK_KINDS = ['parent', 'duplicate_of', 'related'] as const;
export type StoredLinkKind = (typeof STORED_LINK_KINDS)[number];

/** What the other ticket is to this one. */
export const LINK_KINDS = ['parent', 'child', 'duplicate_of', 'duplicate', 'related'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** The flags of `desk link` (what OTHER is to ID). */
export const LINK_FLAGS = ['parent', 'child', 'duplicate_of', 'related'] as const;
export type LinkFlag = (typeof LINK_FLAGS)[number];

export interface TicketLink {
  kind: LinkKind;
  ticket: number;
}

export interface LinkRow {
  kind: StoredLinkKind;
  from: number;
  to: number;
}

/** The row of "OTHER is ID's <flag>". */
export function linkRow(id: number, flag: LinkFlag, other: number): LinkRow {
  if (id === other) throw new UsageError(`a ticket cannot be linked to itself (#${id})`);
  switch (flag) {
    case 'parent': return { kind: 'parent', from: other, to: id };
    case 'child': return { kind: 'parent', from: id, to: other };
    case 'duplicate_of': return { kind: 'duplicate_of', from: id, to: other };
    case 'related': return { kind: 'related', from: Math.min(id, other), to: Math.max(id, other) };
  }
}

/** A stored link as ticket `id` sees it; null when it is not one of its two tickets. */
export function linkSeenFrom(row: LinkRow, id: number): TicketLink | null {
  const mine = row.from === id, theirs = row.to === id;
  if (!mine && !theirs) return null;
  const other = mine ? row.to : row.from;
  switch (row.kind) {
    case 'parent': return { kind: mine ? 'child' : 'parent', ticket: other };
    case 'duplicate_of': return { kind: mine ? 'duplicate_of' : 'duplicate', ticket: other };
    default: return { kind: 'related', ticket: other };
  }
}

/** "child of #3", "parent of #7"…: what this ticket is to the other, for people. */
export function describeLink(l: TicketLink): string {
  switch (l.kind) {
    case 'parent': return `child of #${l.ticket}`;
    case 'child': return `parent of #${l.ticket}`;
    case 'duplicate_of': return `duplicate of #${l.ticket}`;
    case 'duplicate': return `duplicated by #${l.ticket}`;
    case 'related': return `related to #${l.ticket}`;
  }
}

/** The row of a link read from a ticket's interchange line (`links` of docs/interchange.md). */
export function rowOfSeen(id: number, l: TicketLink): LinkRow {
  switch (l.kind) {
    case 'parent': return { kind: 'parent', from: l.ticket, to: id };
    case 'child': return { kind: 'parent', from: id, to: l.ticket };
    case 'duplicate_of': return { kind: 'duplicate_of', from: id, to: l.ticket };
    case 'duplicate': return { kind: 'duplicate_of', from: l.ticket, to: id };
    case 'related': return { kind: 'related', from: Math.min(id, l.ticket), to: Math.max(id, l.ticket) };
  }
}

/** What a merge moved from its source to its target, kept so that `desk unmerge` restores exactly it. */
export interface MergeMoved {
  /** row ids of the messages moved */
  messages: number[];
  /** row ids of the note events moved */
  notes: number[];
  /** tags the target did not have and got from the source */
  tags: string[];
  /** the source's status before the merge closed it */
  status: string;
  /** the target's created_at before the merge (it takes the earlier of the two) */
  target_created_at: string;
  /** the source's CC list as the merge took it off the source; `added`: the target lacked it and got it */
  cc: MovedCc[];
}

/** One person of a merged source's CC list, as it was on the source. */
export interface MovedCc {
  email: string;
  name: string | null;
  added_at: string;
  source: string;
  added: boolean;
}

/** MergeMoved from its stored JSON; a damaged row reads as having moved nothing. */
export function parseMoved(text: string): MergeMoved {
  let v: Partial<MergeMoved> = {};
  try {
    v = JSON.parse(text) as Partial<MergeMoved>;
  } catch {
    v = {};
  }
  const nums = (x: unknown) => (Array.isArray(x) ? x.filter((n): n is number => Number.isSafeInteger(n)) : []);
  return {
    messages: nums(v.messages),
    notes: nums(v.notes),
    tags: Array.isArray(v.tags) ? v.tags.filter((t): t is string => typeof t === 'string') : [],
    status: typeof v.status === 'string' ? v.status : 'open',
    target_created_at: typeof v.target_created_at === 'string' ? v.target_created_at : '',
    cc: Array.isArray(v.cc) ? v.cc.filter(isMovedCc) : [], // merges from before CC lists moved: none
  };
}

function isMovedCc(x: unknown): x is MovedCc {
  const c = x as Partial<MovedCc> | null;
  return typeof c === 'object' && c !== null && typeof c.email === 'string' && (c.name === null || typeof c.name === 'string')
    && typeof c.added_at === 'string' && typeof c.source === 'string' && typeof c.added === 'boolean';
}

/** Message-IDs as users type them for `split --messages`: with or without <>, each once. */
export function normaliseMessageIds(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of args.flatMap((a) => a.split(/[\s,]+/))) {
    const t = raw.trim();
    if (!t) continue;
    const id = t.startsWith('<') ? t : `<${t}>`;
    if (!id.endsWith('>') || id.length < 3) throw new UsageError(`invalid message id '${raw}' (as \`desk show ID --why\` prints it: <…@…>)`);
    if (!out.includes(id)) out.push(id);
  }
  if (!out.length) throw new UsageError('give the message ids to move: --messages ID… (as `desk show ID --why` prints them)');
  return out;
}
