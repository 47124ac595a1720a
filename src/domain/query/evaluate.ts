// The query language judged in memory, on one ticket's facts. The rules file's `query:`
// conditions use it: a triage rule judges a new ticket as the earlier rules left it, an
// escalation rule a ticket as the earlier rules of the same run left it, neither of which is a
// row the store could be asked about. It agrees with the store's SQL (src/store/query.ts) term
// by term, and test/cli/rules-query.test.ts runs the same queries both ways over one desk.
import { foldWord, searchWords } from '../search-words.js';
import type { Priority, Status } from '../types.js';
import type { QueryNode, Term } from './ast.js';
import { AT_RISK_WITHIN_S } from '../sla/at-risk.js';


/** A running SLA clock (not stopped, not paused) as the query's SLA terms read it. */
export interface RunningClock {
  due_at: string;
  breached: boolean;
}

/** What a query can ask about one ticket. */
export interface QueryFacts {
  /** null: not written yet (a ticket being triaged) */
  id: number | null;
  status: Status;
  priority: Priority;
  tier: string;
  queue: string | null;
  assignee: string | null;
  tags: readonly string[];
  /** the requester's address, lower case */
  requester: string;
  /** the requester's customer's organisation, lower case; null: none */
  org: string | null;
  subject: string;
  created_at: string;
  updated_at: string;
  /** what the full-text index holds: the subject and the messages' text */
  documents: readonly string[];
  hasAttachment: boolean;
  /** the latest message a person wrote came from the customer */
  unanswered: boolean;
  snoozed: boolean;
  /** the current satisfaction rating (1..5); null: none */
  csat: number | null;
  /** tickets linked to this one, any kind */
  linked: readonly number[];
  /** the running SLA clocks at `now` */
  clocks: readonly RunningClock[];
}

/** Each document's folded words, worked out once per document list (facts are copied per rule). */
const wordCache = new WeakMap<readonly string[], readonly (readonly string[])[]>();

function documentWords(documents: readonly string[]): readonly (readonly string[])[] {
  let words = wordCache.get(documents);
  if (!words) {
    words = documents.map((d) => searchWords(d).map(foldWord));
    wordCache.set(documents, words);
  }
  return words;
}

/** All the words in one document, the last as a prefix when asked (as the index's MATCH). */
function wordsMatch(facts: QueryFacts, text: string, prefix: boolean): boolean {
  const wanted = searchWords(text).map(foldWord);
  if (!wanted.length) return false;
  const last = wanted.length - 1;
  return documentWords(facts.documents).some((doc) =>
    wanted.every((w, i) => (prefix && i === last ? doc.some((d) => d.startsWith(w)) : doc.includes(w))));
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

function compare(a: number, op: string, b: number): boolean {
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : op === '>=' ? a >= b : a === b;
}

function termHolds(t: Term, f: QueryFacts, nowS: number): boolean {
  switch (t.field) {
    case 'status':
      return t.values.includes(f.status);
    case 'priority':
      return t.values.includes(f.priority);
    case 'tier':
      return t.values.includes(f.tier);
    case 'queue':
      return t.values.includes(f.queue);
    case 'tag':
      return t.values.some((v) => f.tags.includes(v));
    case 'assignee':
      return f.assignee === t.value;
    case 'requester':
      return t.match === 'exact' ? f.requester === t.value : f.requester.includes(t.value);
    case 'subject':
      return f.subject.toLowerCase().includes(t.value.toLowerCase());
    case 'has':
      return f.hasAttachment;
    case 'is':
      return t.value === 'unanswered' ? f.unanswered : f.snoozed;
    case 'sla': {
      // as commands/query/sla-terms.ts: a breached clock makes the ticket breached, not at risk
      const breached = f.clocks.some((c) => c.breached);
      if (t.value === 'breached') return breached;
      return !breached && f.clocks.some((c) => seconds(c.due_at) - nowS <= AT_RISK_WITHIN_S);
    }
    case 'due':
      return f.clocks.some((c) => compare(seconds(c.due_at), t.op, seconds(t.at)));
    case 'created':
      return compare(Date.parse(f.created_at), t.op, Date.parse(t.at));
    case 'updated':
      return compare(Date.parse(f.updated_at), t.op, Date.parse(t.at));
    case 'id':
      return f.id !== null && t.values.includes(f.id);
    case 'linked':
      return f.linked.some((id) => t.values.includes(id));
    case 'org':
      return t.values.includes(f.org);
    case 'csat':
      if (t.op === 'none') return f.csat === null;
      if (t.op === 'any') return f.csat !== null;
      return f.csat !== null && compare(f.csat, t.op, t.score);
  }
}

/** Whether the ticket these facts describe is one the query means, at `now`. */
export function queryMatches(node: QueryNode, facts: QueryFacts, now: Date): boolean {
  const nowS = Math.floor(now.getTime() / 1000);
  const holds = (n: QueryNode): boolean => {
    switch (n.kind) {
      case 'and':
        return n.items.every(holds);
      case 'or':
        return n.items.some(holds);
      case 'not':
        return !holds(n.item);
      case 'term':
        return termHolds(n.term, facts, nowS);
      case 'phrase':
        return wordsMatch(facts, n.text, false);
      case 'word':
        // as the store: a word holding '@' also finds the requesters whose address contains it
        return wordsMatch(facts, n.text, n.prefix) || (n.text.includes('@') && facts.requester.includes(n.text.toLowerCase()));
    }
  };
  return holds(node);
}
