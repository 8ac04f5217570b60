/**
 * Decoding and resizing against Keras' load_img + img_to_array (Pillow), bit for
 * bit, for every kind of file in test-fixtures/data/images and every interpolation.
 */
import { fixture } from "@graft/test-fixtures";
import { readNpy } from "@graft/test-fixtures/npy";
import { describe, expect, it } from "vitest";
import { loadImage } from "../src/index.ts";
import { dataManifest } from "./helpers/tree.ts";

describe("load_img (Pillow) equivalence", () => {
  for (const c of dataManifest.load_img) {
    const what = `${c.file} as ${c.color_mode}${c.target_size ? ` → ${c.target_size.join("x")} ${c.interpolation}${c.keep_aspect_ratio ? " keep_aspect_ratio" : ""}` : ""}`;
    if (c.error) {
      it.skip(`${what} (Keras failed: ${c.error})`, () => {});
      continue;
    }
    it(what, async () => {
      const img = await loadImage(fixture("data", "images", c.file), {
        colorMode: c.color_mode,
        targetSize: c.target_size ?? null,
        interpolation: c.interpolation ?? "nearest",
        keepAspectRatio: c.keep_aspect_ratio ?? false,
      });
      const g = readNpy(fixture("data", c.golden as string));
      expect([img.height, img.width, img.channels]).toEqual(g.shape);
      expect(img.mode).toBe(c.pil_mode ?? img.mode);
      // Exact: the same integers Pillow produced (uint8, or 0..65535 for I;16).
      expect(Array.from(img.data)).toEqual(Array.from(g.data as Uint8Array | Float32Array));
    });
  }

  it("would notice a wrong decoder (EXIF rotation applied, alpha composited)", async () => {
    const ignore = await loadImage(fixture("data", "images", "exif_rot6.jpg"));
    expect([ignore.height, ignore.width]).toEqual([11, 15]); // Pillow does not rotate
    const rgba = await loadImage(fixture("data", "images", "rgba.png"), { colorMode: "rgb" });
    const full = await loadImage(fixture("data", "images", "rgba.png"), { colorMode: "rgba" });
    // Fully transparent pixels keep their colour in rgb mode (dropped, not composited).
    expect(full.data[3]).toBe(0);
    expect(Array.from(rgba.data.subarray(0, 3))).toEqual(Array.from(full.data.subarray(0, 3)));
  });
});
