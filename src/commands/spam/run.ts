// desk spam: move tickets to spam (one, many, or every open one from a sender or domain), list
// spam, bring it back, purge it, and keep the block and allow lists of the database.
import { areTicketIds } from '../bulk/words.js';
import { confirmLimit } from '../bulk/run.js';
import { listQuery } from '../query/list-query.js';
import { queryText } from '../query/read.js';
import { planTargets } from '../../store/repos/bulk-change.js';
import type { Ctx } from '../../cli/context.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { isoSeconds } from '../../domain/types.js';
import { matchingPattern, normaliseAddress, normalisePattern, parseAge } from '../../domain/spam.js';
import { domainToUnicode } from 'node:url';
import {
  listSpam, moveTicketsToSpam, openTicketsEndingWith, purgeSpam, releaseSpam, removeSpamSender, setSpamSender,
  spamOlderThan, spamSenders, type Moved, type SpamRow,
} from '../../store/repos/spam.js';
import { printJson, printTable } from '../../ui/output.js';
import { safeLine } from '../../ui/safe-text.js';
import { parseTicketId } from '../shared.js';

export interface MoveOptions {
  from?: string;
  block?: boolean;
  /** a query's tickets: more than bulk.confirmAbove without asking */
  yes?: boolean;
}

/** A pattern typed by a user, normalised, or UsageError naming what was wrong. */
export function patternArg(value: string, what: string): string {
  const n = normalisePattern(value);
  if ('problem' in n) throw new UsageError(`invalid ${what}: ${n.problem}`);
  return n.pattern;
}

function interactive(ctx: Ctx): boolean {
  return ctx.io.isTTY && Boolean((ctx.io.stdin as { isTTY?: boolean }).isTTY);
}

/** Ask on a terminal (yes/no); null when there is no terminal to ask on. */
async function ask(ctx: Ctx, message: string, fallback: boolean): Promise<boolean | null> {
  if (!interactive(ctx)) return null;
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message, default: fallback });
}

/** The moves as one write: all or nothing. */
async function moveAll(ctx: Ctx, ids: number[], block: boolean, reason: string): Promise<Moved[]> {
  const store = await ctx.store();
  const actor = await ctx.actor();
  const at = isoSeconds(ctx.now());
  return store.write(async (tx) => {
    let blocks: Map<number, string | null> | undefined;
    if (block) {
      blocks = new Map();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await tx.selectFrom('tickets as t').innerJoin('requesters as r', 'r.id', 't.requester_id').select(['t.id', 'r.email'])
          .where('t.id', 'in', ids.slice(i, i + 500)).execute();
        for (const r of rows) {
          const n = normaliseAddress(r.email);
          blocks.set(Number(r.id), n && 'pattern' in normalisePattern(n) ? n : null);
        }
      }
    }
    return moveTicketsToSpam(tx, ids, { actor, at, reason }, blocks);
  });
}

function printMoved(ctx: Ctx, moved: Moved[]): void {
  if (ctx.json) {
    printJson(ctx.io, moved.map((m) => ({ spam_id: m.spamId, ticket: m.ticketId, sender: m.sender, subject: m.subject, blocked: m.blocked, replies_cancelled: m.cancelled })));
    return;
  }
  if (moved.length > 20) {
    ctx.io.out(`${moved.length} tickets moved to spam (#${moved[0]!.ticketId} … #${moved[moved.length - 1]!.ticketId}); 'desk spam list' shows them\n`);
  } else {
    for (const m of moved) {
      ctx.io.out(`ticket #${m.ticketId} moved to spam as ${m.spamId} (${safeLine(m.sender)}: ${safeLine(m.subject)})` +
        `${m.cancelled ? `; ${m.cancelled} waiting repl${m.cancelled === 1 ? 'y' : 'ies'} cancelled` : ''}\n`);
    }
  }
  const blocked = [...new Set(moved.map((m) => m.blocked).filter((b): b is string => !!b))];
  if (blocked.length) ctx.io.out(`blocked: ${blocked.map(safeLine).join(', ')}\n`);
}

export async function runMove(ctx: Ctx, idArgs: string[], opts: MoveOptions): Promise<void> {
  if (opts.from !== undefined && idArgs.length) throw new UsageError('give ticket ids or --from, not both');
  if (opts.from === undefined && !idArgs.length) throw new UsageError('give the ids of the tickets that are spam, or --from ADDRESS|@DOMAIN', "see 'desk spam --help'");
  let ids: number[];
  let reason: string;
  const actor = await ctx.actor();
  if (opts.from !== undefined) {
    const pattern = patternArg(opts.from, '--from');
    const store = await ctx.store();
    const at = pattern.lastIndexOf('@');
    const domain = pattern.slice(at + 1);
    const forms = [...new Set([domain, domainToUnicode(domain) || domain])];
    const endings = pattern.startsWith('@') ? forms.flatMap((d) => [`@${d}`, `.${d}`]) : forms.map((d) => `${pattern.slice(0, at + 1)}${d}`);
    const candidates = await openTicketsEndingWith(store.db, endings);
    const only = new Set([pattern]);
    ids = candidates.filter((c) => matchingPattern(normaliseAddress(c.email), only) !== null).map((c) => c.id);
    if (!ids.length) throw new NotFoundError(`no open ticket from ${pattern}`);
    reason = `moved by ${actor} (--from ${pattern})`;
  } else if (areTicketIds(idArgs)) {
    ids = [...new Set(idArgs.map(parseTicketId))];
    reason = `moved by ${actor}`;
  } else {
    // A query (or @VIEW): a flood is one command away from gone, with the bulk changes' safety net.
    const { query } = await listQuery(ctx, idArgs);
    const store = await ctx.store();
    ids = (await planTargets(store.db, query ?? null)).map((t) => t.id);
    if (!ids.length) throw new NotFoundError(`no ticket matches '${queryText(idArgs)}'`);
    const limit = await confirmLimit(ctx);
    if (ids.length > limit && !opts.yes) {
      const sure = await ask(ctx, `Move ${ids.length} tickets to spam?`, false);
      if (sure === null) throw new UsageError(`${ids.length} tickets match, more than bulk.confirmAbove (${limit}): nothing moved`, 'give --yes to move them all');
      if (!sure) {
        ctx.io.err('nothing moved\n');
        return;
      }
    }
    reason = `moved by ${actor} (${queryText(idArgs)})`;
  }
  let block = opts.block;
  if (block === undefined) {
    const senders = opts.from !== undefined ? `the ${ids.length} senders` : ids.length === 1 ? "its sender" : 'their senders';
    block = (await ask(ctx, `Block ${senders} too (their mail will go to spam)?`, true)) ?? false;
  }
  const moved = await moveAll(ctx, ids, block, reason);
  printMoved(ctx, moved);
}

function spamJson(r: SpamRow) {
  return {
    id: Number(r.id), sender: r.sender, subject: r.subject, date: r.date, reason: r.reason,
    ticket: r.ticket_id === null ? null : Number(r.ticket_id), messages: (JSON.parse(r.message_pks) as unknown[]).length,
    blocked: r.blocked, since: r.created_at,
  };
}

export async function runList(ctx: Ctx, opts: { limit?: string }): Promise<void> {
  let limit: number | undefined;
  if (opts.limit !== undefined) {
    limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`invalid value for --limit: '${opts.limit}' (a whole number, 1 or more)`);
  }
  const store = await ctx.store();
  const rows = await listSpam(store.db, limit);
  if (ctx.json) return printJson(ctx.io, rows.map(spamJson));
  if (!rows.length) {
    ctx.io.out('no spam\n');
    return;
  }
  await printTable(ctx.io, ['ID', 'SENDER', 'SUBJECT', 'DATE', 'REASON'], rows.map((r) => [Number(r.id), r.sender, r.subject, r.date, r.reason]), {
    colWidths: [7, 28, null, 22, null], dropOrder: [4, 3],
  });
}

function spamIdArg(value: string): number {
  const m = /^(\d{1,15})$/.exec(value.trim());
  if (!m) throw new UsageError(`invalid spam id '${value}' (a number from 'desk spam list')`);
  return Number(m[1]);
}

export async function runRelease(ctx: Ctx, idArgs: string[]): Promise<void> {
  const ids = [...new Set(idArgs.map(spamIdArg))];
  const store = await ctx.store();
  const actor = await ctx.actor();
  const at = isoSeconds(ctx.now());
  const config = await ctx.config();
  const { rulesOfConfig } = await import('../rules-file.js');
  const { applyTriageRules } = await import('../../store/rules.js');
  const rules = rulesOfConfig(config, await ctx.tiers());
  const warnings: string[] = [];
  const released = await store.write(async (tx) => {
    const out = [];
    for (const id of ids) {
      out.push({ id, ...(await releaseSpam(tx, store.ops, id, actor, at, async (t, ticketId, when) => {
        const applied = await applyTriageRules(t, ticketId, { at: when, rules });
        for (const w of applied.warnings) warnings.push(`triage of ticket #${ticketId}: ${w}`);
      })) });
    }
    return out;
  });
  for (const w of warnings) ctx.io.err(`desk: ${safeLine(w)}\n`);
  if (ctx.json) return printJson(ctx.io, released.map((r) => ({ spam_id: r.id, ticket: r.ticketId, unblocked: r.unblocked, renumbered: r.renumbered })));
  for (const r of released) {
    ctx.io.out(`spam ${r.id} released as ticket #${r.ticketId}${r.renumbered ? ' (its old number is taken)' : ''}${r.unblocked ? `; ${safeLine(r.unblocked)} unblocked` : ''}\n`);
  }
}

export async function runPurge(ctx: Ctx, opts: { olderThan: string; yes?: boolean }): Promise<void> {
  const age = parseAge(opts.olderThan);
  if (age === null) throw new UsageError(`invalid value for --older-than: '${opts.olderThan}' (like 30d, 12h or 2w)`);
  const before = isoSeconds(new Date(ctx.now().getTime() - age));
  const store = await ctx.store();
  const rows = await spamOlderThan(store.db, before);
  if (!rows.length) {
    if (ctx.json) return printJson(ctx.io, { purged: 0 });
    ctx.io.out(`no spam older than ${opts.olderThan}\n`);
    return;
  }
  if (!opts.yes) {
    const ok = await ask(ctx, `Delete ${rows.length} spam mail${rows.length === 1 ? '' : 's'} older than ${opts.olderThan} for good?`, false);
    if (ok === null) throw new UsageError(`purging deletes ${rows.length} spam mail${rows.length === 1 ? '' : 's'} for good: add --yes to confirm`);
    if (!ok) {
      ctx.io.out('nothing deleted\n');
      return;
    }
  }
  const ids = new Set(rows.map((r) => Number(r.id)));
  const purged = await store.write(async (tx) => purgeSpam(tx, (await spamOlderThan(tx, before)).filter((r) => ids.has(Number(r.id)))));
  if (ctx.json) return printJson(ctx.io, { purged });
  ctx.io.out(`${purged} spam mail${purged === 1 ? '' : 's'} deleted\n`);
}

export async function runSetSender(ctx: Ctx, value: string, verdict: 'block' | 'allow'): Promise<void> {
  const pattern = patternArg(value, verdict === 'block' ? 'address or domain to block' : 'address or domain to allow');
  const store = await ctx.store();
  const actor = await ctx.actor();
  const before = await store.write((tx) => setSpamSender(tx, pattern, verdict, actor, isoSeconds(ctx.now())));
  if (ctx.json) return printJson(ctx.io, { pattern, verdict, before: before?.verdict ?? null });
  const word = verdict === 'block' ? 'blocked' : 'allowed';
  ctx.io.out(before?.verdict === verdict ? `${safeLine(pattern)} was ${word} already\n` : `${safeLine(pattern)} ${word}${before ? ` (was ${before.verdict === 'block' ? 'blocked' : 'allowed'})` : ''}\n`);
}

export async function runUnblock(ctx: Ctx, value: string): Promise<void> {
  const pattern = patternArg(value, 'address or domain');
  const store = await ctx.store();
  const removed = await store.write((tx) => removeSpamSender(tx, pattern));
  const config = await ctx.config();
  const inConfig = [...(config.spam?.block ?? []), ...(config.spam?.allow ?? [])].some((p) => { const n = normalisePattern(String(p)); return 'pattern' in n && n.pattern === pattern; });
  if (!removed) {
    throw new NotFoundError(`${pattern} is on no list of the database`, inConfig ? "it is in the config's spam lists: edit the config file" : "see 'desk spam senders'");
  }
  if (ctx.json) return printJson(ctx.io, { pattern, removed: removed.verdict });
  ctx.io.out(`${safeLine(pattern)} is no longer ${removed.verdict === 'block' ? 'blocked' : 'allowed'}${inConfig ? " (the config's spam lists still name it)" : ''}\n`);
}

export async function runSenders(ctx: Ctx): Promise<void> {
  const store = await ctx.store();
  const config = await ctx.config();
  const norm = (list: unknown[] | undefined) => (list ?? []).flatMap((p) => { const n = normalisePattern(String(p)); return 'pattern' in n ? [n.pattern] : []; });
  const rows = [
    ...norm(config.spam?.allow).map((pattern) => ({ pattern, verdict: 'allow', source: 'config', added_by: null as string | null, added_at: null as string | null })),
    ...norm(config.spam?.block).map((pattern) => ({ pattern, verdict: 'block', source: 'config', added_by: null as string | null, added_at: null as string | null })),
    ...(await spamSenders(store.db)).map((r) => ({ pattern: r.pattern, verdict: r.verdict as string, source: 'database', added_by: r.added_by as string | null, added_at: r.added_at as string | null })),
  ];
  if (ctx.json) return printJson(ctx.io, rows);
  if (!rows.length) {
    ctx.io.out('no blocked or allowed senders\n');
    return;
  }
  await printTable(ctx.io, ['PATTERN', 'LIST', 'FROM', 'BY', 'AT'], rows.map((r) => [r.pattern, r.verdict, r.source, r.added_by, r.added_at]));
}
