// Owning the terminal while triage runs: alternate screen, hidden cursor, raw keys. Whatever ends
// the session — q, Ctrl-C, a signal, a crash — the terminal is handed back as it was found:
// main screen, cursor shown, cooked mode. Suspending (for an editor, a pager, a prompt) hands
// it back temporarily.
import { emitKeypressEvents } from 'node:readline';
import { neutralise } from '../../ui/safe-text.js';

export interface Key {
  name?: string;
  sequence?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

const ENTER = '\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J';
const LEAVE = '\x1b[?25h\x1b[?1049l';

export class Terminal {
  private active = false;
  private readonly input: NodeJS.ReadStream;
  private readonly output: NodeJS.WriteStream;
  private readonly restoreOnExit = () => this.restore();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.restore();
    process.kill(process.pid, signal); // default handling, now that the handlers are gone
  };
  private readonly onCrash = (err: unknown) => {
    this.restore();
    process.stderr.write(neutralise(`desk triage crashed: ${(err as Error)?.stack ?? String(err)}\n`));
    process.exit(1);
  };

  /** `styles`: desk's colour codes may reach the screen (the Io decided on colour). */
  /** `size`: the screen's size (the Io's columns and rows, read on each call). */
  constructor(
    input: NodeJS.ReadStream = process.stdin,
    output: NodeJS.WriteStream = process.stdout,
    private readonly styles = false,
    private readonly size: { readonly columns: number | undefined; readonly rows: number | undefined } = output,
  ) {
    this.input = input;
    this.output = output;
  }

  /** Whether the screen has the terminal (not handed to an editor or a pager). */
  get isActive(): boolean {
    return this.active;
  }

  get columns(): number {
    return this.size.columns || 80;
  }
  get rows(): number {
    return this.size.rows || 24;
  }

  /** Takes the terminal; installs the handlers that give it back on any way out. */
  start(): void {
    emitKeypressEvents(this.input);
    process.on('exit', this.restoreOnExit);
    for (const s of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.once(s, this.onSignal);
    process.on('uncaughtException', this.onCrash);
    process.on('unhandledRejection', this.onCrash);
    this.resume();
  }

  /** Raw keys on the alternate screen. */
  resume(): void {
    if (this.active) return;
    this.active = true;
    if (this.input.isTTY) this.input.setRawMode(true);
    this.input.resume();
    this.output.write(ENTER);
  }

  /** The normal screen and cooked mode, e.g. while an editor runs; resume() takes it back. */
  suspend(): void {
    if (!this.active) return;
    this.active = false;
    this.output.write(LEAVE);
    if (this.input.isTTY) this.input.setRawMode(false);
  }

  /** Gives the terminal back for good (idempotent; also runs on exit, signals and crashes). */
  restore(): void {
    this.suspend();
    this.input.pause();
    process.removeListener('exit', this.restoreOnExit);
    for (const s of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.removeListener(s, this.onSignal);
    process.removeListener('uncaughtException', this.onCrash);
    process.removeListener('unhandledRejection', this.onCrash);
  }

  /** Replaces the screen's content with these lines (already fitted to the width). */
  draw(lines: string[]): void {
    // The screen's output boundary: each line's text is neutralised, then positioned.
    this.output.write('\x1b[H' + lines.map((l) => neutralise(l.replace(/[\r\n]/g, ' '), { styles: this.styles }) + '\x1b[K').join('\r\n') + '\x1b[J');
  }

  /** Text shown on the cleared screen (a prompt's title), through the output boundary. */
  write(text: string): void {
    this.output.write(neutralise(text, { styles: this.styles }));
  }

  /** After a prompt library closed its readline (cooked mode, paused input): raw keys again. */
  reclaim(): void {
    if (!this.active) return;
    if (this.input.isTTY) this.input.setRawMode(true);
    this.input.resume();
    this.hideCursor();
  }

  /** Clears the screen and puts the cursor at the top, for a prompt. */
  clear(): void {
    this.output.write('\x1b[H\x1b[2J\x1b[?25h');
  }

  hideCursor(): void {
    this.output.write('\x1b[?25l');
  }

  onKey(fn: (str: string | undefined, key: Key) => void): () => void {
    const listener = (str: string | undefined, key: Key | undefined) => fn(str, key ?? { sequence: str });
    this.input.on('keypress', listener);
    return () => this.input.removeListener('keypress', listener);
  }

  onResize(fn: () => void): () => void {
    this.output.on('resize', fn);
    return () => this.output.removeListener('resize', fn);
  }
}
