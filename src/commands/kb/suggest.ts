// The articles suggested for a ticket (desk show, triage, the acknowledgement): ranked on its
// subject and first customer message.
import type { Ctx } from '../../cli/context.js';
import { DeskError } from '../../errors.js';
import type { Article } from '../../domain/kb/article.js';
import type { TicketWithHistory } from '../../domain/types.js';
import { suggestArticles, type RankedArticle } from '../../store/repos/kb-rank.js';
import { safeLine } from '../../ui/safe-text.js';

/** The text a ticket is about: its subject and its first message from the customer. */
export function ticketQueryText(t: Pick<TicketWithHistory, 'subject' | 'messages'>): string {
  const first = t.messages.filter((m) => m.direction === 'in' && !m.auto).sort((a, b) => a.date.localeCompare(b.date))[0];
  return `${t.subject}\n${first?.text ?? ''}`;
}

export function suggestionsFor(articles: readonly Article[], t: Pick<TicketWithHistory, 'subject' | 'messages' | 'queue'>, limit = 3): RankedArticle[] {
  // an article about other queues is not suggested for this one
  const fits = articles.filter((a) => !a.queues.length || (t.queue != null && a.queues.includes(t.queue)));
  return suggestArticles(fits, ticketQueryText(t), limit);
}

/** The public link of an article, when the config gives `kb.baseUrl`. */
export function articleUrl(baseUrl: string, slug: string): string {
  let base = baseUrl;
  while (base.endsWith('/')) base = base.slice(0, -1);
  return `${base}/${slug}.html`;
}

/**
 * The suggestions for a ticket from this desk's knowledge base (none when it has no articles).
 * Best effort: a knowledge base that cannot be read suggests nothing rather than hide the ticket.
 */
export async function suggestedFor(ctx: Ctx, t: Pick<TicketWithHistory, 'subject' | 'messages' | 'queue'>, limit = 3): Promise<RankedArticle[]> {
  return suggestionsFor(await readableArticles(ctx), t, limit);
}

/** Every article that can be read, none when the knowledge base cannot be (for suggestions). */
export async function readableArticles(ctx: Ctx): Promise<Article[]> {
  try {
    const { articleSource } = await import('./source.js');
    return (await (await articleSource(ctx)).list()).articles;
  } catch (err) {
    if (err instanceof DeskError) return [];
    throw err;
  }
}

/** The "Suggested articles" lines of `desk show` (none when nothing fits). */
export function suggestionLines(s: readonly RankedArticle[]): string[] {
  if (!s.length) return [];
  return ['', 'Suggested articles (desk reply ID --kb SLUG):', ...s.map((r) => `  ${r.article.slug}  ${safeLine(r.article.title)}${r.article.audience === 'internal' ? ' (internal)' : ''}`)];
}
