// Where output goes. Commands write through Io so tests can capture it and so that colour,
// tables and progress appear only on a terminal. out and err are the output boundary: whatever
// a command writes is neutralised there (ui/safe-text.ts), so a call site that forgets to clean
// a customer's text cannot drive the terminal. JSON output is written with jsonText, which the
// boundary leaves exactly as it is.
import { neutralise } from './safe-text.js';
export interface Io {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
  color: boolean;
  stdin: NodeJS.ReadableStream;
  /** resolves when stdout can take more (back-pressure for long exports) */
  drain(): Promise<void>;
  /** the width of the terminal stdout is, or undefined when it is not one (read when needed: windows resize) */
  readonly columns: number | undefined;
  /** …and its height */
  readonly rows: number | undefined;
  /** where progress bars go (stderr on a terminal), or null: no progress bars */
  progress: NodeJS.WritableStream | null;
}

export function processIo(noColorFlag: boolean): Io {
  const isTTY = !!process.stdout.isTTY;
  const color = isTTY && !noColorFlag && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && process.env.TERM !== 'dumb';
  return {
    out: (t) => void process.stdout.write(neutralise(t, { styles: color })),
    err: (t) => void process.stderr.write(neutralise(t, { styles: color && !!process.stderr.isTTY })),
    isTTY,
    color,
    stdin: process.stdin,
    drain: () => (process.stdout.writableNeedDrain ? new Promise((r) => process.stdout.once('drain', () => r())) : Promise.resolve()),
    get columns() {
      return isTTY ? process.stdout.columns || undefined : undefined;
    },
    get rows() {
      return isTTY ? process.stdout.rows || undefined : undefined;
    },
    progress: process.stderr.isTTY ? process.stderr : null,
  };
}

/** Reads all of stdin (for `-` arguments). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
