// Fitting text into terminal cells: wide characters (CJK, most emoji) take two cells, combining
// marks none. Only plain text is measured here; colour is added after fitting.

// eslint-disable-next-line no-misleading-character-class
const ZERO = /[\p{Mn}\p{Me}\u200B-\u200D\uFE00-\uFE0F]/u;
const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1F64F}\u{1F680}-\u{1F6FF}\u{1F900}-\u{1F9FF}\u{20000}-\u{3FFFD}]/u;

export function charWidth(ch: string): number {
  if (ZERO.test(ch)) return 0;
  return WIDE.test(ch) ? 2 : 1;
}

export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return w;
}

/** Cuts to at most `width` cells, ending in "…" when something was cut. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return out + '…';
}

/** Pads with spaces to exactly `width` cells (cutting first if needed). */
export function fit(s: string, width: number): string {
  const t = truncate(s, width);
  return t + ' '.repeat(Math.max(0, width - displayWidth(t)));
}

/** Word-wraps one paragraph to `width` cells; words longer than a line are broken. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    let w = 0;
    for (const word of para.replace(/\t/g, '  ').split(/(\s+)/)) {
      if (!word) continue;
      const ww = displayWidth(word);
      if (w + ww <= width) {
        line += word;
        w += ww;
        continue;
      }
      if (/^\s+$/.test(word)) {
        lines.push(line);
        line = '';
        w = 0;
        continue;
      }
      if (line) lines.push(line.trimEnd());
      line = '';
      w = 0;
      for (const ch of word) {
        const cw = charWidth(ch);
        if (w + cw > width) {
          lines.push(line);
          line = '';
          w = 0;
        }
        line += ch;
        w += cw;
      }
    }
    lines.push(line.trimEnd());
  }
  return lines;
}
