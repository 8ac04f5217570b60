/** Writing NumPy .npy files (format 1.0, little-endian float32, C order) in pieces, for large arrays. */
import { closeSync, openSync, writeSync } from "node:fs";

export class NpyWriter {
  private readonly fd: number;
  private written = 0;
  readonly total: number;

  constructor(path: string, shape: readonly number[]) {
    this.total = shape.reduce((a, b) => a * b, 1);
    const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
    const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
    // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n.
    const unpadded = 10 + dict.length + 1;
    const padded = Math.ceil(unpadded / 64) * 64;
    const header = `${dict}${" ".repeat(padded - unpadded)}\n`;
    const head = Buffer.alloc(10);
    head.write("\x93NUMPY", 0, "latin1");
    head[6] = 1;
    head[7] = 0;
    head.writeUInt16LE(header.length, 8);
    this.fd = openSync(path, "w");
    writeSync(this.fd, head);
    writeSync(this.fd, Buffer.from(header, "latin1"));
  }

  write(values: Float32Array): void {
    if (this.written + values.length > this.total)
      throw new Error("NpyWriter: more values than the shape holds");
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    if (bytes.length > 0 && new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
      throw new Error("NpyWriter: big-endian hosts are not supported");
    }
    writeSync(this.fd, bytes);
    this.written += values.length;
  }

  close(): void {
    closeSync(this.fd);
    if (this.written !== this.total) {
      throw new Error(`NpyWriter: wrote ${this.written} of ${this.total} values`);
    }
  }
}
