import { safeLine, safeText } from '../../src/ui/safe-text.js';

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
