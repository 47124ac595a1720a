// Attachment names come from strangers: whatever they are, the stored file stays inside the
// data dir, and the name shown is harmless.
import path from 'node:path';
import { MAX_NAME_BYTES, safeAttachmentPath, sanitizeFilename } from '../../src/mail/attachment-path.js';

const DATA = path.resolve('/srv/desk-data');
const SHA = 'ab'.repeat(32);

function inside(absolute: string): boolean {
  const rel = path.relative(DATA, absolute);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

describe('safeAttachmentPath', () => {
  test('content-addressed layout under attachments/, with the sanitised name last', () => {
    expect(safeAttachmentPath(DATA, SHA, 'report.pdf')).toEqual({
      relative: `attachments/ab/${SHA}/report.pdf`,
      absolute: path.join(DATA, 'attachments', 'ab', SHA, 'report.pdf'),
      displayName: 'report.pdf',
    });
  });

  test.each([
    ['../../etc/passwd', 'passwd'],
    ['/abs/path/secret.txt', 'secret.txt'],
    ['C:\\Windows\\System32\\evil.dll', 'evil.dll'],
    ['C:x.txt', 'C_x.txt'],
    ['..', 'attachment'],
    ['../..', 'attachment'],
    ['.', 'attachment'],
    ['.bashrc', 'bashrc'],
    ['evil.txt\u0000.exe', 'evil.txt.exe'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['\uFF0E\uFF0E\uFF0Fetc\uFF0Fpasswd', 'passwd'], // fullwidth ../etc/passwd
    ['a\u2215b', 'b'], // division slash looks like a separator
    ['report.pdf. . .', 'report.pdf'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['what?<>|*".txt', 'what______.txt'],
    ['line\nbreak\ttab.txt', 'linebreaktab.txt'],
    ['', 'attachment'],
  ])('%j → stays inside, shown as %j', (name, display) => {
    const p = safeAttachmentPath(DATA, SHA, name);
    expect(p.displayName).toBe(display);
    expect(inside(p.absolute)).toBe(true);
    expect(path.basename(p.absolute)).toBe(display);
    expect(path.dirname(p.absolute)).toBe(path.join(DATA, 'attachments', 'ab', SHA));
  });

  test('no name at all', () => {
    expect(safeAttachmentPath(DATA, SHA, null).displayName).toBe('attachment');
  });

  test('very long names are cut to a byte budget, keeping the extension and whole characters', () => {
    const name = `${'請求書'.repeat(100)}.pdf`;
    const shown = safeAttachmentPath(DATA, SHA, name).displayName;
    expect(Buffer.byteLength(shown)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(shown.endsWith('.pdf')).toBe(true);
    expect(shown).not.toContain('\uFFFD');
    expect(shown.startsWith('請求書請求書')).toBe(true);
  });

  test('a hash that is not 64 hex digits is refused (it is part of the path)', () => {
    expect(() => safeAttachmentPath(DATA, '../../etc', 'x')).toThrow(RangeError);
    expect(() => safeAttachmentPath(DATA, 'ab'.repeat(31), 'x')).toThrow(RangeError);
    expect(safeAttachmentPath(DATA, SHA.toUpperCase(), 'x').relative).toBe(`attachments/ab/${SHA}/x`);
  });

  test('a relative data dir is resolved, and the path stays inside it', () => {
    const p = safeAttachmentPath('data', SHA, '../../../x');
    expect(p.absolute).toBe(path.join(path.resolve('data'), 'attachments', 'ab', SHA, 'x'));
  });
});

describe('sanitizeFilename', () => {
  test('ordinary names, including non-Latin ones, are kept', () => {
    expect(sanitizeFilename('Rechnung März 2026.pdf')).toBe('Rechnung März 2026.pdf');
    expect(sanitizeFilename('請求書.txt')).toBe('請求書.txt');
  });
});
