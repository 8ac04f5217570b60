/**
 * The DT_NEEDED entries of a 64-bit little-endian ELF file (an x86-64 or arm64
 * .node), read without binutils, which a user's machine may not have: the CUDA
 * loader preloads exactly the libraries graft_cuda.node names.
 */
import { closeSync, openSync, readSync } from "node:fs";

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;

function readAt(fd: number, offset: number, length: number, exact = true): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, offset);
  if (exact && n !== length) throw new Error(`short read at ${offset}`);
  return buf.subarray(0, n);
}

/** The shared libraries `path` names as NEEDED, in order; throws on a file that is not ELF64 LE. */
export function elfNeeded(path: string): string[] {
  const fd = openSync(path, "r");
  try {
    const header = readAt(fd, 0, 64);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) {
      throw new Error(`${path} is not a 64-bit little-endian ELF file`);
    }
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const loads: { vaddr: bigint; offset: bigint; filesz: bigint }[] = [];
    let dynamic: { offset: number; size: number } | null = null;
    for (let i = 0; i < phnum; i++) {
      const ph = readAt(fd, phoff + i * phentsize, phentsize);
      const type = ph.readUInt32LE(0);
      const offset = ph.readBigUInt64LE(8);
      const vaddr = ph.readBigUInt64LE(16);
      const filesz = ph.readBigUInt64LE(32);
      if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
      if (type === PT_DYNAMIC) dynamic = { offset: Number(offset), size: Number(filesz) };
    }
    if (dynamic === null) return [];
    const dyn = readAt(fd, dynamic.offset, dynamic.size);
    const needed: bigint[] = [];
    let strtab: bigint | null = null;
    for (let at = 0; at + 16 <= dyn.length; at += 16) {
      const tag = dyn.readBigInt64LE(at);
      const value = dyn.readBigUInt64LE(at + 8);
      if (tag === DT_NULL) break;
      if (tag === DT_NEEDED) needed.push(value);
      if (tag === DT_STRTAB) strtab = value;
    }
    if (strtab === null) return [];
    // DT_STRTAB is an address: find the file offset through the segment that maps it.
    const seg = loads.find((l) => strtab >= l.vaddr && strtab < l.vaddr + l.filesz);
    if (seg === undefined) throw new Error(`${path}: DT_STRTAB is outside every PT_LOAD segment`);
    const base = Number(strtab - seg.vaddr + seg.offset);
    return needed.map((off) => {
      const bytes = readAt(fd, base + Number(off), 256, false);
      const end = bytes.indexOf(0);
      return bytes.subarray(0, end < 0 ? bytes.length : end).toString("latin1");
    });
  } finally {
    closeSync(fd);
  }
}
