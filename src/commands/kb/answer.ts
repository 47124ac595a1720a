// What `desk reply --kb SLUG [--excerpt]` puts into the reply: the article's public link (the
// config's kb.baseUrl), or its first paragraph and the link when there is one. Only public
// articles go to customers.
import type { Ctx } from '../../cli/context.js';
import type { Config } from '../../config.js';
import { UsageError } from '../../errors.js';
import { checkSlug, excerptOf } from '../../domain/kb/article.js';
import { articleSource, needArticle } from './source.js';
import { articleUrl } from './suggest.js';

export async function answerText(ctx: Ctx, config: Config, kb: { slug: string; excerpt: boolean }): Promise<string> {
  const a = await needArticle(await articleSource(ctx), checkSlug(kb.slug));
  if (a.audience !== 'public') {
    throw new UsageError(`article '${a.slug}' is internal: it is not sent to customers`, `make it public (audience: public) with \`desk kb edit ${a.slug}\` if customers may read it`);
  }
  const base = config.kb?.baseUrl;
  const link = base ? articleUrl(base, a.slug) : null;
  if (!kb.excerpt) {
    if (!link) throw new UsageError('--kb sends the article’s link, and the config has no kb.baseUrl (where the site is published)', '`desk config set kb.baseUrl https://help.example.com`, or add --excerpt to send its text');
    return `${a.title}: ${link}`;
  }
  const excerpt = excerptOf(a.body);
  return [`${a.title}`, '', excerpt, ...(link ? ['', `More: ${link}`] : [])].join('\n');
}
