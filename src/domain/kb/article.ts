// A knowledge-base article: a Markdown file with YAML front matter (title, tags, audience, queues)
// in the files store, or a row of `kb_articles` on the team backend. Parsing and formatting are
// pure; src/commands/kb/source.ts does the reading and writing.
import { stringify as stringifyYaml } from 'yaml';
import { UsageError } from '../../errors.js';
import { splitFrontMatter } from '../front-matter.js';
import { identifierProblem } from '../identifiers.js';
import { safeLine } from '../safe-text.js';

export const AUDIENCES = ['internal', 'public'] as const;
export type Audience = (typeof AUDIENCES)[number];

export interface Article {
  slug: string;
  title: string;
  tags: string[];
  /** public articles are published on the self-service site and may be sent to customers */
  audience: Audience;
  /** the queues the article is about (none: every queue) */
  queues: string[];
  /** Markdown */
  body: string;
  /** ISO instant of the last change */
  updated_at: string;
  /** who changed it last (the agent), when known */
  updated_by: string | null;
}

/** Slugs double as file names and URL paths: lower-case letters, digits, dashes. */
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$/;

export function isValidSlug(slug: string): boolean {
  return SLUG.test(slug) && !slug.includes('--');
}

/** The slug itself; a UsageError (exit 2) when it cannot be one. */
export function checkSlug(slug: string): string {
  if (!isValidSlug(slug)) {
    throw new UsageError(
      `invalid article slug '${safeLine(slug)}'`,
      'use lower-case letters, digits and single dashes, starting and ending with a letter or digit (e.g. reset-password)',
    );
  }
  return slug;
}


function names(value: unknown, field: string, where: string, kind: 'tag' | 'queue'): string[] {
  if (value == null) return [];
  let list: string[];
  if (typeof value === 'string') list = value.split(',');
  else if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) list = value.map(String);
  else throw new UsageError(`${where}: '${field}' must be a list of names`);
  const out = list.map((s) => s.trim()).filter(Boolean);
  for (const n of out) {
    const p = identifierProblem(kind, n);
    if (p) throw new UsageError(`${where}: ${p}`);
  }
  return [...new Set(out)];
}

export function checkAudience(value: unknown, where: string): Audience {
  if (value == null || value === '') return 'internal';
  if (!(AUDIENCES as readonly unknown[]).includes(value)) throw new UsageError(`${where}: audience must be internal or public, not '${safeLine(String(value))}'`);
  return value as Audience;
}

function checkTitle(title: string, where: string): string {
  const t = title.trim();
  if (!t) throw new UsageError(`${where}: the title is empty`);
  if (/[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/.test(t)) throw new UsageError(`${where}: the title must be one line of plain text`);
  return t;
}

/** Checks an article's fields (from a command, a file or an import); throws UsageError naming `where`. */
export function checkArticle(a: Omit<Article, 'updated_at' | 'updated_by'>, where: string): Omit<Article, 'updated_at' | 'updated_by'> {
  return {
    slug: checkSlug(a.slug),
    title: checkTitle(a.title, where),
    tags: names(a.tags, 'tags', where, 'tag'),
    audience: checkAudience(a.audience, where),
    queues: names(a.queues, 'queues', where, 'queue'),
    body: a.body.replace(/\u0000/g, '\uFFFD'),
  };
}

/**
 * Parses an article file. `slug` is the file name without .md (a slug in the front matter must
 * agree); `where` names the file in messages.
 */
export function parseArticle(text: string, slug: string, where: string): Omit<Article, 'updated_at' | 'updated_by'> {
  const { meta, body } = splitFrontMatter(text, where, 'title: …, tags: …');
  if (meta.slug != null && String(meta.slug) !== slug) {
    throw new UsageError(`${where}: the slug in the front matter ('${safeLine(String(meta.slug))}') must be the file's name ('${slug}')`);
  }
  return checkArticle({
    slug,
    title: meta.title == null ? slug.replace(/-/g, ' ') : String(meta.title),
    tags: meta.tags as string[],
    audience: meta.audience as Audience,
    queues: meta.queues as string[],
    body: body ? body + '\n' : '',
  }, where);
}

/** The file text of an article (front matter + Markdown), as `desk kb new` writes it. */
export function formatArticle(a: Pick<Article, 'title' | 'tags' | 'audience' | 'queues' | 'body'>): string {
  const meta: Record<string, unknown> = { title: a.title, tags: a.tags, audience: a.audience, queues: a.queues };
  return `---\n${stringifyYaml(meta, { flowCollectionPadding: false }).trimEnd()}\n---\n${a.body}`;
}

/** The first paragraph of an article's text, as plain as Markdown allows, at most `max` characters. */
export function excerptOf(body: string, max = 400): string {
  const para = body.split(/\n[ \t]*\n/).map((p) => p.trim()).find((p) => p && !p.startsWith('#')) ?? '';
  const plain = para.replace(/[*_`]+/g, '').replace(/\s+/g, ' ').trim();
  return plain.length > max ? plain.slice(0, max - 1).trimEnd() + '…' : plain;
}
