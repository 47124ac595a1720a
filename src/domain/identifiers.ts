// Names that identify things (a queue, a tag, a tier, an agent) are compared, filtered on and
// printed in every list: they must be plain text. This is the one rule, used by every way a
// name comes in (new, set, assign, escalate, import, rules, config, sync's account settings).
import { UsageError } from '../errors.js';
import { safeLine } from './safe-text.js';

export type IdentifierKind = 'queue' | 'tag' | 'tier' | 'agent name' | 'account name' | 'name of an organisation';

// C0 (tab and newline included), DEL, C1, and the bidi controls that reorder what is shown.
// eslint-disable-next-line no-control-regex
const NOT_PLAIN = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

/** Why `value` cannot be a name, or null when it can. */
export function identifierProblem(kind: IdentifierKind, value: string): string | null {
  if (!NOT_PLAIN.test(value)) return null;
  return `'${safeLine(value)}' cannot be a ${kind}: it holds control characters`;
}

/** The name itself; a UsageError (exit 2) naming `where` (a flag, a field) when it holds controls. */
export function checkIdentifier(kind: IdentifierKind, value: string, where?: string): string {
  const problem = identifierProblem(kind, value);
  if (problem) throw new UsageError(where ? `invalid value for ${where}: ${problem}` : problem);
  return value;
}
