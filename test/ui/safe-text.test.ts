import { jsonText, neutralise, safeLine, safeText } from '../../src/ui/safe-text.js';
import { BIDI_POINTS, CONTROL_POINTS, hostileStrings, unsafeIn } from '../helpers/hostile.js';

test('escape sequences, C0/C1 controls and bidi overrides are made visible and harmless', () => {
  const evil = 'a\u001b[31mred\u001b]8;;http://x\u0007link\u009b2J\u202Eevil\u2066x\u0000';
  const shown = safeText(evil);
  expect(shown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  expect(shown).toContain('^[[31mred');
  expect(shown).toContain('\\u{202e}evil');
});

test('newlines and tabs survive in bodies; one-line text flattens them', () => {
  expect(safeText('line 1\r\nline 2\tend')).toBe('line 1\nline 2\tend');
  expect(safeLine('Subject\r\nBcc: x')).toBe('Subject Bcc: x');
  expect(safeText('Grüße, 日本語, emoji 🎉')).toBe('Grüße, 日本語, emoji 🎉');
});

describe('the output boundary', () => {
  const SGR = /\u001b\[(?:0|1|2|7|22|27|3[1-79]|9[0-7])m/g;

  test('lets through only newline, tab, CRLF and (with colour) desk\'s own colour codes', () => {
    for (const s of hostileStrings(1, 16)) {
      expect(unsafeIn(Buffer.from(neutralise(s)))).toEqual([]);
      const styled = neutralise(`\u001b[1m${s}\u001b[22m`, { styles: true });
      expect(unsafeIn(Buffer.from(styled.replace(SGR, '')))).toEqual([]);
      expect(styled.startsWith('\u001b[1m')).toBe(true);
    }
    expect(neutralise('a\r\nb\tc\nd')).toBe('a\r\nb\tc\nd');
    expect(neutralise('\u001b[8mhidden\u001b[6n\u001b[30m', { styles: true })).toBe('^[[8mhidden^[[6n^[[30m');
  });

  test('JSON stays exact for a reader and inert on a terminal', () => {
    const all = [...CONTROL_POINTS, ...BIDI_POINTS].map((cp) => String.fromCodePoint(cp)).join('');
    const text = jsonText({ all }, 2);
    expect(unsafeIn(Buffer.from(text))).toEqual([]);
    expect(JSON.parse(text)).toEqual({ all });
  });
});
