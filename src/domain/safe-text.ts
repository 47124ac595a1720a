// Text from outside (mail subjects, bodies, names, file names, typed arguments) must never drive
// the agent's terminal. `neutralise` is the one boundary every human-readable byte passes on its
// way to stdout or stderr (the Io's out/err, the triage screen, main's error reporter): no C0/C1
// control but newline, tab and a CRLF line end, no lone ESC, no bidi control. safeText/safeLine
// shape a field for its place (a body keeps its lines, a table cell is one line). --json keeps
// data exact: jsonText writes the characters a terminal would act on as \u escapes, which any
// JSON reader turns back into the same string.

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

// The colours desk itself paints with (chalk and cli-table3 at 16 colours): bold, dim, inverse,
// their resets, foreground colours but black, and their reset. Nothing that hides text, moves
// the cursor, retitles the window or opens a link.
// (Literals, not built at run time, so that the linear-pattern check reads them.)
// eslint-disable-next-line no-control-regex
const PLAIN_BOUNDARY = /\r\n|[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const STYLED_BOUNDARY = /\u001b\[(?:0|1|2|7|22|27|3[1-79]|9[0-7])m|\r\n|[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export interface NeutraliseOptions {
  /** let desk's own colour codes through (only where the Io decided on colour) */
  styles?: boolean;
}

/**
 * The output boundary: everything a person reads passes here. Keeps newline, tab and CRLF line
 * ends (and, with `styles`, desk's colour codes); every other control, ESC and bidi control is
 * shown as harmless visible text.
 */
export function neutralise(text: string, opts: NeutraliseOptions = {}): string {
  return String(text).replace(opts.styles ? STYLED_BOUNDARY : PLAIN_BOUNDARY, (m) => (m.length > 1 ? m : visible(m)));
}

// Characters JSON.stringify leaves raw that a terminal acts on: DEL, C1, bidi controls.
const JSON_RAW_UNSAFE = /[\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** JSON text that is exact for a reader and inert on a terminal (what a JSON output writes). */
export function jsonText(value: unknown, space?: number): string {
  return (JSON.stringify(value, null, space) ?? 'null').replace(JSON_RAW_UNSAFE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
