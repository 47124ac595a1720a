// A query that cannot be read: UsageError (exit 2) naming the column, with the query and a caret.
import { UsageError } from '../../errors.js';

export class QueryError extends UsageError {
  /** 1-based, in characters of the query */
  readonly column: number;
  constructor(query: string, column: number, what: string, caretAt = column) {
    const line = query.replace(/[\r\n\t]/g, ' ');
    super(`query: ${what} at column ${column}`, `${line}\n${' '.repeat(Math.max(0, caretAt - 1))}^`);
    this.column = column;
  }
}
