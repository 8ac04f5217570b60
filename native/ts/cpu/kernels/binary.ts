import { type BinaryInputs, broadcast_util, type TensorInfo } from "@tensorflow/tfjs-core";
import { CPU_BINARY_OPS, CPU_BROADCAST } from "../../common/boundary.ts";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel, smallReason } from "./util.ts";

const { full: FULL, scalar: SCALAR, row: ROW } = CPU_BROADCAST;

function mode(t: TensorInfo, out: number[]): number | null {
  const n = sizeOf(t.shape);
  // Given that the shapes broadcast, an input as large as the output has the output's layout.
  if (n === sizeOf(out)) return FULL;
  if (n === 1) return SCALAR;
  // A row vector along the last axis: [..., 1, 1, C] against [..., C] (bias broadcasting).
  const inner = out[out.length - 1] as number;
  const trailing = t.shape[t.shape.length - 1];
  if (trailing === inner && n === inner) return ROW;
  return null;
}

/**
 * Where one input has the output's shape and the other is one row or one value per image
 * ([N, 1, …, 1, C] or [N, 1, …, 1] against [N, …, C]): [batch, the full side, the other's
 * length per image (C or 1)]; null otherwise.
 */
function perImage(a: TensorInfo, b: TensorInfo, out: number[]): [number, "a" | "b", number] | null {
  if (out.length < 2) return null;
  const batch = out[0] as number;
  const inner = out[out.length - 1] as number;
  // The other input's length per image: a row of C, or (drop-connect's [N, 1, 1, 1] mask) 1.
  const perImageLength = (t: TensorInfo) => {
    if (t.shape.length !== out.length || t.shape[0] !== batch) return null;
    if (!t.shape.slice(1, -1).every((d) => d === 1)) return null;
    const last = t.shape[t.shape.length - 1];
    if (out.length >= 3 && last === inner) return inner;
    return last === 1 ? 1 : null;
  };
  const isFull = (t: TensorInfo) => sizeOf(t.shape) === sizeOf(out);
  const lb = perImageLength(b);
  if (isFull(a) && lb !== null) return [batch, "a", lb];
  const la = perImageLength(a);
  if (isFull(b) && la !== null) return [batch, "b", la];
  return null;
}

/**
 * Add/Sub/Multiply/RealDiv on float32 with same-shape, scalar, bias, per-image row or
 * per-image value broadcasting.
 */
export function binaryKernel(kernelName: string, opName: keyof typeof CPU_BINARY_OPS) {
  const op = CPU_BINARY_OPS[opName];
  return nativeKernel(kernelName, ({ inputs, backend }) => {
    const { a, b } = inputs as unknown as Req<BinaryInputs>;
    // The output has at most |a|·|b| elements: most tiny calls end here, before any lookup.
    const most = sizeOf(a.shape) * sizeOf(b.shape);
    if (most === 0) return "empty";
    const tiny = smallReason(most);
    if (tiny) return tiny;
    if (!backend.allF32(a, b)) return "dtype";
    let out: number[];
    try {
      out = broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    } catch {
      return "shapes do not broadcast";
    }
    if (sizeOf(out) === 0) return "empty";
    const small = smallReason(sizeOf(out));
    if (small) return small;
    const am = mode(a, out);
    const bm = mode(b, out);
    if (am === null || bm === null) {
      const split = perImage(a, b, out);
      if (split === null) return "general broadcast";
      // Squeeze-and-excitation's [N, H, W, C] · [N, 1, 1, C] (one row broadcast per image) and
      // drop-connect's [N, H, W, C] · [N, 1, 1, 1] (one value per image).
      const [batch, full, length] = split;
      const inner = out[out.length - 1] as number;
      const per = sizeOf(out) / batch;
      const partMode = length === 1 ? SCALAR : ROW;
      const y = backend.output(out);
      const av = backend.f32(a);
      const bv = backend.f32(b);
      const fa = full === "a";
      // Image i's slice of the full input (and the output) and of the per-image one.
      const whole = (v: Float32Array, i: number) => v.subarray(i * per, (i + 1) * per);
      const part = (v: Float32Array, i: number) => v.subarray(i * length, (i + 1) * length);
      for (let i = 0; i < batch; i++) {
        backend.native.binary(
          op,
          fa ? whole(av, i) : part(av, i),
          fa ? part(bv, i) : whole(bv, i),
          whole(y.values, i),
          per / inner,
          inner,
          fa ? FULL : partMode,
          fa ? partMode : FULL,
        );
      }
      return y.info;
    }
    const inner = out.length === 0 ? 1 : (out[out.length - 1] as number);
    const y = backend.output(out);
    backend.native.binary(
      op,
      backend.f32(a),
      backend.f32(b),
      y.values,
      sizeOf(out) / (inner || 1),
      inner,
      am,
      bm,
    );
    return y.info;
  });
}
