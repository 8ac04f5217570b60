/** graft data inspect, as a user runs it, against the listings Keras made of the same tree. */
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildKerasTree, dataManifest } from "../../../packages/data/test/helpers/tree.ts";
import { graft } from "./run_cli.ts";

let root: string;
beforeAll(() => {
  root = buildKerasTree();
});
afterAll(() => rmSync(dirname(root), { recursive: true, force: true }));

/** `userDir`: the folder the user typed the command in (as `pnpm --filter cli start` passes it). */

const listings = dataManifest.flow_from_directory.listings;

describe("graft data inspect --json", () => {
  it("prints Keras' class_indices, filenames, classes and samples (--include-hidden)", () => {
    const r = graft(["data", "inspect", root, "--include-hidden", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const k = listings[0]!;
    expect(j).toMatchObject({
      class_indices: k.class_indices,
      filenames: k.filenames,
      classes: k.classes,
      samples: k.samples,
    });
    expect(j.skipped).toEqual([]);
  });

  it("validation split, subset and classes, relative to the folder the user is in", () => {
    const k = listings.find((l) => l.options.validation_split === 0.25)!;
    const r = graft(
      [
        "data",
        "inspect",
        "tree",
        "--validation-split",
        "0.25",
        "--subset",
        "validation",
        "--classes",
        "Zebra,cats,dogs",
        "--include-hidden",
        "--json",
      ],
      // As `pnpm --filter cli start` from the parent folder: relative paths are the user's.
      { env: { INIT_CWD: dirname(root), npm_lifecycle_event: "start" } },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      class_indices: k.class_indices,
      filenames: k.filenames,
      classes: k.classes,
      samples: k.samples,
    });
  });

  it("by default skips dot-folders and says so on stderr, and lists non-images as skipped", () => {
    const r = graft(["data", "inspect", root, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j.class_indices)).toEqual(["Zebra", "cats", "dogs"]);
    expect(r.err).toMatch(/warning: Skipping hidden folder '\.ipynb_checkpoints'/);
  });

  it("a table without --json; one-line errors with exit codes", () => {
    const r = graft(["data", "inspect", root]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Found 17 images belonging to 3 classes\./);
    expect(r.out).toMatch(/cats\s+1\s+7/);
    const bad = graft(["data", "inspect", root, "--validation-split", "2"]);
    expect(bad.code).toBe(2);
    expect(bad.err.trim()).toBe(
      "graft: error: Expected a number in (0, 1) for --validation-split but received '2'",
    );
    const missing = graft(["data", "inspect", join(root, "nope")]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/graft: error: Directory '.*nope' does not exist/);
    expect(graft(["data", "inspect", root, "--subset", "training"]).code).toBe(2);
  });
});
