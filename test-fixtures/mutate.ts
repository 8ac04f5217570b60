/** Seeded mutations of Keras files: HDF5 bytes and .keras (zip) archives. */
import { crc32, deflateRawSync } from "node:zlib";

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
  "nested-config",
  "huge-config",
  "zip-bomb",
] as const;

/** A zip archive of `entries` (name, data, stored or deflated), as a plain writer makes it. */
export function writeZip(entries: { name: string; data: Buffer; deflate?: boolean }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const packed = e.deflate ? deflateRawSync(e.data) : e.data;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(e.data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    local.copy(dir, 8, 6, 30); // flags, method, time, date, crc, sizes, name length
    dir.writeUInt32LE(offset, 42);
    parts.push(local, name, packed);
    central.push(dir, name);
    offset += 30 + name.length + packed.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}

/** The entries of a stored (uncompressed) archive such as Keras writes, by its directory. */
export function storedEntries(zip: Buffer): { name: string; data: Buffer }[] {
  const out: { name: string; data: Buffer }[] = [];
  const endAt = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let p = zip.readUInt32LE(endAt + 16);
  for (let i = 0; i < zip.readUInt16LE(endAt + 10); i++) {
    const n = zip.readUInt16LE(p + 28);
    const size = zip.readUInt32LE(p + 20);
    const local = zip.readUInt32LE(p + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    out.push({
      name: zip.toString("utf8", p + 46, p + 46 + n),
      data: zip.subarray(start, start + size),
    });
    p += 46 + n + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return out;
}

let bomb: Buffer | undefined;

function flip(b: Buffer, at: number, bit: number): void {
  if (at < b.length) b.writeUInt8((b.readUInt8(at) ^ (1 << bit)) & 0xff, at);
}

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
      for (let i = 0; i < 1 + int(8); i++) flip(b, int(Math.min(2048, b.length)), int(8));
      return { bytes: b, kind };
    }
    case "flip-data":
    case "flip-entry": {
      for (let i = 0; i < 1 + int(16); i++) flip(b, int(b.length), int(8));
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
    case "nested-config": {
      // config.json nested far deeper than any model, as arrays or objects.
      const depth = 1000 + int(200_000);
      const json =
        r() < 0.5
          ? `${"[".repeat(depth)}${"]".repeat(depth)}`
          : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
      const entries = storedEntries(b).map((e) =>
        e.name === "config.json" ? { ...e, data: Buffer.from(json) } : e,
      );
      return { bytes: writeZip(entries), kind };
    }
    case "huge-config": {
      // A config.json of 65 to 80 MB: a long string inside a valid document.
      const entries = storedEntries(b).map((e) =>
        e.name === "config.json"
          ? {
              ...e,
              data: Buffer.from(`{"pad":"${"x".repeat((65 << 20) + int(15 << 20))}"}`),
              deflate: true,
            }
          : e,
      );
      return { bytes: writeZip(entries), kind };
    }
    case "zip-bomb": {
      // model.weights.h5 as 1 GiB of zeros deflated to about a megabyte.
      bomb ??= deflateRawSync(Buffer.alloc(1 << 30));
      const entries = storedEntries(b).filter((e) => e.name !== "model.weights.h5");
      const zip = writeZip([...entries, { name: "model.weights.h5", data: Buffer.alloc(0) }]);
      // Patch the last entry to the precomputed stream: sizes, CRC of 1 GiB of zeros.
      return { bytes: withBomb(zip, bomb), kind };
    }
    case "bad-crc": {
      const at = pick(locals);
      b.writeUInt32LE((b.readUInt32LE(at + 14) ^ (1 + int(0xffff))) >>> 0, at + 14);
      const c = pick(central);
      b.writeUInt32LE((b.readUInt32LE(c + 16) ^ (1 + int(0xffff))) >>> 0, c + 16);
      return { bytes: b, kind };
    }
    case "central-directory": {
      const c = pick(central);
      for (let i = 0; i < 4; i++) flip(b, c + 4 + int(42), int(8));
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

/** Replaces the (empty) last entry of `zip` with `packed`, declared as 1 GiB of zeros. */
function withBomb(zip: Buffer, packed: Buffer): Buffer {
  const endAt = zip.length - 22;
  const cdOffset = zip.readUInt32LE(endAt + 16);
  const count = zip.readUInt16LE(endAt + 10);
  let p = cdOffset;
  for (let i = 0; i < count - 1; i++)
    p += 46 + zip.readUInt16LE(p + 28) + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  const local = zip.readUInt32LE(p + 42);
  const nameLength = zip.readUInt16LE(local + 26);
  const head = Buffer.from(zip.subarray(0, local + 30 + nameLength));
  const dir = Buffer.from(zip.subarray(cdOffset, endAt));
  const crc = zerosCrc();
  for (const [buf, at] of [
    [head, local + 8],
    [dir, p - cdOffset + 10],
  ] as const) {
    buf.writeUInt16LE(8, at);
    buf.writeUInt32LE(crc, at + 6);
    buf.writeUInt32LE(packed.length, at + 10);
    buf.writeUInt32LE(1 << 30, at + 14);
  }
  const end = Buffer.from(zip.subarray(endAt));
  end.writeUInt32LE(head.length + packed.length, 16);
  return Buffer.concat([head, packed, dir, end]);
}

let zeros: number | undefined;
function zerosCrc(): number {
  zeros ??= crc32(Buffer.alloc(1 << 30));
  return zeros;
}
