/**
 * `flow_from_directory`'s listing (Keras `DirectoryIterator.__init__`,
 * `_list_valid_filenames_in_directory`, `_iter_valid_files`):
 *
 * - classes: `sorted(os.listdir(dir))` kept if `isdir` (symlinks followed), in
 *   code-point order, or the `classes` list as given; class_indices = position;
 * - files: each class folder is walked with `os.walk(followlinks=followLinks)`; the
 *   walked folders are sorted by their full path *as strings* (so `sub-b` comes
 *   before `sub/deeper`, since "-" < "/"), and each folder's files are sorted;
 * - a file is kept when its lower-cased name ends with one of the extensions, with
 *   no dot required (Keras' `endswith`, so `weirdjpg` counts);
 * - validation_split: per class, `validation` is files[0 : int(split·n)] and
 *   `training` is files[int(split·n) : n];
 * - filenames are `<class>/<path relative to the class folder>`, with "/".
 *
 * Where graft departs, on purpose and loudly: dot-folders (`.ipynb_checkpoints`)
 * are skipped with a warning unless `includeHidden`; a class folder with no image,
 * a missing class folder, or a directory without any image is an error; files that
 * are not readable images (checked from their headers) are skipped with a warning,
 * or raise with `onInvalid: "error"`; GIF and WebP files, which Keras leaves out
 * without a word, are left out with one warning unless `extraFormats` lists them (an
 * animated file then decodes to its first frame, as Pillow opens it).
 */
import { type Dirent, readdirSync, realpathSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { isBmp, isPnm } from "./bitmap.ts";
import { loadImage } from "./decode.ts";
import { DataError, imageFailure } from "./errors.ts";

/** Keras' white_list_formats. */
export const KERAS_FORMATS = ["png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff"] as const;
/** Formats graft can add beyond Keras with `extraFormats`. */
export const EXTRA_FORMATS = ["webp", "gif"] as const;
/** A format beyond Keras' list that `extraFormats` can turn on. */
export type ExtraFormat = (typeof EXTRA_FORMATS)[number];

/** Which side of `validationSplit` to list. */
export type Subset = "training" | "validation";
/** What a file that is not a readable image does: skipped with a warning, or an error. */
export type InvalidPolicy = "skip" | "error";

/**
 * Options of `listDirectory`: Keras' `flow_from_directory` arguments that decide which files are
 * listed.
 */
export interface ListOptions {
  /** Class subfolder names in the order wanted (Keras `classes`); default: every subfolder, sorted. */
  classes?: readonly string[] | null;
  /**
   * Follow symbolic links to folders inside class folders (Keras `follow_links`). Default false.
   */
  followLinks?: boolean;
  /** Keep dot-folders as classes and walk into them, exactly as Keras does. Default false. */
  includeHidden?: boolean;
  /** Also accept these formats (Keras accepts neither). */
  extraFormats?: readonly ExtraFormat[];
  /** Fraction of each class held out for validation, in (0, 1); 0 or absent holds none. */
  validationSplit?: number;
  /** With validationSplit: list only that side. Null or absent lists every file. */
  subset?: Subset | null;
  /** What to do with files that are not readable images. Default "skip". */
  onInvalid?: InvalidPolicy;
  /**
   * How files are checked before they are listed: "header" (default; finds files
   * that are not images), "decode" (decodes every file once: also finds truncated
   * ones, at the cost of a pass over the data) or "none". Files that fail later,
   * while batches are made, are dropped from their batch and reported then.
   */
  verify?: "header" | "decode" | "none";
  /** Called with each warning (default: console.warn). */
  warn?: (message: string) => void;
}

/** A file left out of a listing, and why. */
export interface SkippedFile {
  /** relative to the directory, with "/" */
  filename: string;
  /** Why, e.g. not an image, or a truncated file. */
  reason: string;
}

/** What `listDirectory` found: Keras' `DirectoryIterator` attributes. */
export interface DirectoryListing {
  /** The folder that was listed. */
  directory: string;
  /** Class name → index (Keras `class_indices`). */
  classIndices: Record<string, number>;
  /** Class names in index order. */
  classNames: string[];
  /** relative to the directory, with "/" */
  filenames: string[];
  /** The class index of each of `filenames` (Keras `classes`). */
  classes: Int32Array;
  /** Number of files listed. */
  samples: number;
  /** Files left out, with the reason. */
  skipped: SkippedFile[];
  /** Every warning given while listing (also passed to `warn`). */
  warnings: string[];
}

/** Python's str ordering: by code point (JS `<` compares UTF-16 units, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0) as number;
    const cy = y.value.codePointAt(0) as number;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function checkSplit(options: ListOptions): [number, number] | null {
  const { validationSplit: v, subset } = options;
  if (v !== undefined && v !== 0 && !(v > 0 && v < 1)) {
    throw new DataError(`Expected validationSplit strictly between 0 and 1 but received ${v}`);
  }
  if (subset === undefined || subset === null) return null;
  if (subset !== "training" && subset !== "validation") {
    throw new DataError(`Expected subset "training" or "validation" but received '${subset}'`);
  }
  const split = v ?? 0;
  return subset === "validation" ? [0, split] : [split, 1];
}

interface Walked {
  root: string;
  rel: string;
  files: string[];
}

/** os.walk(top, followlinks) with its rules for links; a link cycle is walked once. */
function walk(
  top: string,
  followLinks: boolean,
  includeHidden: boolean,
  onHidden: (rel: string) => void,
): Walked[] {
  const out: Walked[] = [];
  const seen = new Set<string>();
  const visit = (abs: string, rel: string) => {
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return; // os.walk ignores folders it cannot list
    }
    const files: string[] = [];
    const dirs: { name: string; link: boolean }[] = [];
    for (const e of entries) {
      const link = e.isSymbolicLink();
      const dir = e.isDirectory() || (link && isDir(join(abs, e.name)));
      if (dir) dirs.push({ name: e.name, link });
      else files.push(e.name);
    }
    out.push({ root: abs, rel, files });
    for (const d of dirs) {
      if (d.link && !followLinks) continue;
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      if (!includeHidden && d.name.startsWith(".")) {
        onHidden(childRel);
        continue;
      }
      visit(join(abs, d.name), childRel);
    }
  };
  visit(top, "");
  return out;
}

/** Reads just enough of a file to know whether it is an image graft can decode. */
async function probeHeader(path: string): Promise<string | null> {
  try {
    const fh = await open(path, "r");
    let head: Buffer;
    try {
      head = Buffer.alloc(64);
      const { bytesRead } = await fh.read(head, 0, 64, 0);
      if (bytesRead === 0) return "empty file";
      head = head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
    if (isBmp(head) || isPnm(head)) return null;
    const meta = await sharp(path, { failOn: "none" }).metadata();
    if (!meta.width || !meta.height) return "no image size in header";
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Decodes the whole file: also finds truncated and corrupt pixel data. */
async function probeDecode(path: string): Promise<string | null> {
  try {
    await loadImage(path);
    return null;
  } catch (err) {
    return imageFailure(err);
  }
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return out;
}

function leftOutWarning(files: readonly string[]): string {
  const shown = files
    .slice(0, 3)
    .map((f) => `'${f}'`)
    .join(", ");
  const more = files.length > 3 ? ` and ${files.length - 3} more` : "";
  return `Leaving out ${files.length} GIF/WebP file${files.length > 1 ? "s" : ""} (${shown}${more}): Keras' flow_from_directory lists only ${KERAS_FORMATS.join(", ")}; extraFormats (--extra-formats gif,webp) lists them, an animation as its first frame, as Pillow opens it`;
}

/** Lists a directory as `flow_from_directory` would (see the module comment). */
export async function listDirectory(
  directory: string,
  options: ListOptions = {},
): Promise<DirectoryListing> {
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    (options.warn ?? console.warn)(m);
  };
  if (!isDir(directory))
    throw new DataError(`Directory '${directory}' does not exist or is not a folder`);
  const split = checkSplit(options);
  const includeHidden = options.includeHidden ?? false;
  const followLinks = options.followLinks ?? false;
  const extensions: string[] = [...KERAS_FORMATS];
  for (const f of options.extraFormats ?? []) {
    if (!(EXTRA_FORMATS as readonly string[]).includes(f)) {
      throw new DataError(
        `Expected extraFormats among ${EXTRA_FORMATS.join(", ")} but received '${f}'`,
      );
    }
    extensions.push(f);
  }

  let classNames: string[];
  if (options.classes && options.classes.length > 0) {
    classNames = [...options.classes];
    for (const c of classNames) {
      if (!isDir(join(directory, c))) {
        throw new DataError(`Class folder '${c}' (from classes) does not exist in '${directory}'`);
      }
    }
  } else {
    classNames = readdirSync(directory)
      .sort(compareCodePoints)
      .filter((name) => isDir(join(directory, name)));
    const hidden = classNames.filter((n) => n.startsWith("."));
    if (hidden.length > 0 && !includeHidden) {
      warn(
        `Skipping hidden folder${hidden.length > 1 ? "s" : ""} ${hidden.map((h) => `'${h}'`).join(", ")}: Keras would make ${hidden.length > 1 ? "them classes" : "it a class"} (includeHidden, or --include-hidden, does the same)`,
      );
      classNames = classNames.filter((n) => !n.startsWith("."));
    }
  }
  if (classNames.length === 0) throw new DataError(`No class folders in '${directory}'`);
  const classIndices: Record<string, number> = {};
  classNames.forEach((c, i) => {
    classIndices[c] = i;
  });

  const perClass: { cls: string; files: string[] }[] = [];
  // GIF and WebP files Keras would pass over without a word: graft says so, once.
  const leftOut: string[] = [];
  for (const cls of classNames) {
    const walked = walk(join(directory, cls), followLinks, includeHidden, (rel) =>
      warn(
        `Skipping hidden folder '${cls}/${rel}' (includeHidden, or --include-hidden, walks into it as Keras does)`,
      ),
    );
    walked.sort((a, b) => compareCodePoints(a.root, b.root));
    const files: string[] = [];
    for (const w of walked) {
      for (const f of [...w.files].sort(compareCodePoints)) {
        const lower = f.toLowerCase();
        const rel = w.rel ? `${cls}/${w.rel}/${f}` : `${cls}/${f}`;
        if (extensions.some((e) => lower.endsWith(e))) files.push(rel);
        else if (EXTRA_FORMATS.some((e) => lower.endsWith(`.${e}`))) leftOut.push(rel);
      }
    }
    perClass.push({ cls, files });
  }
  if (leftOut.length > 0) warn(leftOutWarning(leftOut));

  // Unreadable files are found before the split, so that both subsets agree on n.
  const skipped: SkippedFile[] = [];
  const verify = options.verify ?? "header";
  if (verify !== "none") {
    const all = perClass.flatMap((p) => p.files);
    const probe = verify === "decode" ? probeDecode : probeHeader;
    const reasons = await mapLimit(all, verify === "decode" ? 4 : 16, (f) =>
      probe(join(directory, f)),
    );
    const bad = new Map<string, string>();
    all.forEach((f, i) => {
      const r = reasons[i];
      if (r !== null && r !== undefined) bad.set(f, r);
    });
    if (bad.size > 0) {
      if ((options.onInvalid ?? "skip") === "error") {
        const [f, r] = bad.entries().next().value as [string, string];
        throw new DataError(
          `'${f}' is not a readable image: ${r}${bad.size > 1 ? ` (and ${bad.size - 1} more)` : ""}`,
        );
      }
      for (const [f, r] of bad) {
        skipped.push({ filename: f, reason: r });
        warn(`Skipping '${f}': not a readable image (${r})`);
      }
      for (const p of perClass) p.files = p.files.filter((f) => !bad.has(f));
    }
  }

  const empty = perClass.filter((p) => p.files.length === 0).map((p) => p.cls);
  if (empty.length === perClass.length) {
    throw new DataError(
      `No images in '${directory}' (looked for ${extensions.join(", ")} in ${perClass.length} class folder${perClass.length > 1 ? "s" : ""})`,
    );
  }
  if (empty.length > 0) {
    throw new DataError(
      `Class folder${empty.length > 1 ? "s" : ""} ${empty.map((e) => `'${e}'`).join(", ")} in '${directory}' ha${empty.length > 1 ? "ve" : "s"} no images`,
    );
  }

  const filenames: string[] = [];
  const classes: number[] = [];
  for (const p of perClass) {
    let files = p.files;
    if (split) {
      const n = files.length;
      files = files.slice(Math.trunc(split[0] * n), Math.trunc(split[1] * n));
    }
    for (const f of files) {
      filenames.push(f);
      classes.push(classIndices[p.cls] as number);
    }
  }
  return {
    directory,
    classIndices,
    classNames,
    filenames,
    classes: Int32Array.from(classes),
    samples: filenames.length,
    skipped,
    warnings,
  };
}
