// Full-text ranking of knowledge-base articles, in memory over the few hundred articles a team has,
// with the words cut and folded exactly as ticket search cuts and folds them (dialect/words.ts: NFKC,
// split where SQLite's unicode61 splits, case and accents folded as unaccent does). It runs the same
// code on both backends, so `kb search` and the suggestions agree between SQLite and PostgreSQL.
import type { Article } from '../../domain/kb/article.js';
import { foldWord, searchWords } from '../dialect/words.js';

/** Words too common to say what a ticket is about (the suggestion query is a whole message). */
const STOP = new Set(('a an and are as at be but by can could do does for from have hello hi how i if in is it its me my no not of on or our please so that the their there this to us was we what when where which who why will with would you your thanks thank regards dear').split(' '));

interface Indexed {
  article: Article;
  /** folded words of each field, weighted: title 3, tags 2, body 1 */
  fields: { words: string[]; weight: number }[];
  length: number;
}

export interface RankedArticle {
  article: Article;
  score: number;
}

const folded = (text: string) => searchWords(text).map(foldWord);

function indexOf(a: Article): Indexed {
  const fields = [
    { words: folded(a.title), weight: 3 },
    { words: folded(a.tags.join(' ')), weight: 2 },
    { words: folded(a.body), weight: 1 },
  ];
  return { article: a, fields, length: fields.reduce((n, f) => n + f.words.length, 0) };
}

type Term = { word: string; prefix: boolean };

/**
 * BM25 over the weighted fields. `all`: every term must occur (a search); else any term counts
 * (a suggestion from a ticket's text). Ties go to the slug, so the order is the same everywhere.
 */
function rank(articles: readonly Article[], terms: Term[], all: boolean): RankedArticle[] {
  if (!terms.length || !articles.length) return [];
  const docs = articles.map(indexOf);
  const avg = docs.reduce((n, d) => n + d.length, 0) / docs.length || 1;
  const matchOf = (t: Term) => (w: string) => (t.prefix ? w.startsWith(t.word) : w === t.word);
  const tf = docs.map((d) => terms.map((t) => {
    const m = matchOf(t);
    return d.fields.reduce((n, f) => n + f.weight * f.words.filter(m).length, 0);
  }));
  const df = terms.map((_, i) => tf.filter((row) => row[i]! > 0).length);
  const N = docs.length;
  const out: RankedArticle[] = [];
  docs.forEach((d, di) => {
    const row = tf[di]!;
    if (all ? row.some((n) => n === 0) : row.every((n) => n === 0)) return;
    let score = 0;
    row.forEach((f, i) => {
      if (!f) return;
      const idf = Math.log(1 + (N - df[i]! + 0.5) / (df[i]! + 0.5));
      score += idf * (f * 2.2) / (f + 1.2 * (0.25 + 0.75 * d.length / avg));
    });
    out.push({ article: d.article, score: Math.round(score * 1e6) / 1e6 });
  });
  return out.sort((a, b) => b.score - a.score || (a.article.slug < b.article.slug ? -1 : a.article.slug > b.article.slug ? 1 : 0));
}

/** `desk kb search WORDS`: articles holding every word (the last one as a prefix, as ticket search). */
export function searchArticles(articles: readonly Article[], query: string): RankedArticle[] {
  const words = folded(query);
  return rank(articles, words.map((word, i) => ({ word, prefix: i === words.length - 1 })), true);
}

/** The articles most like a ticket's text (its subject and first customer message), best first. */
export function suggestArticles(articles: readonly Article[], text: string, limit = 3): RankedArticle[] {
  const words = [...new Set(folded(text))].filter((w) => w.length > 1 && !STOP.has(w)).slice(0, 200);
  return rank(articles, words.map((word) => ({ word, prefix: false })), false).slice(0, limit);
}
