// Articles' slugs, titles and front matter as classes of generated input, and the ranking every
// backend shares (pure code: no store).
import { describe, expect, it } from '@jest/globals';
import { checkArticle, excerptOf, formatArticle, isValidSlug, parseArticle, type Article } from '../../src/domain/kb/article.js';
import { searchArticles, suggestArticles } from '../../src/store/repos/kb-rank.js';

const CONTROLS = [...Array.from({ length: 32 }, (_, i) => i), ...Array.from({ length: 33 }, (_, i) => 0x7f + i), 0x61c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]
  .map((c) => String.fromCodePoint(c));

describe('slugs', () => {
  it('accepts lower-case words joined by single dashes, nothing else', () => {
    for (const s of ['a', 'reset-password', 'x1', '2fa-setup', 'a'.repeat(80)]) expect([s, isValidSlug(s)]).toEqual([s, true]);
    const bad = ['', 'A', 'a--b', '-a', 'a-', 'a.b', 'a/b', '../x', 'a b', 'é', 'ﬁle', 'a'.repeat(81), 'a_b', ...CONTROLS.map((c) => `a${c}b`)];
    for (const s of bad) expect([s, isValidSlug(s)]).toEqual([s, false]);
  });
});

describe('titles and front matter', () => {
  const base = { slug: 'x', tags: [], queues: [], audience: 'public' as const, body: 'text\n' };
  it('refuses every control and bidi character in a title, tag or queue', () => {
    for (const c of CONTROLS) {
      expect(() => checkArticle({ ...base, title: `Bad${c}title` }, 'test')).toThrow(/title|plain/);
      expect(() => checkArticle({ ...base, title: 'ok', tags: [`t${c}x`] }, 'test')).toThrow(/control/);
      expect(() => checkArticle({ ...base, title: 'ok', queues: [`q${c}x`] }, 'test')).toThrow(/control/);
    }
  });
  it('round-trips what it writes, and refuses a front matter that is not a mapping or names another slug', () => {
    const a = { title: 'Reset: your "password"', tags: ['account', 'a b'], queues: ['tech'], audience: 'public' as const, body: 'Text.\n' };
    expect(parseArticle(formatArticle(a), 'reset', 'f')).toEqual({ slug: 'reset', ...a });
    expect(() => parseArticle('---\n- a\n---\nx', 's', 'f')).toThrow(/mapping/);
    expect(() => parseArticle('---\nslug: other\n---\nx', 's', 'f')).toThrow(/slug/);
    expect(() => parseArticle('---\naudience: everyone\n---\nx', 's', 'f')).toThrow(/audience/);
    expect(parseArticle('no front matter', 'plain-one', 'f')).toMatchObject({ title: 'plain one', audience: 'internal' });
  });
  it('excerpts the first paragraph that is not a heading, without Markdown emphasis', () => {
    expect(excerptOf('# Title\n\nOpen **Settings** and _choose_ `Reset`.\n\nMore.')).toBe('Open Settings and choose Reset.');
  });
});

describe('ranking', () => {
  const art = (slug: string, title: string, body: string, tags: string[] = []): Article =>
    ({ slug, title, tags, queues: [], audience: 'public', body, updated_at: '2026-01-01T00:00:00Z', updated_by: null });
  const articles = [
    art('reset-password', 'Reset your password', 'Choose Réinitialiser. The reset link arrives by mail.'),
    art('export', 'Export invoices', 'The ﬁle is a CSV.', ['billing']),
    art('vpn', 'VPN', 'The password vault.'),
  ];
  it('folds case, accents and NFKC forms as ticket search does; every word must match, the last as a prefix', () => {
    expect(searchArticles(articles, 'RÉINITIALISER').map((r) => r.article.slug)).toEqual(['reset-password']);
    expect(searchArticles(articles, 'file csv').map((r) => r.article.slug)).toEqual(['export']);
    expect(searchArticles(articles, 'bill').map((r) => r.article.slug)).toEqual(['export']);
    expect(searchArticles(articles, 'password vault').map((r) => r.article.slug)).toEqual(['vpn']);
    expect(searchArticles(articles, '***')).toEqual([]);
  });
  it('suggests by any word, ignoring the words every mail has, ties in slug order', () => {
    expect(suggestArticles(articles, 'Hello, the reset link for my password never came').map((r) => r.article.slug)).toEqual(['reset-password', 'vpn']);
    expect(suggestArticles(articles, 'Hello, thanks, regards')).toEqual([]);
    const twins = [art('b', 'Same', 'same text'), art('a', 'Same', 'same text')];
    expect(suggestArticles(twins, 'same').map((r) => r.article.slug)).toEqual(['a', 'b']);
  });
});
