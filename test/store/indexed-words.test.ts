// The words PostgreSQL's search rows are indexed by (src/store/dialect/postgres.ts indexedWords):
// lower-cased once after joining, they must be what lower-casing each word gives, for any text
// (generated from the characters where casing and cutting are hard: final sigma, dotted I,
// ligatures, modifier letters, combining marks, letters outside the BMP).
import { indexedWords } from '../../src/store/dialect/postgres.js';
import { searchWords } from '../../src/domain/search-words.js';

const PARTS = ['Σ', 'ΣΑΣ', 'σ', 'ς', 'İ', 'I', 'ı', 'ß', 'ẞ', 'ǅ', 'Ǆ', 'ﬁ', 'é', 'e\u0301', 'ʼ', 'ˆ', 'Ⅻ', '①', '٣', 'ﾃ', '𝐀', '😀',
  '\u0301', '\u200d', 'a', 'Z', ' ', '.', "'", '-', '\n', '\t', '0', 'Ω', 'K', 'Å', 'ǈ', 'ᾼ', 'ὈΣ', '\u0345', '\u0000', '\ud800'];

test('indexed words are each word of the text, lower-cased, one space between (generated)', () => {
  let seed = 7;
  const next = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  for (let i = 0; i < 20_000; i++) {
    const piece = () => Array.from({ length: 1 + next(8) }, () => PARTS[next(PARTS.length)]).join('');
    const row = { subject: piece(), body: piece() };
    const expected = searchWords(`${row.subject}\n${row.body}`).map((w) => w.toLowerCase()).join(' ');
    expect([row, indexedWords(row)]).toEqual([row, expected]);
  }
});
