import { FastBlob } from '../../src/mail/fast-blob.js';

// The stand-in must give exactly what Node's Blob gives for what the mail parser feeds it.
async function both(parts: (string | Uint8Array | ArrayBuffer)[]): Promise<[Uint8Array, Uint8Array]> {
  const native = new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
  const fast = new Uint8Array(await new FastBlob(parts).arrayBuffer());
  return [native, fast];
}

describe('FastBlob', () => {
  it('joins lines and newline strings byte for byte as Blob does', async () => {
    const parts = [new Uint8Array([0x48, 0x69]), '\n', 'Grüße €', '\n', new Uint8Array(0), '\n'];
    const [native, fast] = await both(parts);
    expect(Buffer.from(fast).toString('hex')).toBe(Buffer.from(native).toString('hex'));
    expect(new FastBlob(parts).size).toBe(native.byteLength);
  });

  it('takes views into a larger buffer without their neighbours', async () => {
    const backing = Buffer.from('xxHELLOyy');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 5);
    const [native, fast] = await both([view, new Uint8Array([0x21]).buffer]);
    expect(Buffer.from(fast).toString()).toBe('HELLO!');
    expect(Buffer.from(native).toString()).toBe('HELLO!');
  });

  it('copies its parts: later changes to a part do not show', async () => {
    const part = new Uint8Array([1, 2, 3]);
    const blob = new FastBlob([part]);
    part[0] = 9;
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([1, 2, 3]);
  });

  it('gives a fresh buffer on every read, and reads as text', async () => {
    const blob = new FastBlob(['añb'], { type: 'Text/Plain' });
    const a = new Uint8Array(await blob.arrayBuffer());
    a[0] = 0;
    expect(await blob.text()).toBe('añb');
    expect(blob.type).toBe('text/plain');
    expect(await blob.slice(1).text()).toBe('ñb');
  });

  it('refuses a part it cannot read synchronously', () => {
    expect(() => new FastBlob([new Blob(['x']) as never])).toThrow(TypeError);
  });
});
