// Writing text in the agent's own editor ($VISUAL, then $EDITOR, then vi), the way git does:
// a temp file with a marker line; everything from the marker down is dropped on return.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeskError, UsageError } from '../../errors.js';
import type { Message } from '../../domain/types.js';
import { safeLine, safeText } from '../../ui/safe-text.js';
import { readableTime } from '../../ui/time.js';

export const MARKER = '------------------------ >8 ------------------------';
const MARKER_HELP = [
  MARKER,
  'Write the reply above the line. Everything from the line down is dropped, and an empty',
  'reply sends nothing. The customer’s last message, for reference:',
  '',
];

/**
 * The file the agent edits: the draft, the marker, and the customer's last message quoted under
 * "On <time in the agents' zone>, <sender> wrote:".
 */
export function editorText(draft: string, quoted: Pick<Message, 'from' | 'from_name' | 'date' | 'text'> | null, timeZone?: string): string {
  const lines = [draft.trimEnd(), '', ...MARKER_HELP];
  if (quoted) {
    const who = quoted.from_name ? `${safeLine(quoted.from_name)} <${safeLine(quoted.from)}>` : safeLine(quoted.from);
    lines.push(`On ${readableTime(quoted.date, timeZone)}, ${who} wrote:`);
    for (const l of safeText(quoted.text).split('\n')) lines.push(l ? `> ${l}` : '>');
  }
  return lines.join('\n') + '\n';
}

/** What the agent wrote: the text above the marker, without trailing blank lines. */
export function textAboveMarker(edited: string): string {
  const lines = edited.replace(/\r\n/g, '\n').split('\n');
  const at = lines.findIndex((l) => l.trim() === MARKER);
  return (at < 0 ? lines : lines.slice(0, at)).join('\n').trimEnd().replace(/^\s*\n/, '');
}

export function editorCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.VISUAL?.trim() || env.EDITOR?.trim() || 'vi';
}

/**
 * Opens `text` in the editor and returns the file's content afterwards. The command runs through
 * the shell like git's core.editor, so `EDITOR="code --wait"` works; the file name is passed as
 * an argument, never spliced into the command.
 */
export function editInEditor(text: string, fileName: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'desk-edit-'));
  const file = join(dir, fileName);
  try {
    writeFileSync(file, text, { mode: 0o600 });
    const editor = editorCommand();
    const r = spawnSync('/bin/sh', ['-c', `${editor} "$@"`, editor, file], { stdio: 'inherit' });
    if (r.error) throw new UsageError(`cannot run the editor '${editor}': ${r.error.message}`, 'set VISUAL or EDITOR');
    if (r.status !== 0) throw new DeskError(`the editor '${editor}' exited with status ${r.status ?? r.signal}; nothing was changed`);
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
