// desk kb list | show | new | edit | rm | search | import | publish | report: the knowledge base.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Ctx } from '../../cli/context.js';
import { DeskError, NotFoundError, UsageError } from '../../errors.js';
import { checkArticle, checkAudience, checkSlug, parseArticle, type Article } from '../../domain/kb/article.js';
import { isoSeconds } from '../../domain/types.js';
import { foldWord, searchWords, snippetOf } from '../../store/dialect/words.js';
import { articleUse } from '../../store/repos/kb.js';
import { searchArticles } from '../../store/repos/kb-rank.js';
import { publicSite } from '../../ui/kb-site.js';
import { printJson, printTable } from '../../ui/output.js';
import { safeLine, safeText } from '../../ui/safe-text.js';
import { editInEditor } from '../reply/editor.js';
import { textArg } from '../shared.js';
import { allArticles, articleSource, needArticle, readArticleDir } from './source.js';

/** The --json shape of an article (without its text in lists). */
function jsonOf(a: Article, withBody = true) {
  const { body, ...rest } = a;
  return withBody ? { ...rest, body } : rest;
}

export async function runList(ctx: Ctx, opts: { tag?: string; audience?: string }): Promise<void> {
  const audience = opts.audience === undefined ? undefined : checkAudience(opts.audience, '--audience');
  const articles = (await allArticles(ctx))
    .filter((a) => (!opts.tag || a.tags.includes(opts.tag)) && (!audience || a.audience === audience));
  if (ctx.json) return printJson(ctx.io, articles.map((a) => jsonOf(a, false)));
  await printTable(ctx.io, ['SLUG', 'TITLE', 'AUDIENCE', 'TAGS', 'QUEUES', 'UPDATED'],
    articles.map((a) => [a.slug, a.title, a.audience, a.tags.join(','), a.queues.join(','), a.updated_at.slice(0, 10)]));
}

export async function runShow(ctx: Ctx, slug: string): Promise<void> {
  const source = await articleSource(ctx);
  const a = await needArticle(source, checkSlug(slug));
  if (ctx.json) return printJson(ctx.io, jsonOf(a));
  ctx.io.out(safeText(source.text(a)).replace(/\n?$/, '\n'));
}

export interface NewOptions {
  title?: string;
  tag?: string[];
  queue?: string[];
  public?: boolean;
  body?: string;
}

const STARTER_BODY = 'What the customer asked, in their words.\n\n## Steps\n\n1. …\n';

export async function runNew(ctx: Ctx, slugArg: string, opts: NewOptions): Promise<void> {
  const slug = checkSlug(slugArg);
  const fields = {
    slug, title: opts.title ?? slug.replace(/-/g, ' '), tags: opts.tag ?? [], queues: opts.queue ?? [],
    audience: (opts.public ? 'public' : 'internal') as Article['audience'],
  };
  // bad input is refused before the knowledge base is even opened
  checkArticle({ ...fields, body: '' }, 'the new article');
  const source = await articleSource(ctx);
  if (await source.get(slug)) throw new UsageError(`an article '${slug}' exists already in ${safeLine(source.where)}`, `\`desk kb edit ${slug}\` changes it`);
  let article;
  if (opts.body !== undefined) {
    article = checkArticle({ ...fields, body: (await textArg(ctx.io, opts.body, 'the article text')) + '\n' }, 'the new article');
  } else {
    const edited = editInEditor(source.text({ ...fields, body: STARTER_BODY, updated_at: '', updated_by: null }), `${slug}.md`);
    article = parseArticle(edited, slug, `${slug}.md`);
  }
  if (!article.body.trim()) throw new UsageError(`article '${slug}' has no text; nothing was saved`);
  await source.put({ ...article, updated_at: isoSeconds(ctx.now()), updated_by: await ctx.actor() });
  ctx.io.err(`article '${slug}' saved in ${safeLine(source.where)}\n`);
}

export async function runEdit(ctx: Ctx, slugArg: string): Promise<void> {
  const slug = checkSlug(slugArg);
  const source = await articleSource(ctx);
  const before = await needArticle(source, slug);
  const article = parseArticle(editInEditor(source.text(before), `${slug}.md`), slug, `${slug}.md`);
  if (!article.body.trim()) throw new UsageError(`article '${slug}' has no text; nothing was saved`, `\`desk kb rm ${slug}\` removes it`);
  await source.put({ ...article, updated_at: isoSeconds(ctx.now()), updated_by: await ctx.actor() });
  ctx.io.err(`article '${slug}' saved in ${safeLine(source.where)}\n`);
}

export async function runRm(ctx: Ctx, slugArg: string): Promise<void> {
  const slug = checkSlug(slugArg);
  const source = await articleSource(ctx);
  if (!(await source.remove(slug))) throw new NotFoundError(`no article '${slug}' in ${safeLine(source.where)}`);
  ctx.io.err(`article '${slug}' removed\n`);
}

export async function runSearch(ctx: Ctx, words: string[]): Promise<void> {
  const query = words.join(' ');
  if (!searchWords(query).length) throw new UsageError('kb search needs words to look for');
  const hits = searchArticles(await allArticles(ctx), query);
  const qw = searchWords(query);
  const rows = hits.map((h) => ({ slug: h.article.slug, title: h.article.title, audience: h.article.audience, score: h.score, snippet: snippetOf(h.article.body, qw) ?? snippetOf(h.article.title, qw) ?? null }));
  if (ctx.json) return printJson(ctx.io, rows);
  if (!rows.length) return void ctx.io.err('no article matches\n');
  await printTable(ctx.io, ['SLUG', 'TITLE', 'AUDIENCE', 'MATCH'], rows.map((r) => [r.slug, r.title, r.audience, r.snippet ?? '']));
}

/** `desk kb import DIR`: every `<slug>.md` of DIR into this desk's knowledge base (replacing same slugs). */
export async function runImport(ctx: Ctx, dir: string): Promise<void> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new NotFoundError(`no directory ${safeLine(dir)}`);
  const { articles, problems } = readArticleDir(dir);
  if (problems.length) {
    for (const p of problems) ctx.io.err(`desk: ${safeLine(p.file)}: ${safeLine(p.message)}\n`);
    throw new UsageError(`${problems.length} article file(s) in ${safeLine(dir)} are not valid; nothing was imported`);
  }
  const source = await articleSource(ctx);
  if (source.kind === 'files' && resolve(source.where) === resolve(dir)) throw new UsageError(`${safeLine(dir)} is this desk's knowledge base already`);
  const actor = await ctx.actor();
  for (const a of articles) await source.put({ ...a, updated_at: isoSeconds(ctx.now()), updated_by: actor });
  if (ctx.json) return printJson(ctx.io, { imported: articles.map((a) => a.slug), into: source.kind });
  ctx.io.err(`${articles.length} article(s) imported into ${safeLine(source.where)}\n`);
}

/** `desk kb publish DIR`: the static self-service site of the public articles. */
export async function runPublish(ctx: Ctx, dir: string): Promise<void> {
  const config = await ctx.config();
  const team = typeof config.team === 'string' && config.team.trim() ? config.team.trim() : 'Help';
  const articles = await allArticles(ctx);
  const files = publicSite(articles, team, searchWords, foldWord);
  try {
    mkdirSync(dir, { recursive: true });
    for (const f of files) writeFileSync(join(dir, f.path), f.content);
  } catch (err) {
    throw new DeskError(`cannot write the site to ${safeLine(dir)}: ${safeLine((err as Error).message)}`);
  }
  const pages = articles.filter((a) => a.audience === 'public').length;
  if (ctx.json) return printJson(ctx.io, { dir: resolve(dir), articles: pages, internal_left_out: articles.length - pages });
  ctx.io.err(`published ${pages} public article(s) to ${safeLine(resolve(dir))} (${articles.length - pages} internal left out)\n`);
}

/** `desk kb report`: how many tickets an article answered, and which articles are used most. */
export async function runReport(ctx: Ctx, opts: { since?: string }): Promise<void> {
  let from: string | undefined;
  if (opts.since !== undefined) {
    const t = Date.parse(opts.since);
    if (!/^\d{4}-\d{2}-\d{2}/.test(opts.since) || Number.isNaN(t)) throw new UsageError(`invalid value for --since: '${safeLine(opts.since)}' (a date like 2026-03-01)`);
    from = isoSeconds(t);
  }
  const store = await ctx.store();
  const use = await articleUse(store.db, from);
  const titles = new Map((await allArticles(ctx)).map((a) => [a.slug, a.title]));
  const most = use.bySlug.map((u) => ({ slug: u.slug, title: titles.get(u.slug) ?? null, tickets: u.tickets }));
  if (ctx.json) return printJson(ctx.io, { tickets_answered_by_article: use.tickets, articles: most });
  ctx.io.out(`Tickets answered by an article: ${use.tickets}\n`);
  if (!most.length) return;
  ctx.io.out('\nMost used articles\n');
  await printTable(ctx.io, ['SLUG', 'TITLE', 'TICKETS'], most.map((m) => [m.slug, m.title ?? '(removed)', m.tickets]));
}
