/**
 * A reader for the zip archives Keras 3 writes (`.keras`), made for hostile input: it reads
 * the central directory only, checks every entry against the file before a byte is
 * allocated, extracts only the entries asked for, and checks each one's CRC-32 and size.
 *
 * What it refuses, each with a coded error naming the file and the entry:
 *  - no end-of-central-directory record, or one that points outside the file;
 *  - entry names that are empty, absolute or climb out with `..`, and names given twice;
 *  - encrypted entries and methods other than stored (0) and deflate (8);
 *  - entries whose data lies outside the file or overlaps another entry's (the trick of
 *    zip bombs that reuse one compressed stream under many names);
 *  - sizes that cannot be true: a stored entry whose sizes differ, a deflated one that
 *    claims more than deflate's maximum ratio (1032:1) of its compressed size, or more
 *    than the caller's memory limit;
 *  - data that inflates past its declared size, ends short of it, or fails its CRC-32.
 *
 * ZIP64 (archives or entries past 4 GiB) is read from its end record and extra fields.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { crc32, inflateRawSync, constants as zlibConstants } from "node:zlib";
import { WeightsError } from "./errors.ts";

/** One entry of the central directory. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate. */
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of the entry's local header. */
  readonly localOffset: number;
}

/** Deflate cannot expand input by more than about 1032 times (RFC 1951's longest match per bit). */
const DEFLATE_MAX_RATIO = 1032;
const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const CHUNK = 4 << 20;

function zipError(code: string, message: string): WeightsError {
  return new WeightsError(code, message);
}

/** An opened archive; `close()` releases the file descriptor. */
export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  private readonly fd: number;
  private readonly fileSize: number;

  private constructor(
    readonly path: string,
    fd: number,
    fileSize: number,
    entries: Map<string, ZipEntry>,
  ) {
    this.fd = fd;
    this.fileSize = fileSize;
    this.entries = entries;
  }

  /** Reads and checks the central directory of `path`. */
  static open(path: string): ZipArchive {
    const fd = openSync(path, "r");
    try {
      const size = fstatSync(fd).size;
      return new ZipArchive(path, fd, size, readDirectory(path, fd, size));
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The whole entry in memory, refused when it declares more than `maxBytes`. */
  read(name: string, maxBytes: number): Buffer {
    const entry = this.entry(name);
    if (entry.size > maxBytes) {
      throw zipError(
        "ERR_GRAFT_SIZE_LIMIT",
        `${this.path}: the entry ${name} declares ${entry.size} bytes, more than the ${maxBytes} allowed for it`,
      );
    }
    const packed = Buffer.alloc(entry.compressedSize);
    readFully(this.fd, packed, this.dataOffset(entry));
    let data: Buffer;
    if (entry.method === 0) data = packed;
    else {
      try {
        data = inflateRawSync(packed, { maxOutputLength: Math.max(1, entry.size) });
      } catch (err) {
        throw this.inflateError(entry, err);
      }
    }
    this.checkEnd(entry, data.length, crc32(data));
    return data;
  }

  /**
   * Streams the entry into the open file `outFd` in chunks, so memory stays flat whatever
   * its size. `head`, when given, must match the entry's first bytes: a wrong signature
   * ends the extraction before the rest is inflated. `step` runs between chunks (a deadline).
   */
  extract(
    name: string,
    outFd: number,
    options: { head?: Buffer; step?: () => void; maxBytes?: number } = {},
  ): void {
    const entry = this.entry(name);
    if (options.maxBytes !== undefined && entry.size > options.maxBytes) {
      throw zipError(
        "ERR_GRAFT_SIZE_LIMIT",
        `${this.path}: the entry ${name} declares ${entry.size} bytes, more than the memory limit of ${options.maxBytes}`,
      );
    }
    const offset = this.dataOffset(entry);
    let written = 0;
    let crc = 0;
    // The first bytes, kept until there are enough to compare with `head`.
    let seen: Buffer | null = options.head ? Buffer.alloc(0) : null;
    const sink = (chunk: Buffer) => {
      if (chunk.length === 0) return;
      if (written + chunk.length > entry.size) {
        throw zipError(
          "ERR_GRAFT_ZIP_READ",
          `${this.path}: the entry ${name} inflates past the ${entry.size} bytes it declares`,
        );
      }
      if (seen && options.head) {
        const want = options.head;
        seen = Buffer.concat([seen, chunk.subarray(0, want.length - seen.length)]);
        if (seen.length === want.length || written + chunk.length === entry.size) {
          if (!seen.equals(want)) {
            throw zipError(
              "ERR_GRAFT_H5_OPEN",
              `${this.path}: its ${name} entry is not an HDF5 file (wrong signature)`,
            );
          }
          seen = null;
        }
      }
      crc = crc32(chunk, crc);
      writeFully(outFd, chunk);
      written += chunk.length;
      options.step?.();
    };
    if (entry.method === 0) {
      const buf = Buffer.alloc(Math.min(CHUNK, Math.max(1, entry.size)));
      for (let at = 0; at < entry.size; ) {
        const n = Math.min(buf.length, entry.size - at);
        readFully(this.fd, buf.subarray(0, n), offset + at);
        sink(buf.subarray(0, n));
        at += n;
      }
    } else {
      // Node's synchronous zlib cannot resume a stream, so the entry inflates in one call
      // with its output capped at the declared size, which the directory check bounded.
      const packed = Buffer.alloc(entry.compressedSize);
      readFully(this.fd, packed, offset);
      if (options.head) {
        // A look at the first inflated bytes first: a wrong signature (a bomb of zeros, a
        // damaged stream) ends here instead of after inflating gigabytes.
        let first: Buffer;
        try {
          first = inflateRawSync(packed.subarray(0, 1 << 16), {
            finishFlush: zlibConstants.Z_SYNC_FLUSH,
            maxOutputLength: DEFLATE_MAX_RATIO << 16,
          });
        } catch (err) {
          throw this.inflateError(entry, err);
        }
        if (first.length >= options.head.length || first.length === entry.size) {
          if (!first.subarray(0, options.head.length).equals(options.head)) {
            throw zipError(
              "ERR_GRAFT_H5_OPEN",
              `${this.path}: its ${name} entry is not an HDF5 file (wrong signature)`,
            );
          }
        }
      }
      let data: Buffer;
      try {
        data = inflateRawSync(packed, { maxOutputLength: Math.max(1, entry.size) });
      } catch (err) {
        throw this.inflateError(entry, err);
      }
      for (let at = 0; at < data.length; at += CHUNK) sink(data.subarray(at, at + CHUNK));
    }
    this.checkEnd(entry, written, crc);
  }

  private entry(name: string): ZipEntry {
    const e = this.entries.get(name);
    if (!e) throw zipError("ERR_GRAFT_ZIP_READ", `${this.path} has no entry ${name}`);
    return e;
  }

  /** Where the entry's data starts, from its local header, checked against the directory. */
  private dataOffset(entry: ZipEntry): number {
    const header = Buffer.alloc(30);
    readFully(this.fd, header, entry.localOffset);
    if (header.readUInt32LE(0) !== LOCAL) {
      throw zipError(
        "ERR_GRAFT_ZIP_READ",
        `${this.path}: the entry ${entry.name} has no local header where the directory says (offset ${entry.localOffset})`,
      );
    }
    const nameLength = header.readUInt16LE(26);
    const extraLength = header.readUInt16LE(28);
    const name = Buffer.alloc(nameLength);
    readFully(this.fd, name, entry.localOffset + 30);
    if (name.toString("utf8") !== entry.name) {
      throw zipError(
        "ERR_GRAFT_ZIP_READ",
        `${this.path}: the entry ${entry.name} is named ${JSON.stringify(name.toString("utf8"))} in its local header`,
      );
    }
    const start = entry.localOffset + 30 + nameLength + extraLength;
    if (start + entry.compressedSize > this.fileSize) {
      throw zipError(
        "ERR_GRAFT_ZIP_READ",
        `${this.path}: the entry ${entry.name} claims ${entry.compressedSize} bytes from offset ${start}, past the end of the ${this.fileSize}-byte file`,
      );
    }
    return start;
  }

  private inflateError(entry: ZipEntry, err: unknown): WeightsError {
    const e = err as { code?: string; message?: string };
    if (e.code === "ERR_BUFFER_TOO_LARGE") {
      return zipError(
        "ERR_GRAFT_ZIP_READ",
        `${this.path}: the entry ${entry.name} inflates past the ${entry.size} bytes it declares`,
      );
    }
    return zipError(
      "ERR_GRAFT_ZIP_READ",
      `${this.path}: the entry ${entry.name} does not inflate (${e.message ?? String(err)})`,
    );
  }

  private checkEnd(entry: ZipEntry, length: number, crc: number): void {
    if (length !== entry.size) {
      throw zipError(
        "ERR_GRAFT_ZIP_READ",
        `${this.path}: the entry ${entry.name} holds ${length} bytes but declares ${entry.size}`,
      );
    }
    if (crc >>> 0 !== entry.crc >>> 0) {
      throw zipError(
        "ERR_GRAFT_ZIP_CRC",
        `${this.path}: the entry ${entry.name} fails its CRC-32 check (the archive is damaged)`,
      );
    }
  }
}

function readFully(fd: number, buf: Buffer, position: number): void {
  for (let done = 0; done < buf.length; ) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) throw zipError("ERR_GRAFT_ZIP_READ", "unexpected end of file");
    done += n;
  }
}

function writeFully(fd: number, buf: Buffer): void {
  for (let done = 0; done < buf.length; ) done += writeSync(fd, buf, done, buf.length - done);
}

/** Reads, checks and indexes the central directory. */
function readDirectory(path: string, fd: number, fileSize: number): Map<string, ZipEntry> {
  const bad = (why: string) =>
    zipError("ERR_GRAFT_ZIP_READ", `${path} is not a valid .keras archive: ${why}`);
  // The end record is 22 bytes plus a comment of at most 65535.
  const tailLength = Math.min(fileSize, 22 + 65535);
  const tail = Buffer.alloc(tailLength);
  readFully(fd, tail, fileSize - tailLength);
  let at = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD && i + 22 + tail.readUInt16LE(i + 20) === tailLength) {
      at = i;
      break;
    }
  }
  if (at < 0) throw bad("no end-of-central-directory record (truncated?)");
  const eocdOffset = fileSize - tailLength + at;
  let count = tail.readUInt16LE(at + 10);
  let cdSize = tail.readUInt32LE(at + 12);
  let cdOffset = tail.readUInt32LE(at + 16);
  if (tail.readUInt16LE(at + 4) !== 0 || tail.readUInt16LE(at + 6) !== 0) {
    throw bad("it spans several disks");
  }
  let directoryEnd = eocdOffset;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locatorAt = eocdOffset - 20;
    const locator = Buffer.alloc(20);
    if (locatorAt < 0) throw bad("a ZIP64 archive without its locator");
    readFully(fd, locator, locatorAt);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw bad("a ZIP64 archive without its locator");
    const recordAt = Number(locator.readBigUInt64LE(8));
    if (recordAt + 56 > locatorAt) throw bad("its ZIP64 end record lies outside the file");
    const record = Buffer.alloc(56);
    readFully(fd, record, recordAt);
    if (record.readUInt32LE(0) !== ZIP64_EOCD) throw bad("its ZIP64 end record is missing");
    count = Number(record.readBigUInt64LE(32));
    cdSize = Number(record.readBigUInt64LE(40));
    cdOffset = Number(record.readBigUInt64LE(48));
    directoryEnd = recordAt;
  }
  if (cdOffset + cdSize > directoryEnd) {
    throw bad(
      `its central directory (${cdSize} bytes at ${cdOffset}) runs past where it must end (${directoryEnd})`,
    );
  }
  // Each directory record is at least 46 bytes: a count that cannot fit is a lie.
  if (count * 46 > cdSize) throw bad(`it claims ${count} entries in a ${cdSize}-byte directory`);
  const cd = Buffer.alloc(cdSize);
  readFully(fd, cd, cdOffset);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) {
      throw bad(`directory record ${i + 1} of ${count} is damaged`);
    }
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    let localOffset = cd.readUInt32LE(p + 42);
    const end = p + 46 + nameLength + extraLength + commentLength;
    if (end > cd.length) throw bad(`directory record ${i + 1} of ${count} runs past the directory`);
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLength);
    const name = nameBytes.toString("utf8");
    // ZIP64 extended information: the fields that overflowed, in this order.
    const extra = cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
    for (let e = 0; e + 4 <= extra.length; ) {
      const id = extra.readUInt16LE(e);
      const len = extra.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const next = () => {
          if (q + 8 > e + 4 + len || q + 8 > extra.length)
            throw bad(`the ZIP64 field of ${name} is short`);
          const v = Number(extra.readBigUInt64LE(q));
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      e += 4 + len;
    }
    const where = `${path}: the entry ${JSON.stringify(name)}`;
    if (name.length === 0 || nameBytes.includes(0))
      throw bad(`entry ${i + 1} has an empty or NUL name`);
    if (
      name.startsWith("/") ||
      name.includes("\\") ||
      /^[A-Za-z]:/.test(name) ||
      name.split("/").includes("..")
    ) {
      throw zipError(
        "ERR_GRAFT_ZIP_READ",
        `${where} has a name that leaves the archive (path traversal)`,
      );
    }
    if (entries.has(name)) {
      throw zipError("ERR_GRAFT_ZIP_READ", `${where} appears twice (a damaged or crafted archive)`);
    }
    if (flags & 0x1) throw zipError("ERR_GRAFT_ZIP_READ", `${where} is encrypted`);
    if (method !== 0 && method !== 8) {
      throw zipError(
        "ERR_GRAFT_ZIP_READ",
        `${where} uses compression method ${method}; Keras writes stored (0) or deflate (8)`,
      );
    }
    if (method === 0 && size !== compressedSize) {
      throw zipError(
        "ERR_GRAFT_ZIP_READ",
        `${where} is stored but declares ${size} bytes of data in ${compressedSize}`,
      );
    }
    if (method === 8 && size > compressedSize * DEFLATE_MAX_RATIO + 64) {
      throw zipError(
        "ERR_GRAFT_SIZE_LIMIT",
        `${where} claims to inflate ${compressedSize} bytes to ${size}, more than deflate can (a zip bomb or a damaged size)`,
      );
    }
    if (localOffset + 30 + nameLength + compressedSize > cdOffset) {
      throw zipError(
        "ERR_GRAFT_ZIP_READ",
        `${where} claims ${compressedSize} bytes at offset ${localOffset}, past the start of the central directory (${cdOffset})`,
      );
    }
    entries.set(name, { name, method, crc, compressedSize, size, localOffset });
    p = end;
  }
  // Entries must not share bytes: overlapping entries are how small archives claim gigabytes.
  const sorted = [...entries.values()].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as ZipEntry;
    const cur = sorted[i] as ZipEntry;
    if (
      prev.localOffset + 30 + Buffer.byteLength(prev.name) + prev.compressedSize >
      cur.localOffset
    ) {
      throw zipError(
        "ERR_GRAFT_ZIP_READ",
        `${path}: the entries ${prev.name} and ${cur.name} overlap (a zip bomb or a damaged directory)`,
      );
    }
  }
  return entries;
}
