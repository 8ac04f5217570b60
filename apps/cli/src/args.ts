import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs in strict mode, with its errors turned into one-line usage errors. */
export function parse<O extends Options>(
  argv: string[],
  options: O,
  command: string,
): ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(
      `${command}: ${(err as Error).message.split("\n")[0]} (see graft ${command} --help)`,
    );
  }
}

/** A positive integer flag: "Expected a positive integer for --input-size but received 'abc'". */
export function positiveInt(
  value: string | undefined,
  flag: string,
  fallback?: number,
): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`Expected a positive integer for ${flag} but received '${value}'`);
  }
  return n;
}

export function nonNegativeInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new UsageError(`Expected a non-negative integer for ${flag} but received '${value}'`);
  }
  return n;
}

export function oneOf<T extends string>(
  value: string | undefined,
  flag: string,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(
      `Expected one of ${allowed.join(", ")} for ${flag} but received '${value}'`,
    );
  }
  return value as T;
}

/** --block-filters "8,16,32,64,64": the conv widths of a narrow VGG-shaped base, or null when absent. */
export function blockFilters(
  value: string | undefined,
): [number, number, number, number, number] | null {
  if (value === undefined) return null;
  const list = value.split(",").map(Number);
  if (list.length !== 5 || !list.every((n) => Number.isInteger(n) && n > 0)) {
    throw new UsageError(
      `Expected 5 positive integers for --block-filters but received '${value}'`,
    );
  }
  return list as [number, number, number, number, number];
}
