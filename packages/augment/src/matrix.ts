import type { AffineMatrix } from "./sampler.ts";

/**
 * Which Keras the affine math follows.
 * - `"keras3"`: Keras 3 and tf.keras ≥ 2.9 (`keras/src/legacy/preprocessing/image.py`):
 *   centre at dim/2 − 0.5 and the matrix conjugated by the row/column swap
 *   (`M' = PMP`). A consequence Keras never fixed: `tx` (drawn from
 *   height_shift_range) moves content along columns, i.e. horizontally, and `ty`
 *   (from width_shift_range) vertically; positive theta turns counter-clockwise.
 * - `"keras-preprocessing-1.1"`: keras-preprocessing 1.1.2, used by tf.keras ≤ 2.8:
 *   centre at dim/2 + 0.5, no swap (tx moves rows, positive theta turns clockwise),
 *   and brightness min–max stretches the image first (`scale=True`).
 */
export type Semantics = "keras3" | "keras-preprocessing-1.1";
/** Every `Semantics`. */
export const SEMANTICS: readonly Semantics[] = ["keras3", "keras-preprocessing-1.1"];

/** The affine part of Keras' `apply_transform` dict. */
export interface AffineParams {
  /** rotation in degrees */
  theta?: number;
  /** translation along the matrix's first axis, in pixels */
  tx?: number;
  /** translation along the second axis, in pixels */
  ty?: number;
  /** shear in degrees */
  shear?: number;
  /** zoom factor along the first axis */
  zx?: number;
  /** zoom factor along the second axis */
  zy?: number;
}

type M3 = [number, number, number, number, number, number, number, number, number];

// np.dot of 3×3 float64 matrices, summed in index order.
function dot(a: M3, b: M3): M3 {
  const o = new Array(9) as M3;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      o[i * 3 + j] =
        (a[i * 3] as number) * (b[j] as number) +
        (a[i * 3 + 1] as number) * (b[3 + j] as number) +
        (a[i * 3 + 2] as number) * (b[6 + j] as number);
    }
  }
  return o;
}

// np.deg2rad: x * (pi / 180).
const DEG = Math.PI / 180;

/**
 * The matrix and offset Keras hands to `scipy.ndimage.affine_transform` for an
 * h×w image, or null when Keras makes no affine call at all (every parameter at
 * its identity value: theta = tx = ty = shear = 0, zx = zy = 1).
 */
export function kerasAffineMatrix(
  params: AffineParams,
  h: number,
  w: number,
  semantics: Semantics = "keras3",
): AffineMatrix | null {
  const theta = params.theta ?? 0;
  const tx = params.tx ?? 0;
  const ty = params.ty ?? 0;
  const shear = params.shear ?? 0;
  const zx = params.zx ?? 1;
  const zy = params.zy ?? 1;
  let m: M3 | null = null;
  const mul = (f: M3) => {
    m = m === null ? f : dot(m, f);
  };
  if (theta !== 0) {
    const t = theta * DEG;
    mul([Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t), 0, 0, 0, 1]);
  }
  if (tx !== 0 || ty !== 0) mul([1, 0, tx, 0, 1, ty, 0, 0, 1]);
  if (shear !== 0) {
    const s = shear * DEG;
    mul([1, -Math.sin(s), 0, 0, Math.cos(s), 0, 0, 0, 1]);
  }
  if (zx !== 1 || zy !== 1) mul([zx, 0, 0, 0, zy, 0, 0, 0, 1]);
  if (m === null) return null;
  // transform_matrix_offset_center(matrix, h, w): o_x belongs to h, o_y to w.
  const half = semantics === "keras3" ? -0.5 : 0.5;
  const ox = h / 2 + half;
  const oy = w / 2 + half;
  const t = dot(dot([1, 0, ox, 0, 1, oy, 0, 0, 1], m), [1, 0, -ox, 0, 1, -oy, 0, 0, 1]);
  if (semantics === "keras3") {
    // Swap columns 0 and 1, then rows 0 and 1.
    return [t[4], t[3], t[5], t[1], t[0], t[2]];
  }
  return [t[0], t[1], t[2], t[3], t[4], t[5]];
}
