import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeFileAtomic } from "../src/write-file.ts";

const dir = mkdtempSync(join(tmpdir(), "graft-write-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeFileAtomic", () => {
  it("writes and replaces a file, leaving no temporary beside it", () => {
    const path = join(dir, "a.json");
    writeFileAtomic(path, "one");
    writeFileAtomic(path, "two");
    expect(readFileSync(path, "utf8")).toBe("two");
    expect(readdirSync(dir)).toEqual(["a.json"]);
  });

  it("a failed rename throws and removes its temporary", () => {
    const sub = mkdtempSync(join(dir, "sub-"));
    const target = join(sub, "occupied");
    mkdirSync(join(target, "inner"), { recursive: true }); // a non-empty folder cannot be renamed over
    expect(() => writeFileAtomic(target, "text")).toThrow();
    expect(readdirSync(sub)).toEqual(["occupied"]);
    expect(readdirSync(target)).toEqual(["inner"]);
  });
});
