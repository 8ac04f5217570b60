import { EXTRA_FORMATS, type ExtraFormat, listDirectory } from "@graft/data";
import { oneOf, parse } from "../args.ts";
import { CliError, UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { userPath } from "../paths.ts";
import { warnOnce } from "./common.ts";

export const dataHelp = `Usage:
  graft data inspect DIR [--validation-split X --subset training|validation] [--classes a,b]
                         [--follow-links] [--include-hidden] [--extra-formats webp,gif]
                         [--verify header|decode|none] [--json]
      Lists DIR as Keras' flow_from_directory would: classes are the sorted subfolders
      (or --classes, in that order), files are walked in Keras' order, and with
      --validation-split the first int(X·n) files of each class are the validation subset.
      --json prints {"class_indices", "filenames", "classes", "samples"} (Keras' names,
      filenames relative to DIR with "/"), plus "skipped" (files that are not readable
      images) and "warnings". Dot-folders such as .ipynb_checkpoints are skipped with a
      warning unless --include-hidden (Keras makes them a class).`;

export async function dataCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    io.out(dataHelp);
    return sub === undefined ? 2 : 0;
  }
  if (sub === "inspect") return inspect(rest, io);
  throw new UsageError(`data: unknown subcommand '${sub}' (expected inspect)`);
}

/** "0.2" → 0.2, checked: "Expected a number in (0, 1) for --validation-split but received '2'". */
export function fraction(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0 && n < 1))
    throw new UsageError(`Expected a number in (0, 1) for ${flag} but received '${value}'`);
  return n;
}

export function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

async function inspect(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      "validation-split": { type: "string" },
      subset: { type: "string" },
      classes: { type: "string" },
      "follow-links": { type: "boolean" },
      "include-hidden": { type: "boolean" },
      "extra-formats": { type: "string" },
      verify: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    "data inspect",
  );
  if (values.help) {
    io.out(dataHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("data inspect: expected exactly one DIR");
  const split = fraction(values["validation-split"], "--validation-split");
  const subset = oneOf(values.subset, "--subset", ["training", "validation"] as const);
  if (subset && split === undefined)
    throw new UsageError("data inspect: --subset needs --validation-split");
  const extra = list(values["extra-formats"]) ?? [];
  for (const f of extra) oneOf(f, "--extra-formats", EXTRA_FORMATS);
  const verify = oneOf(values.verify, "--verify", ["header", "decode", "none"] as const);
  const dir = userPath(positionals[0] as string, io.env);
  const classes = list(values.classes);
  let listing: Awaited<ReturnType<typeof listDirectory>>;
  try {
    listing = await listDirectory(dir, {
      ...(classes ? { classes } : {}),
      ...(split !== undefined ? { validationSplit: split } : {}),
      ...(subset ? { subset } : {}),
      followLinks: values["follow-links"] ?? false,
      includeHidden: values["include-hidden"] ?? false,
      extraFormats: extra as ExtraFormat[],
      ...(verify ? { verify } : {}),
      warn: warnOnce(io),
    });
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_GRAFT_DATA")
      throw new CliError((err as Error).message);
    throw err;
  }
  if (values.json) {
    io.out(
      JSON.stringify({
        class_indices: listing.classIndices,
        filenames: listing.filenames,
        classes: Array.from(listing.classes),
        samples: listing.samples,
        skipped: listing.skipped,
        warnings: listing.warnings,
      }),
    );
    return 0;
  }
  const names = Object.keys(listing.classIndices);
  io.out(`Found ${listing.samples} images belonging to ${names.length} classes.`);
  const counts = new Map<number, number>();
  for (const c of listing.classes) counts.set(c, (counts.get(c) ?? 0) + 1);
  const width = Math.max(5, ...names.map((n) => n.length));
  io.out(`${"class".padEnd(width)}  index  images`);
  for (const n of names) {
    const i = listing.classIndices[n] as number;
    io.out(
      `${n.padEnd(width)}  ${String(i).padStart(5)}  ${String(counts.get(i) ?? 0).padStart(6)}`,
    );
  }
  if (listing.skipped.length > 0) {
    io.out(`Skipped ${listing.skipped.length} file${listing.skipped.length > 1 ? "s" : ""}:`);
    for (const s of listing.skipped) io.out(`  ${s.filename}: ${s.reason}`);
  }
  return 0;
}
