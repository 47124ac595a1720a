// Cutting a query into tokens, each with its column (1-based, in characters) for messages.
import { QueryError } from './error.js';

export type Token =
  | { type: '(' | ')' | 'OR' | 'AND' | '-'; col: number }
  | { type: 'word'; text: string; col: number }
  | { type: 'phrase'; text: string; col: number }
  /** name: as typed; value: as typed (quotes removed); valueCol: where the value starts */
  | { type: 'field'; name: string; value: string; quoted: boolean; col: number; valueCol: number };

const SPACE = /\s/u;
const FIELD_NAME = /^[A-Za-z][A-Za-z_-]*$/;

function isBreak(c: string): boolean {
  return c === '(' || c === ')' || c === '"' || SPACE.test(c);
}

/** The tokens of a query; unclosed quotes and empty field values are errors with their column. */
export function tokenize(query: string): Token[] {
  const chars = [...query]; // columns count characters, not UTF-16 units
  const out: Token[] = [];
  let i = 0;
  const quoted = (start: number): { text: string; end: number } => {
    // chars[start] is the opening quote
    let j = start + 1;
    while (j < chars.length && chars[j] !== '"') j++;
    if (j >= chars.length) throw new QueryError(query, start + 1, "expected a closing '\"' for this quote");
    return { text: chars.slice(start + 1, j).join(''), end: j + 1 };
  };
  while (i < chars.length) {
    const c = chars[i]!;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    const col = i + 1;
    if (c === '(' || c === ')') {
      out.push({ type: c, col });
      i++;
      continue;
    }
    if (c === '-' && i + 1 < chars.length && !SPACE.test(chars[i + 1]!) && chars[i + 1] !== ')') {
      out.push({ type: '-', col });
      i++;
      continue;
    }
    if (c === '"') {
      const q = quoted(i);
      out.push({ type: 'phrase', text: q.text, col });
      i = q.end;
      continue;
    }
    let j = i;
    while (j < chars.length && !isBreak(chars[j]!)) j++;
    const run = chars.slice(i, j).join('');
    const colon = run.indexOf(':');
    const name = colon > 0 ? run.slice(0, colon) : '';
    if (colon > 0 && FIELD_NAME.test(name)) {
      const valueCol = col + [...name].length + 1;
      let value = run.slice(colon + 1);
      let isQuoted = false;
      if (value === '' && chars[j] === '"') {
        const q = quoted(j);
        value = q.text;
        isQuoted = true;
        j = q.end;
      }
      if (value === '' && !isQuoted) throw new QueryError(query, valueCol, `expected a value after '${name}:'`);
      out.push({ type: 'field', name, value, quoted: isQuoted, col, valueCol });
    } else if (run === 'OR' || run === 'AND') {
      out.push({ type: run, col });
    } else {
      out.push({ type: 'word', text: run, col });
    }
    i = j;
  }
  return out;
}
