// The decoder of base64 bodies for the bundled mail parser (scripts/build.js puts it in place of
// postal-mime's own). postal-mime decodes each 76-character line as it comes: a UTF-8 decode, a
// regular expression and a JavaScript decoding loop per line, the largest single cost of parsing
// mail with attachments. This keeps the lines and decodes once at the end with Node's native
// decoder. The bytes are exactly postal-mime's, for broken input too (the test compares them):
// everything outside the base64 alphabet is dropped, '=' included, wherever it appears; a lone
// last character yields the three bytes postal-mime makes of it.
import { FastBlob } from './fast-blob.js';

const NOT_BASE64 = /[^A-Za-z0-9+/]+/g;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export class Base64BodyDecoder {
  private lines: Uint8Array[] = [];
  private size = 0;

  update(line: Uint8Array): void {
    // The parser hands out views into the message it is reading, which outlives this decoder.
    this.lines.push(line);
    this.size += line.byteLength;
  }

  finalize(): Promise<ArrayBuffer> {
    const joined = Buffer.concat(this.lines, this.size);
    this.lines = [];
    // latin1 maps each byte to one character: anything that is not base64 stays not base64.
    const clean = joined.toString('latin1').replace(NOT_BASE64, '');
    const whole = clean.length - (clean.length % 4 === 1 ? 1 : 0);
    const decoded = Buffer.from(whole === clean.length ? clean : clean.slice(0, whole), 'base64');
    if (whole === clean.length) return new FastBlob([decoded]).arrayBuffer();
    // One character past the last full group: postal-mime writes its six bits and two zero bytes.
    const last = ALPHABET.indexOf(clean[whole]!);
    return new FastBlob([decoded, new Uint8Array([(last << 2) & 0xff, 0, 0])]).arrayBuffer();
  }
}
