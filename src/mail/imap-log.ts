// `desk sync --verbose`: imapflow's protocol log as readable lines on stderr, never stdout, with
// the account's password masked however it appears (plain, or inside a base64 SASL PLAIN blob).
import type { Logger } from 'imapflow';
import { safeLine } from '../domain/safe-text.js';

export type LogSink = (line: string) => void;

/** Longest protocol line we print: message bodies would drown the log. */
const MAX_LINE = 400;

/** Every form in which a password can appear on the wire for this user. */
export function secretForms(user: string, password: string): string[] {
  if (!password) return [];
  const forms = new Set<string>([password]);
  for (const blob of [`\0${user}\0${password}`, `${user}\0${user}\0${password}`, password]) {
    forms.add(Buffer.from(blob).toString('base64'));
  }
  // IMAP quotes strings: a password with quotes or backslashes is sent escaped.
  forms.add(password.replace(/(["\\])/g, '\\$1'));
  return [...forms].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
}

export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('****');
  return out;
}

function render(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  const e = (entry ?? {}) as { src?: string; msg?: unknown; err?: { message?: string } };
  const dir = e.src === 'c' ? 'C: ' : e.src === 's' ? 'S: ' : '';
  let msg = typeof e.msg === 'string' ? e.msg : JSON.stringify(e.msg ?? entry);
  if (e.err?.message) msg += ` (${e.err.message})`;
  return dir + msg;
}

/** An imapflow logger writing one masked line per entry (trace level left out: it is internals). */
export function imapLogger(sink: LogSink, account: { name: string; user: string; password: string }): Logger {
  const secrets = secretForms(account.user, account.password);
  const write = (level: string) => (entry: unknown) => {
    // Server lines carry text from outside (subjects): never let them drive the terminal.
    let line = safeLine(maskSecrets(render(entry), secrets));
    if (line.length > MAX_LINE) line = line.slice(0, MAX_LINE) + '…';
    sink(`imap ${account.name} ${level} ${line}\n`);
  };
  return {
    trace: () => undefined,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    fatal: write('fatal'),
  };
}
