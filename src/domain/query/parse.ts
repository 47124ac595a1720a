// The query language's parser: recursive descent over the tokens into a plain AST (ast.ts).
//   query   := or
//   or      := and ('OR' and)*
//   and     := unary+                 (terms side by side: all of them; 'AND' may be written)
//   unary   := '-' unary | primary
//   primary := '(' or ')' | field:value | word | "phrase"
// Every token is looked at once and nesting is bounded, so a query of any text parses in time
// linear in its length or fails with a QueryError (exit 2) naming the column.
import { and, type QueryNode } from './ast.js';
import { QueryError } from './error.js';
import { FIELD_NAMES, fieldNamed, type ParseContext } from './fields.js';
import { tokenize, type Token } from './tokens.js';

export type { ParseContext };

/** How deep parentheses and '-' may nest. */
export const MAX_DEPTH = 50;

const SEARCHABLE = /[\p{L}\p{N}]/u;

export function parseQuery(query: string, ctx: ParseContext): QueryNode {
  const tokens = tokenize(query);
  const end = [...query].length + 1;
  let pos = 0;
  let depth = 0;
  const fail = (col: number, what: string): never => {
    throw new QueryError(query, col, what);
  };
  const peek = (): Token | undefined => tokens[pos];
  const describe = (t: Token | undefined): string =>
    !t ? 'the end of the query' : t.type === 'word' || t.type === 'phrase' ? `'${t.text}'` : t.type === 'field' ? `'${t.name}:'` : `'${t.type}'`;

  const words: { kind: 'word'; text: string; prefix: boolean }[] = [];

  function primary(): QueryNode {
    const t = peek();
    if (!t || t.type === ')' || t.type === 'OR' || t.type === 'AND') {
      return fail(t?.col ?? end, `expected a term, a word or '(' but found ${describe(t)}`);
    }
    pos++;
    switch (t.type) {
      case '(': {
        if (++depth > MAX_DEPTH) fail(t.col, `parentheses nested deeper than ${MAX_DEPTH}`);
        if (peek()?.type === ')') fail(peek()!.col, "expected a term inside '( )'");
        const inner = or();
        const close = peek();
        if (close?.type !== ')') fail(close?.col ?? end, `expected ')' to close the '(' at column ${t.col}`);
        pos++;
        depth--;
        return inner;
      }
      case '-': {
        if (++depth > MAX_DEPTH) fail(t.col, `'-' nested deeper than ${MAX_DEPTH}`);
        const next = peek();
        if (!next || next.type === ')' || next.type === 'OR' || next.type === 'AND') fail(next?.col ?? end, "expected a term after '-'");
        const item = primary();
        depth--;
        return { kind: 'not', item };
      }
      case 'field': {
        const spec = fieldNamed(t.name);
        if (!spec) return fail(t.col, `unknown field '${t.name}:' (fields: ${FIELD_NAMES.join(', ')}; quote a word with a colon: "${t.name}:${t.value}")`);
        return spec.read({ text: t.value, ctx, fail: (what) => fail(t.valueCol, what) });
      }
      case 'phrase': {
        if (!SEARCHABLE.test(t.text)) fail(t.col, 'expected letters or digits inside the quotes');
        return { kind: 'phrase', text: t.text };
      }
      case 'word': {
        if (!SEARCHABLE.test(t.text)) fail(t.col, `expected a word with letters or digits, not '${t.text}'`);
        const w = { kind: 'word' as const, text: t.text, prefix: false };
        words.push(w);
        return w;
      }
    }
    return fail(t.col, 'unexpected token');
  }

  function andExpr(): QueryNode {
    const items: QueryNode[] = [];
    for (;;) {
      const t = peek();
      if (!t || t.type === ')' || t.type === 'OR') break;
      if (t.type === 'AND') {
        pos++;
        const next = peek();
        if (!items.length || !next || next.type === ')' || next.type === 'OR' || next.type === 'AND') fail(t.col, "expected a term on both sides of 'AND'");
        continue;
      }
      items.push(primary());
    }
    if (!items.length) {
      const t = peek();
      fail(t?.col ?? end, t?.type === 'OR' ? "expected a term before 'OR'" : `expected a term but found ${describe(t)}`);
    }
    return and(items);
  }

  function or(): QueryNode {
    const items = [andExpr()];
    while (peek()?.type === 'OR') {
      pos++;
      const next = peek();
      if (!next || next.type === ')' || next.type === 'OR') fail(next?.col ?? end, "expected a term after 'OR'");
      items.push(andExpr());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }

  if (!tokens.length) return { kind: 'and', items: [] };
  const node = or();
  const rest = peek();
  if (rest) fail(rest.col, rest.type === ')' ? "unexpected ')' (no '(' to close)" : `unexpected ${describe(rest)}`);
  // As `desk search` always did: the last free word also matches as the start of a word.
  if (words.length) words[words.length - 1]!.prefix = true;
  return node;
}
