// Long output for people (`show`, `sla explain`) goes through a pager on a terminal, as git
// does: DESK_PAGER, else PAGER, else `less` (with LESS=FRX unless set: one screen prints and
// quits, colours pass, the screen is left as it was). Piped output never pages. DESK_PAGER=cat
// (or an empty DESK_PAGER) turns paging off.
import { spawnSync } from 'node:child_process';
import type { Io } from './io.js';

/** The pager command to run, or null when output should go straight to stdout. */
export function pagerCommand(io: Io, env: NodeJS.ProcessEnv = process.env): string | null {
  if (!io.isTTY) return null;
  const chosen = env.DESK_PAGER !== undefined ? env.DESK_PAGER : env.PAGER !== undefined ? env.PAGER : 'less';
  const cmd = chosen.trim();
  if (!cmd || cmd === 'cat') return null;
  return cmd;
}

/**
 * Runs `print` with an Io whose stdout is collected, then shows what it wrote through the pager
 * (or writes it out directly when there is no terminal, no pager, or the pager cannot start).
 */
export async function paged(io: Io, print: (io: Io) => Promise<void> | void): Promise<void> {
  const cmd = pagerCommand(io);
  if (!cmd) return print(io);
  let text = '';
  await print({ ...io, out: (t) => void (text += t), drain: () => Promise.resolve() });
  const env = { ...process.env, LESS: process.env.LESS ?? 'FRX', LV: process.env.LV ?? '-c' };
  // Ctrl-C in the pager is the pager's (less stays until q), as with git: desk must not die under it.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  let r;
  try {
    r = spawnSync('/bin/sh', ['-c', cmd], { input: text, stdio: ['pipe', 'inherit', 'inherit'], env });
  } finally {
    process.off('SIGINT', ignore);
  }
  // 126/127: the shell could not run it (not found, not executable): show the text anyway.
  if (r.error || r.status === 126 || r.status === 127) io.out(text);
}
