/** Seeded mutations of Keras files: HDF5 bytes and .keras (zip) archives. */

/** mulberry32: a small seeded generator, enough to make a case reproducible from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const H5_KINDS = ["truncate", "flip-header", "flip-data", "zero-block", "inflate-length"] as const;
const ZIP_KINDS = [
  "truncate",
  "flip-entry",
  "bad-crc",
  "central-directory",
  "local-sizes",
  "path-traversal",
  "duplicate-entry",
] as const;

/** One mutant of `original` and the name of the mutation, chosen and placed by `seed`. */
export function mutate(
  original: Buffer,
  isZip: boolean,
  seed: number,
): { bytes: Buffer; kind: string } {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const b = Buffer.from(original);
  const kinds = isZip ? ZIP_KINDS : H5_KINDS;
  const kind = kinds[int(kinds.length)] as string;
  switch (kind) {
    case "truncate":
      return { bytes: b.subarray(0, int(b.length)), kind };
    case "flip-header": {
      for (let i = 0; i < 1 + int(8); i++) b[int(Math.min(2048, b.length))] ^= 1 << int(8);
      return { bytes: b, kind };
    }
    case "flip-data":
    case "flip-entry": {
      for (let i = 0; i < 1 + int(16); i++) b[int(b.length)] ^= 1 << int(8);
      return { bytes: b, kind };
    }
    case "zero-block": {
      const at = int(b.length);
      b.fill(0, at, Math.min(b.length, at + 512));
      return { bytes: b, kind };
    }
    case "inflate-length": {
      // An 8-byte little-endian field somewhere in the metadata made huge.
      const at = int(Math.max(1, Math.min(b.length, 4096) - 8));
      b.writeBigUInt64LE(0xffff_ffffn << BigInt(int(32)), at);
      return { bytes: b, kind };
    }
  }
  // Zip structures: local headers "PK\x03\x04", central directory "PK\x01\x02", end "PK\x05\x06".
  const offsets = (sig: number) => {
    const out: number[] = [];
    for (let i = 0; i + 4 <= b.length; i++) if (b.readUInt32LE(i) === sig) out.push(i);
    return out;
  };
  const locals = offsets(0x04034b50);
  const central = offsets(0x02014b50);
  const pick = (xs: number[]) => xs[int(xs.length)] ?? 0;
  switch (kind) {
    case "bad-crc": {
      const at = pick(locals);
      b.writeUInt32LE((b.readUInt32LE(at + 14) ^ (1 + int(0xffff))) >>> 0, at + 14);
      const c = pick(central);
      b.writeUInt32LE((b.readUInt32LE(c + 16) ^ (1 + int(0xffff))) >>> 0, c + 16);
      return { bytes: b, kind };
    }
    case "central-directory": {
      const c = pick(central);
      for (let i = 0; i < 4; i++) b[c + 4 + int(42)] ^= 1 << int(8);
      return { bytes: b, kind };
    }
    case "local-sizes": {
      const at = pick(locals);
      // compressed or uncompressed size claimed far larger than the file.
      b.writeUInt32LE(0x7fff_ffff - int(1000), at + (r() < 0.5 ? 18 : 22));
      const c = pick(central);
      b.writeUInt32LE(0x7fff_ffff - int(1000), c + (r() < 0.5 ? 20 : 24));
      return { bytes: b, kind };
    }
    case "path-traversal":
    case "duplicate-entry": {
      // Rename an entry (same length, so offsets hold) to "../x…" or to another entry's name.
      const c = pick(central);
      const n = b.readUInt16LE(c + 28);
      const name = c + 46;
      if (kind === "path-traversal") {
        const evil = `../${"x".repeat(Math.max(0, n - 3))}`.slice(0, n);
        b.write(evil, name, "latin1");
      } else {
        const other = central.find((o) => o !== c && b.readUInt16LE(o + 28) === n);
        if (other !== undefined) b.copy(b, name, other + 46, other + 46 + n);
        else b.write("model.weights.h5".padEnd(n, "_").slice(0, n), name, "latin1");
      }
      return { bytes: b, kind };
    }
  }
  return { bytes: b, kind };
}
