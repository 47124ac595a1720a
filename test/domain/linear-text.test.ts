// The linear rewrites give exactly what the regular expressions they replace gave: each is
// compared with its original on thousands of generated strings over the characters that matter.
import { replaceSpans, trimChars, trimEndWhere, trimTrailingNewlines } from '../../src/domain/linear-text.js';
import { isEmailAddress, parseSenderPattern } from '../../src/domain/rules/text-match.js';
import { tidyText } from '../../src/mail/html-text.js';
import { messageIdQuotedInText } from '../../src/mail/parse.js';
import { normalizeMessageId } from '../../src/mail/addresses.js';
import { createRng } from '../helpers/mailgen.js';

const rng = createRng(20261125);
function strings(alphabet: string[], count = 3000, maxLength = 14): string[] {
  return Array.from({ length: count }, () => {
    const n = Math.floor(rng.next() * (maxLength + 1));
    return Array.from({ length: n }, () => alphabet[Math.floor(rng.next() * alphabet.length)]!).join('');
  });
}

test('trimming helpers equal /\\s+$/, /\\n+$/, /^["\']+|["\']+$/g and /[.\\s]+$/', () => {
  for (const s of strings([' ', '\n', '\t', '\u00a0', 'a', '.', '"', "'", 'x'])) {
    expect(s.trimEnd()).toBe(s.replace(/\s+$/, ''));
    expect(trimTrailingNewlines(s)).toBe(s.replace(/\n+$/, ''));
    expect(trimChars(s, `"'`)).toBe(s.replace(/^["']+|["']+$/g, ''));
    expect(trimEndWhere(s, (c) => c === '.' || /\s/.test(c))).toBe(s.replace(/[.\s]+$/, ''));
  }
});

test('replaceSpans equals /<[^>]*>/g and /\\([^)]*\\)/g', () => {
  for (const s of strings(['<', '>', '(', ')', 'a', ' '])) {
    expect(replaceSpans(s, '<', '>', ' ')).toBe(s.replace(/<[^>]*>/g, ' '));
    expect(replaceSpans(s, '(', ')', ' ')).toBe(s.replace(/\([^)]*\)/g, ' '));
  }
});

test('the address check equals /^[^\\s@<>]+@[^\\s@<>]+\\.[^\\s@<>]+$/', () => {
  for (const s of strings(['a', '@', '.', ' ', '<', 'b'], 5000, 9)) {
    expect([s, isEmailAddress(s)]).toEqual([s, /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(s)]);
    const t = s.trim().toLowerCase();
    expect([s, parseSenderPattern(s)?.kind === 'address']).toEqual([s, /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(t)]);
  }
});

test('tidyText keeps what the old line trimming /[ \\t\\u00A0]+$/gm gave', () => {
  const old = (text: string) => text.replace(/\r\n?/g, '\n').replace(/[ \t\u00A0]+$/gm, '').replace(/\n{3,}/g, '\n\n').replace(/^\n+/, '').trimEnd();
  for (const s of strings([' ', '\t', '\u00a0', '\n', '\r', 'a', '\u2028'])) expect([s, tidyText(s)]).toEqual([s, old(s)]);
});

test('a quoted Message-ID is found where /^\\s*>?\\s*Message-ID:\\s*(<[^<>\\s]+>)/im found it', () => {
  const old = (text: string) => {
    const m = /^\s*>?\s*Message-ID:\s*(<[^<>\s]+>)/im.exec(text);
    return m ? normalizeMessageId(m[1]) : null;
  };
  const pieces = ['Message-ID:', 'message-id:', '<a@b>', '<x@y>', ' ', '\n', '\r\n', '>', '<', 'q', '\t'];
  for (const s of strings(pieces, 6000, 8)) expect([s, messageIdQuotedInText(s)]).toEqual([s, old(s)]);
});
