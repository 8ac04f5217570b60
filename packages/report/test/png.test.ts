import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32, encodePng, ReportError, readPngSize } from "../src/index.ts";
import { rng, testCard } from "./helpers/fixtures.ts";
import { decodePng, readChunks } from "./helpers/png-decode.ts";

describe("crc32", () => {
  it("matches node:zlib's crc32", () => {
    const random = rng(1);
    for (const length of [0, 1, 3, 255, 4096]) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    }
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926); // the check value
  });
});

describe("encodePng", () => {
  const cases: [string, number, number, 1 | 3 | 4][] = [
    ["1×1 grey", 1, 1, 1],
    ["32×32 RGB", 32, 32, 3],
    ["7×5 RGBA (odd sizes)", 7, 5, 4],
    ["64×3 grey", 64, 3, 1],
    ["3×64 RGB", 3, 64, 3],
  ];
  for (const [name, width, height, channels] of cases) {
    it(`round-trips ${name} random pixels`, () => {
      const random = rng(width * 1000 + height * 10 + channels);
      const pixels = Uint8Array.from({ length: width * height * channels }, () =>
        Math.floor(random() * 256),
      );
      const png = encodePng(pixels, width, height, channels);
      const decoded = decodePng(png);
      expect(decoded.chunks.map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"]);
      expect([decoded.width, decoded.height, decoded.channels]).toEqual([width, height, channels]);
      expect(Buffer.from(decoded.pixels).equals(Buffer.from(pixels))).toBe(true);
      expect(readPngSize(png)).toEqual({ width, height });
    });
  }

  it("picks per-row filters, and smooth images compress", () => {
    const pixels = testCard(64, 3, 4);
    const png = encodePng(pixels, 64, 64, 4);
    const decoded = decodePng(png);
    expect(Buffer.from(decoded.pixels).equals(Buffer.from(pixels))).toBe(true);
    expect(new Set(decoded.filters).size).toBeGreaterThan(1);
    expect(png.length).toBeLessThan(pixels.length / 4);
  });

  it("writes a standard IHDR (8-bit, colour types 0/2/6, no interlace)", () => {
    for (const [channels, colorType] of [
      [1, 0],
      [3, 2],
      [4, 6],
    ] as const) {
      const ihdr = readChunks(encodePng(new Uint8Array(2 * 3 * channels), 2, 3, channels))[0]!;
      expect(ihdr.type).toBe("IHDR");
      expect([...ihdr.data]).toEqual([0, 0, 0, 2, 0, 0, 0, 3, 8, colorType, 0, 0, 0]);
    }
  });

  it("accepts a view into a larger buffer", () => {
    const backing = new Uint8Array(100).map((_, i) => i);
    const view = backing.subarray(10, 22); // 2×2 RGB
    expect([...decodePng(encodePng(view, 2, 2, 3)).pixels]).toEqual([...view]);
  });

  it("rejects bad arguments, naming them", () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ReportError);
        expect((e as ReportError).code).toBe("ERR_GRAFT_ARGUMENT");
        return (e as Error).message;
      }
      throw new Error("did not throw");
    };
    expect(err(() => encodePng(new Uint8Array(3), -3, 1, 3))).toBe(
      "Expected positive integer for width but received -3",
    );
    expect(err(() => encodePng(new Uint8Array(3), 1, 1.5, 3))).toMatch(
      /for height but received 1.5/,
    );
    expect(err(() => encodePng(new Uint8Array(3), 1, 1, 2 as 3))).toMatch(/1, 3 or 4 for channels/);
    expect(err(() => encodePng(new Uint8Array(5), 2, 1, 3))).toBe(
      "Expected 6 bytes (2 × 1 × 3) for pixels but received 5 bytes",
    );
    expect(err(() => encodePng([1, 2, 3] as unknown as Uint8Array, 1, 1, 3))).toMatch(
      /Uint8Array for pixels/,
    );
    expect(err(() => readPngSize(new Uint8Array(30)))).toMatch(
      /^Expected PNG file bytes .* for png but received a Uint8Array of length 30$/,
    );
  });
});
