// How search text is cut into words, shared by both stores and by the query language's
// evaluation in memory (domain/query/evaluate.ts), so that they all agree: split exactly where
// SQLite's unicode61 tokenizer splits (every character that is not a letter or a number), after
// NFKC, so that "ﬁle" and "file" or a composed and a decomposed "é" are the same word.

/** What separates words: whatever is not a letter or a number. */
export const WORD_GAP = /[^\p{L}\p{N}]+/u;

/** The words of a text, in order, as the search sees them (case and accents kept). */
export function searchWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .split(WORD_GAP)
    .filter((w) => w.length > 0);
}

/** A word with case and diacritics folded the way both search indexes fold them (for snippets). */
export function foldWord(word: string): string {
  return word.toLowerCase().normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC');
}
