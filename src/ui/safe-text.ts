// Text from outside (mail subjects, bodies, names, file names) must never drive the agent's
// terminal. Neutralise C0/C1 controls (except newline and tab), ESC and Unicode bidi controls
// in everything shown to a human. --json output keeps data exact (JSON escapes it itself).

// C0 except \t (0x09) and \n (0x0A); DEL; C1 (0x80-0x9F).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// Bidi embeddings/overrides/isolates and marks that can reorder what the agent sees.
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

function visible(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code === 0x1b) return '^[';
  if (code < 0x20) return '^' + String.fromCharCode(code + 64);
  return `\\u{${code.toString(16)}}`;
}

/** Multi-line text (bodies): keeps \n and \t, shows everything else harmless. */
export function safeText(s: string | null | undefined): string {
  if (s == null) return '';
  return String(s).replace(/\r\n?/g, '\n').replace(CONTROL, visible).replace(BIDI, visible);
}

/** One-line text (subjects, names, table cells): newlines and tabs become spaces too. */
export function safeLine(s: string | null | undefined): string {
  return safeText(s).replace(/[\n\t]/g, ' ');
}
