// The self-service site of the public articles (`desk kb publish DIR`), as files: index.html (the
// team's name, the articles by tag, a search box), one page per article (its Markdown rendered with
// raw HTML off), and the search index the page searches in the browser without a server
// (search-index.json; search-index.js holds the same data for pages opened from file://, where a
// browser will not fetch a file). Pure: the command writes what this returns.
import type { Article } from '../domain/kb/article.js';
import { renderMarkdown } from './markdown.js';

export interface SiteFile {
  path: string;
  content: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222}
a{color:#0b5cad}h1{font-size:1.6rem}.tags{color:#666;font-size:.9rem}input{font:inherit;width:100%;padding:.4rem;box-sizing:border-box}
pre{background:#f4f4f4;padding:.6rem;overflow:auto}ul{padding-left:1.2rem}`;

function page(title: string, team: string, body: string, csp?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
${csp ? `<meta http-equiv="Content-Security-Policy" content="${csp}">\n` : ''}<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><header><a href="index.html">${esc(team)}</a></header>
${body}
</body></html>
`;
}

/** The words the browser's search matches, folded the way `desk kb search` folds them. */
function wordsOf(a: Article, searchWords: (t: string) => string[], fold: (w: string) => string): string[] {
  return [...new Set(searchWords(`${a.title} ${a.tags.join(' ')} ${a.body}`).map(fold))].sort();
}

// The search of the index page: the same cutting and folding as desk's (NFKC, split at what is
// not a letter or digit, lower case, accents dropped); every word must match, the last as a prefix.
const SEARCH_JS = `(function () {
  var input = document.getElementById('q'), out = document.getElementById('results'), all = document.getElementById('all');
  function words(t) { return t.normalize('NFKC').split(/[^\\p{L}\\p{N}]+/u).filter(Boolean).map(function (w) { return w.toLowerCase().normalize('NFD').replace(/\\p{M}+/gu, '').normalize('NFC'); }); }
  function search() {
    var q = words(input.value);
    out.textContent = '';
    all.hidden = q.length > 0;
    if (!q.length) return;
    var hits = (window.DESK_KB_INDEX || []).filter(function (a) {
      return q.every(function (w, i) { return a.words.some(function (x) { return i === q.length - 1 ? x.indexOf(w) === 0 : x === w; }); });
    });
    if (!hits.length) { var none = document.createElement('li'); none.textContent = 'No article matches.'; out.appendChild(none); return; }
    hits.forEach(function (a) {
      var li = document.createElement('li'), link = document.createElement('a');
      link.href = a.slug + '.html'; link.textContent = a.title; li.appendChild(link); out.appendChild(li);
    });
  }
  input.addEventListener('input', search);
  search();
})();
`;

export function publicSite(
  articles: readonly Article[], team: string,
  searchWords: (t: string) => string[], fold: (w: string) => string,
): SiteFile[] {
  const pub = articles.filter((a) => a.audience === 'public').sort((a, b) => a.title.localeCompare(b.title) || (a.slug < b.slug ? -1 : 1));
  const files: SiteFile[] = [];
  const index = pub.map((a) => ({ slug: a.slug, title: a.title, tags: a.tags, words: wordsOf(a, searchWords, fold) }));
  const json = JSON.stringify(index);
  files.push({ path: 'search-index.json', content: json + '\n' });
  // JSON in a script: "</script>" and U+2028/2029 cannot occur once < and the separators are escaped
  files.push({ path: 'search-index.js', content: `window.DESK_KB_INDEX = ${json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')};\n` });
  files.push({ path: 'search.js', content: SEARCH_JS });

  const byTag = new Map<string, Article[]>();
  for (const a of pub) for (const t of a.tags.length ? a.tags : ['other']) byTag.set(t, [...(byTag.get(t) ?? []), a]);
  const tags = [...byTag.keys()].sort();
  const list = tags.map((t) => `<h2>${esc(t)}</h2>\n<ul>${byTag.get(t)!.map((a) => `<li><a href="${a.slug}.html">${esc(a.title)}</a></li>`).join('')}</ul>`).join('\n');
  files.push({
    path: 'index.html',
    content: page(`${team}: help`, team, `<h1>${esc(team)}: help</h1>
<label for="q">Search the articles</label>
<input id="q" type="search" autocomplete="off" placeholder="e.g. password">
<ul id="results"></ul>
<div id="all">
${list || '<p>No articles yet.</p>'}
</div>
<script src="search-index.js"></script><script src="search.js"></script>`),
  });
  for (const a of pub) {
    files.push({
      path: `${a.slug}.html`,
      content: page(`${a.title} · ${team}`, team, `<article><h1>${esc(a.title)}</h1>
${a.tags.length ? `<p class="tags">${a.tags.map(esc).join(' · ')}</p>\n` : ''}${renderMarkdown(a.body)}</article>
<p class="tags">Updated ${esc(a.updated_at.slice(0, 10))}</p>`, // an article page runs no script at all, whatever its text (raw HTML is off besides)
      "default-src 'none'; style-src 'unsafe-inline'; img-src * data:"),
    });
  }
  return files;
}
