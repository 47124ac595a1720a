// The lines of an import, read as bytes with a bound on each: a line longer than that is not
// buffered (a string past V8's limit would crash the run with a stack trace) but reported by its
// number and skipped, and the lines after it are read as usual.

/** Longest line an import reads: far beyond any real ticket (attachments are not inline). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** A line read: its text and its bytes (a view of what was read, without the line end), or how long a line too long to read was. */
export type Line = { text: string; bytes: Buffer; tooLong?: undefined } | { text?: undefined; bytes?: undefined; tooLong: number };

/**
 * Yields each line (without its `\n` or `\r\n`), or `{ tooLong: bytes }` for one over
 * `maxBytes`. UTF-8; a last line without a newline counts.
 */
export async function* readLines(input: AsyncIterable<Buffer | string>, maxBytes = MAX_LINE_BYTES): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let size = 0;
  /** bytes of the line being skipped, or -1 while reading one */
  let skipped = -1;
  const finish = (): Line => {
    if (skipped >= 0) {
      const line: Line = { tooLong: skipped };
      skipped = -1;
      return line;
    }
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    parts = [];
    size = 0;
    const end = buf.length > 0 && buf[buf.length - 1] === 0x0d ? buf.length - 1 : buf.length;
    return { text: buf.toString('utf8', 0, end), bytes: buf.subarray(0, end) };
  };
  const take = (piece: Buffer) => {
    if (skipped >= 0) {
      skipped += piece.length;
      return;
    }
    if (size + piece.length > maxBytes) {
      skipped = size + piece.length;
      parts = [];
      size = 0;
      return;
    }
    if (piece.length) {
      parts.push(piece);
      size += piece.length;
    }
  };
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      if (!parts.length && skipped < 0 && nl - start <= maxBytes) {
        // The common case: the whole line is inside this chunk.
        const end = nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl;
        yield { text: buf.toString('utf8', start, end), bytes: buf.subarray(start, end) };
      } else {
        take(buf.subarray(start, nl));
        yield finish();
      }
      start = nl + 1;
    }
    // A copy: the stream may reuse its buffer.
    if (start < buf.length) take(Buffer.from(buf.subarray(start)));
  }
  if (size > 0 || skipped >= 0) yield finish();
}
