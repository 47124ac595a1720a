// A plain in-memory stand-in for the global Blob, for the mail parser only.
//
// postal-mime collects every decoded body part as a list of lines and turns it into bytes with
// `new Blob(chunks).arrayBuffer()`. Node's Blob is built for files and streams: each one is
// registered with the C++ side, made transferable and read back asynchronously in slices. For
// mail that is a third of the parse time of a big sync. The build (scripts/build.js) gives the
// bundled parser this class in place of the global; everything else keeps the real Blob, and the
// result is byte for byte the same (test/mail/fast-blob.test.ts compares the two).

type BlobPartLike = string | ArrayBuffer | ArrayBufferView | FastBlob;

const encoder = new TextEncoder();

function toBytes(part: BlobPartLike): Uint8Array {
  if (typeof part === 'string') return encoder.encode(part);
  if (part instanceof FastBlob) return part.bytes;
  if (part instanceof ArrayBuffer) return new Uint8Array(part);
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  // A native Blob can only be read asynchronously; the parser never hands one over.
  throw new TypeError('FastBlob: unsupported part (strings, ArrayBuffers, typed arrays and FastBlobs only)');
}

export class FastBlob {
  /** The content, owned by this blob (parts are copied, as the Blob constructor does). */
  readonly bytes: Uint8Array;
  readonly type: string;

  constructor(parts: Iterable<BlobPartLike> = [], options: { type?: string } = {}) {
    const pieces: Uint8Array[] = [];
    let size = 0;
    for (const part of parts) {
      // The parser appends a '\n' after every line: skip the encoder for it.
      const bytes = part === '\n' ? NEWLINE : toBytes(part);
      pieces.push(bytes);
      size += bytes.byteLength;
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of pieces) {
      out.set(p, at);
      at += p.byteLength;
    }
    this.bytes = out;
    this.type = (options.type ?? '').toLowerCase();
  }

  get size(): number {
    return this.bytes.byteLength;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    // A fresh copy, as Blob.arrayBuffer() gives: the caller may keep or change it.
    return this.bytes.slice().buffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(this.bytes);
  }

  slice(start?: number, end?: number, type?: string): FastBlob {
    return new FastBlob([this.bytes.subarray(start, end)], { type: type ?? '' });
  }
}

const NEWLINE = new Uint8Array([0x0a]);
