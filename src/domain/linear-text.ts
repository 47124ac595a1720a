// Small text operations that read their input once. The obvious regular expressions for them
// (`/\s+$/`, `/<[^>]*>/g`, `/^["']+|["']+$/g`) are quadratic in JavaScript's backtracking engine:
// it retries them from every position of a long run of the repeated character, and mail can be
// megabytes of exactly that. Each function here gives what its regular expression gives.

/** `text` without the run of trailing characters for which `drop` holds. */
export function trimEndWhere(text: string, drop: (c: string) => boolean): string {
  let end = text.length;
  while (end > 0 && drop(text[end - 1]!)) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** `text` without the run of leading characters for which `drop` holds. */
export function trimStartWhere(text: string, drop: (c: string) => boolean): string {
  let start = 0;
  while (start < text.length && drop(text[start]!)) start++;
  return start === 0 ? text : text.slice(start);
}

/** Leading and trailing characters out of `chars` removed: `/^[chars]+|[chars]+$/g`. */
export function trimChars(text: string, chars: string): string {
  const drop = (c: string) => chars.includes(c);
  return trimEndWhere(trimStartWhere(text, drop), drop);
}

/** `text.replace(/\n+$/, '')`. */
export const trimTrailingNewlines = (text: string) => trimEndWhere(text, (c) => c === '\n');

/**
 * Every `open…close` span (shortest, left to right) replaced: `/<[^>]*>/g` for `'<', '>'`.
 * `open` and `close` are single characters.
 */
export function replaceSpans(text: string, open: string, close: string, replacement: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const start = text.indexOf(open, at);
    if (start < 0) break;
    const end = text.indexOf(close, start + 1);
    // No close after this open means none after any later open either: nothing more to replace.
    if (end < 0) break;
    out += text.slice(at, start) + replacement;
    at = end + 1;
  }
  return at === 0 ? text : out + text.slice(at);
}
