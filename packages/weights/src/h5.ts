/**
 * Thin, checked layer over h5wasm. h5wasm prints HDF5 diagnostics and returns
 * null where h5py would raise, so every call that can fail is checked here and
 * turned into a WeightsError that names the file and the object.
 */

import fs from "node:fs";
import type { Attribute, Dataset, Group, File as H5File } from "h5wasm/node";
import h5wasm from "h5wasm/node";
import { WeightsError } from "./errors.ts";
import { guardH5Reads } from "./h5-guard.mjs";

let ready: Promise<unknown> | undefined;

/** Resolves once the HDF5 wasm module is initialised (idempotent). */
export function h5Ready(): Promise<unknown> {
  ready ??= h5wasm.ready.then((module) => guardH5Reads(module));
  return ready;
}

export type { Dataset, Group, H5File };

/**
 * Runs synchronous HDF5 calls with HDF5's diagnostic printing held back: h5wasm
 * writes HDF5-DIAG stacks (hundreds of lines) to fd 2 through `fs.writeSync`,
 * and a failed write often shows only there. Returns what HDF5 printed.
 */
export function hdf5Quietly<T>(f: () => T): { value: T; diagnostics: string } {
  const held: string[] = [];
  const original = fs.writeSync;
  const patched = ((fd: number, buf: unknown, ...rest: unknown[]) => {
    if (fd !== 2) return (original as (...a: unknown[]) => number)(fd, buf, ...rest);
    if (typeof buf === "string") {
      held.push(buf);
      return Buffer.byteLength(buf);
    }
    const view = buf as ArrayBufferView;
    const offset = typeof rest[0] === "number" ? rest[0] : 0;
    const length = typeof rest[1] === "number" ? rest[1] : view.byteLength - offset;
    held.push(Buffer.from(view.buffer, view.byteOffset + offset, length).toString("utf8"));
    return length;
  }) as typeof fs.writeSync;
  fs.writeSync = patched;
  try {
    return { value: f(), diagnostics: held.join("") };
  } catch (err) {
    // What HDF5 printed before the throw (h5-guard's failed reads): the caller's reason.
    if (err !== null && typeof err === "object" && !("diagnostics" in err))
      Object.assign(err, { diagnostics: held.join("") });
    throw err;
  } finally {
    fs.writeSync = original;
  }
}

/**
 * What went wrong, when HDF5 printed an error stack: the innermost frame's text (`bad symbol
 * table node signature`), else the outermost, else null. h5wasm answers some failed calls
 * (a group listing over a damaged symbol table) with an empty result instead of an error, so
 * the stack is the only sign that a read was incomplete.
 */
export function hdf5Failure(diagnostics: string): string | null {
  if (!diagnostics.includes("HDF5-DIAG")) return null;
  const frames = [...diagnostics.matchAll(/#\d+: .*? in [^\s(]+\(\)(?:: (.+))?/g)]
    .map((m) => m[1]?.trim())
    .filter((t): t is string => Boolean(t));
  return frames.at(-1) ?? "HDF5 reported an error";
}

const ERRNO_TEXT: [RegExp, string][] = [
  [/No space left on device/i, "ENOSPC"],
  [/Disk quota exceeded/i, "EDQUOT"],
  [/Read-only file system/i, "EROFS"],
  [/Permission denied/i, "EACCES"],
  [/File too large/i, "EFBIG"],
  [/Input\/output error/i, "EIO"],
];

/** The system cause an HDF5 diagnostic names (`error message = 'No space left on device'`), if any. */
export function hdf5Cause(
  diagnostics: string,
): { reason: string; errno: string | undefined } | null {
  const m = /error message = '([^']+)'/.exec(diagnostics);
  const text = m?.[1];
  if (text) {
    const errno = ERRNO_TEXT.find(([re]) => re.test(text))?.[1];
    return { reason: errno ? `${text.toLowerCase()} (${errno})` : text, errno };
  }
  const minor = /minor: (.+)/.exec(diagnostics)?.[1]?.trim();
  return minor ? { reason: `HDF5: ${minor.toLowerCase()}`, errno: undefined } : null;
}

/**
 * What a read of an opened file may claim: a dataset or attribute larger than `maxBytes`,
 * or one stored contiguously that is larger than the file, is refused before h5wasm
 * allocates it (an inflated length in a damaged header otherwise asks for gigabytes).
 */
export interface ReadBounds {
  readonly path: string;
  readonly fileSize: number;
  readonly maxBytes: number;
}

/** Bounds of the files opened for reading, by HDF5 file id (ids are reused after close). */
const boundsById = new Map<bigint, ReadBounds>();

function boundsOf(obj: { file_id: bigint }): ReadBounds | undefined {
  return boundsById.get(obj.file_id);
}

/** Refuses a read whose claimed size the file cannot hold or the memory limit forbids. */
function checkClaim(
  obj: { file_id: bigint },
  meta: { size: number; total_size: number; vlen?: boolean; chunks?: number[] | null },
  what: string,
): void {
  const bounds = boundsOf(obj);
  if (!bounds) return;
  const elements = Number(meta.total_size);
  const bytes = elements * Math.max(1, Number(meta.size));
  if (!Number.isFinite(bytes) || bytes > bounds.maxBytes) {
    throw new WeightsError(
      "ERR_GRAFT_SIZE_LIMIT",
      `${bounds.path}: ${what} claims ${bytes} bytes, more than the memory limit of ${bounds.maxBytes} (a damaged size?)`,
    );
  }
  // Uncompressed data lives in the file: it cannot be larger than the file. Variable-length
  // strings need at least one byte each; chunked data may be compressed, so only the limit applies.
  const stored = meta.vlen ? elements : bytes;
  if (!meta.chunks && stored > bounds.fileSize) {
    throw new WeightsError(
      "ERR_GRAFT_SIZE_LIMIT",
      `${bounds.path}: ${what} claims ${stored} bytes, more than the whole ${bounds.fileSize}-byte file holds (a damaged size)`,
    );
  }
}

export async function openH5(
  path: string,
  mode: "r" | "w" = "r",
  bounds?: ReadBounds,
): Promise<H5File> {
  await h5Ready();
  let file: H5File;
  let diagnostics = "";
  try {
    ({ value: file, diagnostics } = hdf5Quietly(() => new h5wasm.File(path, mode)));
  } catch (err) {
    throw new WeightsError(
      "ERR_GRAFT_H5_OPEN",
      `Cannot open ${path} as HDF5${mode === "w" ? " for writing" : ""}: ${(err as Error).message}`,
    );
  }
  // h5wasm reports a failed open through a negative file id rather than an exception.
  if ((file as unknown as { file_id: bigint }).file_id < 0n) {
    const cause = hdf5Cause(diagnostics);
    throw new WeightsError(
      "ERR_GRAFT_H5_OPEN",
      `Cannot open ${path} as HDF5${cause ? `: ${cause.reason}` : ""}`,
    );
  }
  const id = (file as unknown as { file_id: bigint }).file_id;
  if (bounds && mode === "r") boundsById.set(id, bounds);
  else boundsById.delete(id);
  return file;
}

export function isGroup(x: unknown): x is Group {
  return x instanceof h5wasm.Group;
}

export function isDataset(x: unknown): x is Dataset {
  return x instanceof h5wasm.Dataset;
}

/** Child group or null when it does not exist or is not a group. */
export function childGroup(parent: Group, name: string): Group | null {
  const entity = parent.keys().includes(name) ? parent.get(name) : null;
  return isGroup(entity) ? entity : null;
}

/** Dataset at a path below `parent`, or null. */
export function childDataset(parent: Group, path: string): Dataset | null {
  let entity: unknown;
  try {
    entity = parent.get(path);
  } catch {
    return null;
  }
  return isDataset(entity) ? entity : null;
}

export function attrNames(obj: Group | Dataset): string[] {
  return Object.keys(obj.attrs);
}

/**
 * A string-list attribute as Keras stores it: fixed-length NUL-padded bytes
 * (h5py 2), variable-length strings (h5py 3), a scalar string, or an empty
 * float64 array for an empty list.
 */
export function readStringList(obj: Group | Dataset, name: string): string[] | null {
  const attr: Attribute | undefined = obj.attrs[name];
  if (attr === undefined) return null;
  checkClaim(obj as never, attr.metadata, `the attribute ${name} of ${obj.path}`);
  const value = attr.value;
  return toStringList(value);
}

function toStringList(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === "string") return [stripNul(value)];
  if (Array.isArray(value)) return value.map((v) => stripNul(decodeOne(v)));
  if (ArrayBuffer.isView(value)) {
    // An empty list is stored as float64[0]; a bytes array may come back as Uint8Array.
    if ((value as unknown as ArrayLike<number>).length === 0) return [];
    if (value instanceof Uint8Array) return [stripNul(new TextDecoder().decode(value))];
  }
  return [stripNul(String(value))];
}

function decodeOne(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

function stripNul(s: string): string {
  const i = s.indexOf("\0");
  return i === -1 ? s : s.slice(0, i);
}

/**
 * Keras splits string-list attributes over 64 KB into `name0`, `name1`, …;
 * read the whole list either way.
 */
export function readChunkedStringList(obj: Group, name: string): string[] | null {
  const whole = readStringList(obj, name);
  if (whole !== null) return whole;
  const out: string[] = [];
  let found = false;
  for (let i = 0; ; i++) {
    const part = readStringList(obj, `${name}${i}`);
    if (part === null) break;
    found = true;
    out.push(...part);
  }
  return found ? out : null;
}

/** A scalar string attribute (keras_version, backend, model_config…), or null. */
export function readStringAttr(obj: Group | Dataset, name: string): string | null {
  const attr = obj.attrs[name];
  if (attr === undefined) return null;
  checkClaim(obj as never, attr.metadata, `the attribute ${name} of ${obj.path}`);
  const v = attr.value;
  if (typeof v === "string") return stripNul(v);
  if (v instanceof Uint8Array) return stripNul(new TextDecoder().decode(v));
  if (Array.isArray(v) && v.length === 1) return stripNul(decodeOne(v[0]));
  return v === null ? null : String(v);
}

/** Dataset contents as float32, whatever float or int type the file used. */
export function readFloat32(ds: Dataset, where: string): Float32Array {
  checkClaim(ds as never, ds.metadata, `the dataset ${ds.path}`);
  const value = ds.value;
  if (value instanceof Float32Array) return value;
  const dtypeAttr = ds.attrs.dtype ? readStringAttr(ds, "dtype") : null;
  if (dtypeAttr === "bfloat16" && value instanceof Uint16Array) {
    const out = new Float32Array(value.length);
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < value.length; i++) u32[i] = (value[i] as number) << 16;
    return out;
  }
  if (
    value instanceof Float64Array ||
    value instanceof Int32Array ||
    value instanceof Uint8Array ||
    value instanceof Int8Array ||
    value instanceof Int16Array ||
    value instanceof Uint16Array ||
    value instanceof Uint32Array
  ) {
    return Float32Array.from(value);
  }
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) {
    return Float32Array.from(value, (b) => Number(b));
  }
  if (typeof value === "number") return Float32Array.of(value);
  // A scalar int64 (Keras' Normalization count) reads as a bigint.
  if (typeof value === "bigint") return Float32Array.of(Number(value));
  throw new WeightsError(
    "ERR_GRAFT_H5_DTYPE",
    `Unsupported dtype ${JSON.stringify(ds.dtype)} for weight ${where}`,
  );
}

/** Create a group and fail loudly where h5wasm would return null. */
export function mustCreateGroup(parent: Group, name: string, where: string): Group {
  let g: Group | null;
  try {
    g = parent.create_group(name);
  } catch (err) {
    throw new WeightsError(
      "ERR_GRAFT_H5_WRITE",
      `Cannot create group ${name} in ${where}: ${(err as Error).message}`,
    );
  }
  if (!g) throw new WeightsError("ERR_GRAFT_H5_WRITE", `Cannot create group ${name} in ${where}`);
  return g;
}

export function mustCreateDataset(
  parent: Group,
  name: string,
  data: Float32Array,
  shape: number[],
  where: string,
): Dataset {
  let d: Dataset | null;
  try {
    d = parent.create_dataset({ name, data, shape, dtype: "<f" });
  } catch (err) {
    throw new WeightsError(
      "ERR_GRAFT_H5_WRITE",
      `Cannot write dataset ${name} in ${where}: ${(err as Error).message}`,
    );
  }
  if (!d) throw new WeightsError("ERR_GRAFT_H5_WRITE", `Cannot write dataset ${name} in ${where}`);
  return d;
}

/** A list of strings as a vlen string attribute; an empty list as float64[0], as Keras writes it. */
export function writeStringList(obj: Group | Dataset, name: string, list: string[]): void {
  try {
    if (list.length === 0) obj.create_attribute(name, new Float64Array(0), [0], "<d");
    else obj.create_attribute(name, list, [list.length]);
  } catch (err) {
    throw new WeightsError(
      "ERR_GRAFT_H5_WRITE",
      `Cannot write attribute ${name}: ${(err as Error).message}`,
    );
  }
}

export function writeStringAttr(obj: Group | Dataset, name: string, value: string): void {
  try {
    obj.create_attribute(name, value);
  } catch (err) {
    throw new WeightsError(
      "ERR_GRAFT_H5_WRITE",
      `Cannot write attribute ${name}: ${(err as Error).message}`,
    );
  }
}
