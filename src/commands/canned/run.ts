// desk canned list | show | new | edit | rm | render: the team's canned replies.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../../cli/context.js';
import { UsageError, badFlagValue } from '../../errors.js';
import { filterByTag, findCanned, type CannedEntry } from '../../domain/canned/library.js';
import { checkCannedName, formatCannedReply, parseCannedReply } from '../../domain/canned/parse.js';
import { renderCanned } from '../../domain/canned/render.js';
import { STATUSES, type Status } from '../../domain/types.js';
import { getTicketHistory } from '../../store/repos/tickets.js';
import { printJson, printTable } from '../../ui/output.js';
import { safeLine, safeText } from '../../ui/safe-text.js';
import { editInEditor } from '../reply/editor.js';
import { variablesFor } from '../reply/variables.js';
import { parseTicketId, textArg } from '../shared.js';
import { cannedLibraryOf, writableCannedDir } from './dirs.js';
import { trimTrailingNewlines } from '../../domain/linear-text.js';

/** The --json shape of a canned reply. */
function jsonOf(e: CannedEntry) {
  return {
    name: e.name, title: e.title, tags: e.tags, status_after: e.statusAfter, attachments: e.attachments,
    origin: e.origin, file: e.file, body: e.body,
  };
}

export async function runList(ctx: Ctx, opts: { tag?: string; json?: boolean }): Promise<void> {
  const { library } = await cannedLibraryOf(ctx);
  for (const p of library.problems) ctx.io.err(`desk: skipped ${safeLine(p.file)}: ${safeLine(p.message)}\n`);
  const replies = filterByTag(library.replies, opts.tag);
  if (ctx.json) {
    return printJson(ctx.io, replies.map((r) => {
      const { body: _body, ...summary } = jsonOf(r);
      return summary;
    }));
  }
  await printTable(
    ctx.io,
    ['NAME', 'TITLE', 'TAGS', 'STATUS AFTER', 'FROM'],
    replies.map((r) => [r.name, r.title, r.tags.join(','), r.statusAfter ?? '', r.origin === 'custom' ? 'team' : 'desk']),
  );
}

export async function runShow(ctx: Ctx, name: string): Promise<void> {
  const entry = findCanned((await cannedLibraryOf(ctx)).library, checkCannedName(name));
  if (ctx.json) return printJson(ctx.io, jsonOf(entry));
  ctx.io.out(safeText(readFileSync(entry.file, 'utf8')).replace(/\n?$/, '\n'));
}

export async function runRender(ctx: Ctx, name: string, opts: { ticket?: string; json?: boolean }): Promise<void> {
  if (!opts.ticket) throw new UsageError('render needs --ticket ID: the ticket whose values fill the variables');
  const id = parseTicketId(opts.ticket);
  const entry = findCanned((await cannedLibraryOf(ctx)).library, checkCannedName(name));
  const store = await ctx.store();
  const history = await getTicketHistory(store.db, id);
  const text = await renderCanned(entry.name, entry.body, await variablesFor(ctx, store, history, await ctx.actor(), entry.body));
  if (ctx.json) return printJson(ctx.io, { name: entry.name, ticket: id, status_after: entry.statusAfter, text });
  ctx.io.out(safeText(text).replace(/\n?$/, '\n'));
}

export interface NewOptions {
  title?: string;
  tag?: string[];
  statusAfter?: string;
  body?: string;
}

function skeleton(name: string, opts: NewOptions, body: string): string {
  let statusAfter: Status | null = null;
  if (opts.statusAfter !== undefined) {
    const allowed = STATUSES.filter((s) => s !== 'new');
    if (!(allowed as readonly string[]).includes(opts.statusAfter)) throw badFlagValue('--status-after', opts.statusAfter, allowed);
    statusAfter = opts.statusAfter as Status;
  }
  return formatCannedReply({
    name,
    title: opts.title ?? name.replace(/[-_.]+/g, ' '),
    tags: opts.tag ?? [],
    statusAfter,
    attachments: [],
    body,
  });
}

const STARTER_BODY = 'Hi {{ customer.first_name | default: "there" }},\n\n\n\n{{ agent.signature }}\n';

/** Checks the edited text and writes it; a broken file is refused and nothing is overwritten. */
function save(file: string, name: string, text: string): void {
  const reply = parseCannedReply(text, name, file);
  if (reply.name !== name) throw new UsageError(`${file}: the name in the front matter ('${reply.name}') must stay '${name}'`);
  if (!reply.body.trim()) throw new UsageError(`canned reply '${name}' has no text; nothing was saved`);
  writeFileSync(file, trimTrailingNewlines(text) + '\n');
}

export async function runNew(ctx: Ctx, nameArg: string, opts: NewOptions): Promise<void> {
  const name = checkCannedName(nameArg);
  const { library } = await cannedLibraryOf(ctx);
  const existing = library.replies.find((r) => r.name === name);
  if (existing) {
    throw new UsageError(
      `a canned reply named '${name}' already exists (${existing.origin === 'custom' ? 'the team’s' : 'desk’s starter set'})`,
      `\`desk canned edit ${name}\` changes it${existing.origin === 'project' ? ' (as the team’s own copy)' : ''}`,
    );
  }
  const dir = await writableCannedDir(ctx);
  const file = join(dir, `${name}.md`);
  const text = opts.body !== undefined
    ? skeleton(name, opts, (await textArg(ctx.io, opts.body, 'the reply text')) + '\n')
    : editInEditor(skeleton(name, opts, STARTER_BODY), `${name}.md`);
  save(file, name, text);
  ctx.io.err(`canned reply '${name}' saved in ${safeLine(file)}\n`);
}

export async function runEdit(ctx: Ctx, nameArg: string): Promise<void> {
  const name = checkCannedName(nameArg);
  const entry = findCanned((await cannedLibraryOf(ctx)).library, name);
  // desk's own starter replies are never changed in place: editing one makes the team's copy.
  const file = entry.origin === 'custom' ? entry.file : join(await writableCannedDir(ctx), `${name}.md`);
  const edited = editInEditor(readFileSync(entry.file, 'utf8'), `${name}.md`);
  save(file, name, edited);
  ctx.io.err(`canned reply '${name}' saved in ${safeLine(file)}\n`);
}

export async function runRm(ctx: Ctx, nameArg: string): Promise<void> {
  const name = checkCannedName(nameArg);
  const entry = findCanned((await cannedLibraryOf(ctx)).library, name);
  if (entry.origin !== 'custom') {
    throw new UsageError(`'${name}' is one of desk’s starter replies and cannot be removed`, `\`desk canned edit ${name}\` makes the team’s own version of it`);
  }
  rmSync(entry.file);
  const again = (await cannedLibraryOf(ctx)).library.replies.find((r) => r.name === name);
  ctx.io.err(`canned reply '${name}' removed${again && existsSync(again.file) ? ' (desk’s starter version of it applies again)' : ''}\n`);
}
