// How an agent signs: their display name ("Ana Costa", else the login name) and their signature
// (else "Best regards," over the display name). Both are typed by people and end up in mail to
// customers, so they are checked once here: no control characters (a signature may have line
// breaks), bounded length.
import { trimChars } from '../linear-text.js';

export interface AgentProfile {
  /** the login name (assign, DESK_AGENT) */
  name: string;
  display_name?: string | null;
  signature?: string | null;
}

export const DISPLAY_NAME_MAX = 100;
export const SIGNATURE_MAX_CHARS = 1000;
export const SIGNATURE_MAX_LINES = 10;

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidirectional overrides
// that can make a name read differently from what it is.
// eslint-disable-next-line no-control-regex
const NOT_IN_A_NAME = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;
// eslint-disable-next-line no-control-regex
const NOT_IN_A_SIGNATURE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

const codeOf = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why a display name cannot be used, or null when it can. */
export function displayNameProblem(value: string): string | null {
  const bad = NOT_IN_A_NAME.exec(value);
  if (bad) return `it contains the control character ${codeOf(bad[0])}`;
  if (!value.trim()) return 'it is empty';
  if ([...value].length > DISPLAY_NAME_MAX) return `it is longer than ${DISPLAY_NAME_MAX} characters`;
  return null;
}

/** Why a signature cannot be used, or null when it can (line breaks are fine, CR LF is read as LF). */
export function signatureProblem(value: string): string | null {
  const text = value.replace(/\r\n/g, '\n');
  const bad = NOT_IN_A_SIGNATURE.exec(text);
  if (bad) return `it contains the control character ${codeOf(bad[0])}`;
  if (!text.trim()) return 'it is empty';
  if ([...text].length > SIGNATURE_MAX_CHARS) return `it is longer than ${SIGNATURE_MAX_CHARS} characters`;
  if (text.trim().split('\n').length > SIGNATURE_MAX_LINES) return `it has more than ${SIGNATURE_MAX_LINES} lines`;
  return null;
}

/** A signature as stored: LF line ends, no trailing spaces, no blank lines around it. */
export function normaliseSignature(value: string): string {
  return trimChars(value.replace(/\r\n/g, '\n').split('\n').map((l) => l.trimEnd()).join('\n'), '\n');
}

export function displayNameOf(agent: AgentProfile): string {
  return agent.display_name?.trim() || agent.name;
}

export function signatureOf(agent: AgentProfile): string {
  return agent.signature?.trim() ? agent.signature : `Best regards,\n${displayNameOf(agent)}`;
}

const squeeze = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The reply text signed: the signature below it, unless the text already carries it. */
export function withSignature(text: string, signature: string): string {
  const body = text.trimEnd();
  const sig = signature.trimEnd();
  // Already signed at the end (say, below the text written in the editor): one blank line above it.
  if (body.endsWith(sig)) {
    const above = body.slice(0, body.length - sig.length).trimEnd();
    return above ? `${above}\n\n${sig}\n` : `${sig}\n`;
  }
  if (squeeze(text).includes(squeeze(signature))) return text;
  return body ? `${body}\n\n${sig}\n` : `\n\n${sig}\n`;
}
