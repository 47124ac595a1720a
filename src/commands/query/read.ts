// A query as the command line gives it (docs/cli.md: Queries): the words after the command,
// parsed once into the AST the store runs.
import type { Ctx } from '../../cli/context.js';
import { isoSeconds } from '../../domain/types.js';
import { UsageError } from '../../errors.js';
import { and, mentions, parseQuery, type ParseContext, type QueryNode } from '../../domain/query/index.js';
import { agentTimeZone } from '../sla/policy-file.js';
import { resolveSlaTerms } from './sla-terms.js';

/** A parsed query and the instant it was read at (relative times and is:snoozed count from it). */
export interface ReadQuery {
  node: QueryNode;
  now: string;
  /** the text parsed (for messages) */
  text: string;
}

const SPACE = /\s/;
const FIELD_PREFIX = /^([A-Za-z][A-Za-z_-]*:)(.*)$/s;
const QUERY_SYNTAX = /[():]|(?:^|\s)OR(?:\s|$)/;

/**
 * The words of argv as one query text. The shell took the quotes off `subject:"export fails"`;
 * a word holding a space is quoted again (its value, after a field name) so it stays one term.
 */
export function queryText(words: readonly string[]): string {
  checkQueryWords(words);
  return words
    .map((w) => {
      // `subject:"export fails"` reaches us as `subject:export fails`: one value with a space,
      // nothing of the query's syntax in it. Anything else with spaces is a query as typed.
      const m = FIELD_PREFIX.exec(w);
      if (!m || w.includes('"') || !m[2] || SPACE.test(m[2][0]!) || !SPACE.test(m[2]) || QUERY_SYNTAX.test(m[2])) return w;
      return `${m[1]}"${m[2]}"`;
    })
    .join(' ');
}

export async function parseContext(ctx: Ctx): Promise<ParseContext> {
  return { now: ctx.now(), me: await ctx.actor(), tiers: await ctx.tiers(), timeZone: await agentTimeZone(ctx) };
}

/**
 * Query words reach the command as operands, `-tag:vip` too (the commands taking a query let
 * unknown options through): a word starting with `--` is a mistyped flag, refused as commander
 * refuses one.
 */
export function checkQueryWords(words: readonly string[]): void {
  const flag = words.find((w) => w.startsWith('--'));
  if (flag) throw new UsageError(`unknown option '${flag.split('=')[0]}'`, "(run with --help for usage; a query's '-' goes before a term: -tag:vip)");
}

/** Parses the query text (a QueryError, exit 2, names the column). */
export async function readQuery(ctx: Ctx, text: string): Promise<ReadQuery> {
  const pc = await parseContext(ctx);
  const node = await resolveSlaTerms(ctx, parseQuery(text, pc), pc.now);
  return { node, now: isoSeconds(pc.now), text };
}

/** Several queries (a saved view and the words after it), all of them. */
export function allOf(queries: ReadQuery[]): ReadQuery | undefined {
  if (!queries.length) return undefined;
  return { node: and(queries.map((q) => q.node)), now: queries[0]!.now, text: queries.map((q) => q.text).join(' ') };
}

export { mentions };
