/**
 * An independent PNG reader for the tests: walks the chunks, checks every CRC with
 * node:zlib's crc32 (not ours), inflates IDAT and undoes all five scanline filters.
 * Only what encodePng writes is supported: 8-bit, colour types 0/2/6, no interlace.
 */
import { crc32, inflateSync } from "node:zlib";

export interface PngChunk {
  type: string;
  data: Buffer;
}

export interface DecodedPng {
  width: number;
  height: number;
  channels: number;
  pixels: Uint8Array;
  chunks: PngChunk[];
  /** The filter type byte of each scanline. */
  filters: number[];
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function readChunks(png: Uint8Array): PngChunk[] {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (!buf.subarray(0, 8).equals(SIGNATURE)) throw new Error("bad PNG signature");
  const chunks: PngChunk[] = [];
  let off = 8;
  while (off < buf.length) {
    if (off + 12 > buf.length) throw new Error(`truncated chunk header at ${off}`);
    const length = buf.readUInt32BE(off);
    const type = buf.toString("latin1", off + 4, off + 8);
    const end = off + 12 + length;
    if (end > buf.length) throw new Error(`chunk ${type} runs past the end`);
    const data = buf.subarray(off + 8, off + 8 + length);
    const expected = buf.readUInt32BE(off + 8 + length);
    const actual = crc32(buf.subarray(off + 4, off + 8 + length));
    if (actual !== expected) throw new Error(`CRC mismatch in ${type}: ${actual} != ${expected}`);
    chunks.push({ type, data });
    off = end;
  }
  return chunks;
}

export function decodePng(png: Uint8Array): DecodedPng {
  const chunks = readChunks(png);
  const types = chunks.map((c) => c.type);
  if (types[0] !== "IHDR" || types.at(-1) !== "IEND") {
    throw new Error(`chunk order ${types.join(",")}`);
  }
  const ihdr = chunks[0]!.data;
  if (ihdr.length !== 13) throw new Error("IHDR length");
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const [depth, colorType, compression, filterMethod, interlace] = ihdr.subarray(8);
  if (depth !== 8 || compression !== 0 || filterMethod !== 0 || interlace !== 0) {
    throw new Error("unsupported IHDR");
  }
  const channels = colorType === 0 ? 1 : colorType === 2 ? 3 : colorType === 6 ? 4 : 0;
  if (channels === 0) throw new Error(`colour type ${colorType}`);
  const raw = inflateSync(
    Buffer.concat(chunks.filter((c) => c.type === "IDAT").map((c) => c.data)),
  );
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error("IDAT size");
  const pixels = new Uint8Array(height * stride);
  const filters: number[] = [];
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)]!;
    filters.push(type);
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= channels ? pixels[y * stride + i - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      const c = i >= channels && y > 0 ? pixels[(y - 1) * stride + i - channels]! : 0;
      let pred: number;
      switch (type) {
        case 0:
          pred = 0;
          break;
        case 1:
          pred = a;
          break;
        case 2:
          pred = b;
          break;
        case 3:
          pred = Math.floor((a + b) / 2);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`filter type ${type} on row ${y}`);
      }
      pixels[y * stride + i] = (x + pred) & 0xff;
    }
  }
  return { width, height, channels, pixels, chunks, filters };
}
