// Knowledge-base articles on the team backend (kb_articles, migration 22). Dialect-free kysely.
import type { Kysely } from 'kysely';
import type { Article } from '../../domain/kb/article.js';
import type { DB, KbArticlesTable } from '../schema.js';

type Db = Kysely<DB>;

const listOf = (s: string): string[] => {
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
};

function articleOf(r: KbArticlesTable): Article {
  return {
    slug: r.slug, title: r.title, tags: listOf(r.tags), audience: r.audience === 'public' ? 'public' : 'internal',
    queues: listOf(r.queues), body: r.body, updated_at: r.updated_at, updated_by: r.updated_by,
  };
}

export async function listArticleRows(db: Db): Promise<Article[]> {
  return (await db.selectFrom('kb_articles').selectAll().orderBy('slug').execute()).map(articleOf);
}

export async function getArticleRow(db: Db, slug: string): Promise<Article | null> {
  const r = await db.selectFrom('kb_articles').selectAll().where('slug', '=', slug).executeTakeFirst();
  return r ? articleOf(r) : null;
}

/** Inserts or replaces the article. */
export async function putArticleRow(tx: Db, a: Article): Promise<void> {
  const row = { ...a, tags: JSON.stringify(a.tags), queues: JSON.stringify(a.queues) };
  const { slug: _slug, ...rest } = row;
  await tx.insertInto('kb_articles').values(row).onConflict((oc) => oc.column('slug').doUpdateSet(rest)).execute();
}

/** Removes it; false when there was none. */
export async function deleteArticleRow(tx: Db, slug: string): Promise<boolean> {
  const r = await tx.deleteFrom('kb_articles').where('slug', '=', slug).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** How many tickets each article answered (kb_answer events), and how many tickets an article answered at all. */
export async function articleUse(db: Db, from?: string, to?: string): Promise<{ tickets: number; bySlug: { slug: string; tickets: number }[] }> {
  let q = db.selectFrom('events').select(['ticket_id', 'to_value']).where('type', '=', 'kb_answer');
  if (from) q = q.where('at', '>=', from);
  if (to) q = q.where('at', '<', to);
  const rows = await q.execute();
  const tickets = new Set<number>();
  const by = new Map<string, Set<number>>();
  for (const r of rows) {
    const id = Number(r.ticket_id);
    tickets.add(id);
    const slug = String(r.to_value ?? '');
    if (!by.has(slug)) by.set(slug, new Set());
    by.get(slug)!.add(id);
  }
  const bySlug = [...by].map(([slug, s]) => ({ slug, tickets: s.size }))
    .sort((a, b) => b.tickets - a.tickets || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  return { tickets: tickets.size, bySlug };
}
