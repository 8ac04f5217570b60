import { readFileSync, writeFileSync } from "node:fs";
import { endianness } from "node:os";

/**
 * A small, strict reader and writer for NumPy `.npy` files (format versions 1, 2 and 3),
 * for the goldens under test-fixtures/. Only little-endian, C-order arrays of the
 * dtypes below are accepted; anything else throws with the reason.
 * Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */

export type NpyDtype = "float32" | "float64" | "int32" | "int64" | "uint8" | "bool";

export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** Row-major (C order) values; bool arrays come back as 0/1 bytes. */
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

// descr type code (without byte order) -> dtype and item size
const TYPES: Record<string, { dtype: NpyDtype; size: number }> = {
  f4: { dtype: "float32", size: 4 },
  f8: { dtype: "float64", size: 8 },
  i4: { dtype: "int32", size: 4 },
  i8: { dtype: "int64", size: 8 },
  u1: { dtype: "uint8", size: 1 },
  b1: { dtype: "bool", size: 1 },
};

function fail(where: string, message: string): never {
  throw new Error(`npy ${where}: ${message}`);
}

/** Parses the bytes of a .npy file. `where` names the file in error messages. */
export function parseNpy(bytes: Uint8Array, where = "<bytes>"): NpyArray {
  if (endianness() !== "LE") fail(where, "this reader supports little-endian hosts only");
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail(where, "not a .npy file (missing \\x93NUMPY magic)");
  }
  const major = bytes[6] ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(where, "truncated header");
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    fail(where, `unsupported format version ${major}.${bytes[7] ?? 0} (expected 1, 2 or 3)`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) fail(where, "truncated header");
  // v1/v2 headers are latin1, v3 utf8; the keys we read are ASCII either way.
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(headerStart, dataStart),
  );

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    fail(where, `cannot parse header ${JSON.stringify(header.trim())}`);
  }
  if (fortran === "True") {
    fail(where, "fortran_order arrays are not supported; save with np.ascontiguousarray");
  }
  const order = descr.charAt(0);
  const type = TYPES[descr.slice(1)];
  if (!"<>|=".includes(order) || type === undefined) {
    fail(where, `unsupported dtype '${descr}' (expected <f4, <f8, <i4, <i8, |u1 or |b1)`);
  }
  if (order === ">" && type.size > 1) {
    fail(
      where,
      `big-endian dtype '${descr}' is not supported; save with .astype('<${descr.slice(1)}')`,
    );
  }

  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ""));
      if (!Number.isSafeInteger(n) || n < 0) fail(where, `bad dimension '${s}' in shape`);
      return n;
    });
  const count = shape.reduce((a, b) => a * b, 1);
  const nbytes = count * type.size;
  if (dataStart + nbytes > bytes.length) {
    fail(
      where,
      `expected ${nbytes} data bytes for shape [${shape}] ${type.dtype}, found ${bytes.length - dataStart}`,
    );
  }
  // Copy into a fresh, aligned buffer: typed arrays need offsets that are multiples of
  // the item size, and a Buffer from readFileSync gives no such promise. (Buffer#slice
  // shares memory, so copy with the Uint8Array constructor instead.)
  const buf = new Uint8Array(bytes.subarray(dataStart, dataStart + nbytes)).buffer;
  let data: NpyData;
  switch (type.dtype) {
    case "float32":
      data = new Float32Array(buf);
      break;
    case "float64":
      data = new Float64Array(buf);
      break;
    case "int32":
      data = new Int32Array(buf);
      break;
    case "int64":
      data = new BigInt64Array(buf);
      break;
    case "uint8":
    case "bool":
      data = new Uint8Array(buf);
      break;
  }
  return { dtype: type.dtype, shape, data };
}

/** Reads a .npy file. */
export function readNpy(path: string): NpyArray {
  return parseNpy(readFileSync(path), path);
}

/** Reads a float32 .npy file, throwing if it holds another dtype. */
export function readNpyFloat32(path: string): { shape: number[]; data: Float32Array } {
  const a = readNpy(path);
  if (!(a.data instanceof Float32Array)) fail(path, `expected float32, found ${a.dtype}`);
  return { shape: a.shape, data: a.data };
}

/** The bytes of a version 1.0 .npy file holding `data` (float32, C order) with `shape`. */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new Error(`npy: expected non-negative integer dimensions but received [${shape}]`);
    }
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new Error(`npy: shape [${shape}] holds ${count} values but data has ${data.length}`);
  }
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // numpy pads with spaces and ends with \n so that the data starts on a 64-byte boundary.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = `${header.padEnd(total - 10 - 1, " ")}\n`;
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

/** Writes `data` (float32, C order) with `shape` as a version 1.0 .npy file. */
export function writeNpy(path: string, data: Float32Array, shape: readonly number[]): void {
  writeFileSync(path, encodeNpy(data, shape));
}
