/**
 * Holding an addon to ts/common/boundary.ts, and packing the parameter blocks it
 * describes. Both loaders call `boundaryMismatch` on the addon they load: a binary
 * built from another src/boundary.h is refused with the first differences, never run
 * with codes that mean something else on the other side.
 */
import { BOUNDARY } from "./boundary.ts";

type Table = Readonly<Record<string, number>>;

/**
 * How an addon's `boundary` export differs from ts/common/boundary.ts (at most a few
 * differences, then a count), or null when every table and entry agrees.
 */
export function boundaryMismatch(exported: unknown): string | null {
  if (exported === null || typeof exported !== "object" || Array.isArray(exported)) {
    return "it exports no `boundary` table (built before src/boundary.h existed)";
  }
  const theirs = exported as Record<string, unknown>;
  const diffs: string[] = [];
  const ours = BOUNDARY as unknown as Record<string, Table | number>;
  for (const [name, table] of Object.entries(ours)) {
    const other = theirs[name];
    if (typeof table === "number") {
      if (other !== table) diffs.push(`${name} is ${String(other)} there, ${table} here`);
      continue;
    }
    if (other === null || typeof other !== "object") {
      diffs.push(`no ${name}`);
      continue;
    }
    const o = other as Record<string, unknown>;
    for (const [key, value] of Object.entries(table)) {
      if (o[key] !== value) diffs.push(`${name}.${key} is ${String(o[key])} there, ${value} here`);
    }
    for (const key of Object.keys(o)) {
      if (!(key in table)) diffs.push(`${name}.${key} (${String(o[key])}) is unknown here`);
    }
  }
  for (const name of Object.keys(theirs)) {
    if (!(name in ours)) diffs.push(`table ${name} is unknown here`);
  }
  if (diffs.length === 0) return null;
  const shown = diffs.slice(0, 4).join("; ");
  return diffs.length > 4 ? `${shown}; and ${diffs.length - 4} more` : shown;
}

/**
 * An Int32Array laid out as `layout` (CONV_PARAMS, POOL_PARAMS, MATMUL_PARAMS): every
 * field is required, so a field added to the header is a type error here until filled.
 */
export function packParams<L extends Table>(
  layout: L,
  values: { [K in keyof L]: number },
): Int32Array {
  const keys = Object.keys(layout);
  const p = new Int32Array(keys.length);
  for (const key of keys) p[layout[key] as number] = values[key] as number;
  return p;
}

/**
 * A variable block (CUDA_BINARY_BLOCK / CUDA_STRIDED_BLOCK): its fixed fields, then one
 * rank-long array per entry of `arrays`, in the header's order.
 */
export function packBlock<F extends Table, A extends Table>(
  fixed: F,
  fields: { [K in keyof F]: number },
  arrays: A,
  values: { [K in keyof A]: readonly number[] },
  rank: number,
): Int32Array {
  const head = Object.keys(fixed).length;
  const p = new Int32Array(head + Object.keys(arrays).length * rank);
  for (const key of Object.keys(fixed)) p[fixed[key] as number] = fields[key] as number;
  for (const key of Object.keys(arrays)) {
    const v = values[key] as readonly number[];
    if (v.length !== rank)
      throw new Error(`packBlock: ${key} has ${v.length} entries, rank ${rank}`);
    p.set(v, head + (arrays[key] as number) * rank);
  }
  return p;
}

/** The code `name` has in `table` (ACTIVATIONS, CUDA_UNARY_OPS, ...), or undefined. */
export function codeOf(table: Table, name: string): number | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
