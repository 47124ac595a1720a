// The query language as data (docs/cli.md: Queries): what the parser gives and the store runs.
import type { Priority, Status } from '../types.js';

/** A comparison of an instant column with an instant (ISO, seconds, Z), resolved against `now`. */
export type TimeOp = '<' | '<=' | '>' | '>=';

export type Term =
  | { field: 'status'; values: Status[] }
  | { field: 'priority'; values: Priority[] }
  /** null: no queue */
  | { field: 'queue'; values: (string | null)[] }
  | { field: 'tier'; values: string[] }
  /** any of the tags */
  | { field: 'tag'; values: string[] }
  /** null: nobody */
  | { field: 'assignee'; value: string | null }
  /** the requester's address: exactly, or containing the text (lower case) */
  | { field: 'requester'; match: 'exact' | 'contains'; value: string }
  /** the subject contains the text (case folded) */
  | { field: 'subject'; value: string }
  | { field: 'has'; value: 'attachment' }
  | { field: 'is'; value: 'snoozed' | 'unanswered' }
  /**
   * A running SLA clock past its due time (breached) or due within two hours (at-risk), as
   * `desk sla at-risk` sees them: judged with the SLA clocks, then given to the store as ids
   * (commands/query/sla-terms.ts).
   */
  | { field: 'sla'; value: 'breached' | 'at-risk' }
  /**
   * A running SLA clock due before (`<`, `<=`) or after (`>`, `>=`) the instant `at` (due:<2h:
   * due within two hours from now, breached ones included); judged like is:at-risk.
   */
  | { field: 'due'; op: TimeOp; at: string }
  | { field: 'created' | 'updated'; op: TimeOp; at: string }
  | { field: 'id'; values: number[] }
  /** linked (desk link: parent, child, duplicate, related) to any of these tickets */
  | { field: 'linked'; values: number[] }
  /** the requester's customer's organisation, by name (lower case); null: in no organisation */
  | { field: 'org'; values: (string | null)[] }
  /** the ticket's satisfaction rating (its latest), as a score 1..5 (good = 5, bad = 1); none/any: rated or not */
  | { field: 'csat'; op: '<' | '<=' | '>' | '>=' | '=' | 'none' | 'any'; score: number };

export type QueryNode =
  | { kind: 'and'; items: QueryNode[] }
  | { kind: 'or'; items: QueryNode[] }
  | { kind: 'not'; item: QueryNode }
  | { kind: 'term'; term: Term }
  /** a free word: matches whole words of subjects and messages (a prefix when `prefix`) */
  | { kind: 'word'; text: string; prefix: boolean }
  /** quoted words: all of them in one message or subject */
  | { kind: 'phrase'; text: string };

export const MATCH_ALL: QueryNode = { kind: 'and', items: [] };

export function and(items: QueryNode[]): QueryNode {
  const flat = items.flatMap((n) => (n.kind === 'and' ? n.items : [n]));
  return flat.length === 1 ? flat[0]! : { kind: 'and', items: flat };
}

/** Whether any term of the query is about `field` (list widens to finished tickets when status is named). */
export function mentions(node: QueryNode, field: Term['field']): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.items.some((n) => mentions(n, field));
    case 'not':
      return mentions(node.item, field);
    case 'term':
      return node.term.field === field;
    default:
      return false;
  }
}

/** The query with each term replaced by what `fn` gives for it. */
export function mapTerms(node: QueryNode, fn: (t: Term) => QueryNode): QueryNode {
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, items: node.items.map((n) => mapTerms(n, fn)) };
    case 'not':
      return { kind: 'not', item: mapTerms(node.item, fn) };
    case 'term':
      return fn(node.term);
    default:
      return node;
  }
}

/** The free words and phrases of a query that a ticket it finds holds (none under a '-'). */
export function heldWords(node: QueryNode): string[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.items.flatMap(heldWords);
    case 'word':
    case 'phrase':
      return [node.text];
    default:
      return [];
  }
}
