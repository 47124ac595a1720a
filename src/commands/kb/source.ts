// Where a desk's knowledge base lives: one interface, two sources. On SQLite the articles are
// Markdown files in kb/ next to the config file (kept in git with the config, edited in any
// editor); on PostgreSQL (team mode) they are rows of kb_articles, shared by every machine
// (`desk kb import DIR` loads files into it).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Ctx } from '../../cli/context.js';
import { NotFoundError } from '../../errors.js';
import { formatArticle, isValidSlug, parseArticle, type Article } from '../../domain/kb/article.js';
import { isoSeconds } from '../../domain/types.js';
import { isPostgresUrl } from '../../store/index.js';
import { deleteArticleRow, getArticleRow, listArticleRows, putArticleRow } from '../../store/repos/kb.js';

export interface ArticleProblem {
  file: string;
  message: string;
}

export interface ArticleSource {
  /** 'files' (SQLite) or 'database' (PostgreSQL) */
  kind: 'files' | 'database';
  /** where the articles are, for messages: the kb/ directory or "the database" */
  where: string;
  /** every article, by slug; unreadable files are left out and named in `problems` */
  list(): Promise<{ articles: Article[]; problems: ArticleProblem[] }>;
  get(slug: string): Promise<Article | null>;
  /** the article as an editor shows it (front matter and Markdown) */
  text(a: Article): string;
  put(a: Article): Promise<void>;
  remove(slug: string): Promise<boolean>;
}

/** The files of a kb/ directory: `<slug>.md`, each with front matter. */
export function readArticleDir(dir: string): { articles: Article[]; problems: ArticleProblem[] } {
  const articles: Article[] = [];
  const problems: ArticleProblem[] = [];
  if (!existsSync(dir)) return { articles, problems };
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
    const file = join(dir, name);
    const slug = name.slice(0, -3);
    try {
      if (!isValidSlug(slug)) throw new Error(`'${slug}' is not a slug (lower-case letters, digits, dashes)`);
      const parsed = parseArticle(readFileSync(file, 'utf8'), slug, file);
      articles.push({ ...parsed, updated_at: isoSeconds(statSync(file).mtime), updated_by: null });
    } catch (err) {
      problems.push({ file, message: (err as Error).message });
    }
  }
  return { articles, problems };
}

function fileSource(dir: string): ArticleSource {
  const fileOf = (slug: string) => join(dir, `${slug}.md`);
  return {
    kind: 'files',
    where: dir,
    async list() {
      return readArticleDir(dir);
    },
    async get(slug) {
      const file = fileOf(slug);
      if (!existsSync(file)) return null;
      return { ...parseArticle(readFileSync(file, 'utf8'), slug, file), updated_at: isoSeconds(statSync(file).mtime), updated_by: null };
    },
    text: (a) => formatArticle(a),
    async put(a) {
      mkdirSync(dir, { recursive: true });
      // written whole or not at all: a crash never leaves half an article
      const tmp = join(dir, `.${a.slug}.md.tmp`);
      writeFileSync(tmp, formatArticle(a));
      renameSync(tmp, fileOf(a.slug));
    },
    async remove(slug) {
      const file = fileOf(slug);
      if (!existsSync(file)) return false;
      rmSync(file);
      return true;
    },
  };
}

/** The knowledge base of this desk: files on SQLite, the database on PostgreSQL. */
export async function articleSource(ctx: Ctx): Promise<ArticleSource> {
  if (isPostgresUrl(await ctx.dbLocation())) {
    const store = await ctx.store();
    return {
      kind: 'database',
      where: 'the database',
      async list() {
        return { articles: await listArticleRows(store.db), problems: [] };
      },
      get: (slug) => getArticleRow(store.db, slug),
      text: (a) => formatArticle(a),
      put: (a) => store.write((tx) => putArticleRow(tx, a)),
      remove: (slug) => store.write((tx) => deleteArticleRow(tx, slug)),
    };
  }
  const loaded = await ctx.loadedConfig();
  return fileSource(join(dirname(loaded.path), 'kb'));
}

/** The article, or NotFoundError (exit 3) saying where it was looked for. */
export async function needArticle(source: ArticleSource, slug: string): Promise<Article> {
  const a = await source.get(slug);
  if (!a) throw new NotFoundError(`no article '${slug}' in ${source.where}`, '`desk kb list` shows the articles');
  return a;
}

/** Every readable article (problems are reported on stderr). */
export async function allArticles(ctx: Ctx, source?: ArticleSource): Promise<Article[]> {
  const s = source ?? await articleSource(ctx);
  const { articles, problems } = await s.list();
  const { safeLine } = await import('../../ui/safe-text.js');
  for (const p of problems) ctx.io.err(`desk: skipped ${safeLine(p.file)}: ${safeLine(p.message)}\n`);
  return articles;
}
