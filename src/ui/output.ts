// Printing data: JSON for scripts, tables for people (cli-table3 on a terminal, tab-separated
// lines when piped), colours only when the Io allows them.
import type { Io } from './io.js';
import { jsonText, safeLine } from './safe-text.js';
import { tableClass } from './table-class.js';

export function printJson(io: Io, value: unknown): void {
  io.out(jsonText(value, 2) + '\n');
}

export type Cell = string | number | null | undefined;

export interface TableOptions {
  /** column widths including one space of padding each side; null = share what is left */
  colWidths?: (number | null)[];
  /** columns to leave out, first to last, when the terminal is too narrow for all */
  dropOrder?: number[];
  /** shares of the width left over for flexible columns, by column (default 1 each) */
  flexWeights?: Record<number, number>;
  /** decoration (colour) applied to a cell after its text was made safe */
  style?: (row: number, col: number, text: string) => string;
}

const MIN_FLEX = 12;

/** Cells are treated as outside text: control sequences are neutralised before printing. */
export async function printTable(io: Io, head: string[], rows: Cell[][], opts: TableOptions = {}): Promise<void> {
  const clean = rows.map((r) => r.map((c) => (c == null ? '' : safeLine(String(c)))));
  if (!io.isTTY) {
    io.out(head.join('\t') + '\n');
    for (const r of clean) io.out(r.join('\t') + '\n');
    return;
  }
  const Table = tableClass();
  const width = io.columns || 100;
  let keep = head.map((_, i) => i);
  let widths = opts.colWidths;
  if (widths) {
    const need = (cols: number[]) => cols.reduce((sum, i) => sum + (widths![i] ?? MIN_FLEX), 0) + cols.length + 1;
    for (const drop of opts.dropOrder ?? []) {
      if (need(keep) <= width) break;
      keep = keep.filter((i) => i !== drop);
    }
    widths = fitWidths(keep.map((i) => widths![i] ?? null), width, keep.map((i) => naturalWidth(head[i]!, clean.map((r) => r[i]!))), keep.map((i) => opts.flexWeights?.[i] ?? 1));
  }
  const table = new Table({
    head: keep.map((i) => head[i]!),
    style: { head: io.color ? ['cyan'] : [], border: io.color ? ['grey'] : [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    wordWrap: false,
    ...(widths ? { colWidths: widths as number[] } : {}),
  });
  clean.forEach((r, ri) => table.push(keep.map((i) => (opts.style ? opts.style(ri, i, r[i]!) : r[i]!))));
  io.out(table.toString() + '\n');
}

/** The width a column needs to show every cell whole, with one space of padding each side. */
function naturalWidth(head: string, cells: string[]): number {
  return cells.reduce((m, c) => Math.max(m, [...c].length), [...head].length) + 2;
}

/**
 * Gives flexible columns (null) what the fixed ones leave of the terminal width, in proportion
 * to their weights, but never more than a column needs: what one leaves goes to the others.
 */
function fitWidths(given: (number | null)[], total: number, natural: number[] = [], weights: number[] = []): number[] {
  // A fixed width is a most: a column whose cells are all shorter takes only what they need.
  const widths = given.map((w, i) => (w === null ? null : Math.min(w, natural[i] ?? w)));
  const fixed = widths.reduce<number>((s, w) => s + (w ?? 0), 0) + widths.length + 1;
  const out = widths.map((w) => w ?? 0);
  let open = widths.map((w, i) => (w === null ? i : -1)).filter((i) => i >= 0);
  let left = Math.max(0, total - fixed);
  while (open.length) {
    const weight = open.reduce((s, i) => s + (weights[i] ?? 1), 0);
    const capped = open.filter((i) => (natural[i] ?? Infinity) <= Math.floor((left * (weights[i] ?? 1)) / weight));
    if (!capped.length) {
      for (const i of open) out[i] = Math.max(MIN_FLEX, Math.floor((left * (weights[i] ?? 1)) / weight));
      break;
    }
    for (const i of capped) {
      out[i] = Math.max(MIN_FLEX, natural[i]!);
      left -= out[i]!;
    }
    open = open.filter((i) => !capped.includes(i));
  }
  // MIN_FLEX may have pushed past the edge: the widest flexible column gives the excess back.
  const over = out.reduce((s, w) => s + w, 0) + out.length + 1 - total;
  const flexible = widths.map((w, i) => (w === null ? i : -1)).filter((i) => i >= 0);
  if (over > 0 && flexible.length) {
    const widest = flexible.reduce((a, b) => (out[b]! > out[a]! ? b : a));
    out[widest] = Math.max(MIN_FLEX, out[widest]! - over);
  }
  return out;
}

export interface Painter {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  inverse(s: string): string;
}

const same = (s: string) => s;
export const PLAIN_PAINTER: Painter = { bold: same, dim: same, red: same, yellow: same, green: same, cyan: same, inverse: same };

export async function painter(io: Io): Promise<Painter> {
  if (!io.color) return PLAIN_PAINTER;
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level: 1 });
  return { bold: c.bold, dim: c.dim, red: c.red, yellow: c.yellow, green: c.green, cyan: c.cyan, inverse: c.inverse };
}
