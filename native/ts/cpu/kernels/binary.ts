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
 * [batch, the full side] where one input has the output's shape and the other is one row per
 * image, [N, 1, …, 1, C] against [N, …, C]; null otherwise.
 */
function perImageRows(a: TensorInfo, b: TensorInfo, out: number[]): [number, "a" | "b"] | null {
  if (out.length < 3) return null;
  const batch = out[0] as number;
  const inner = out[out.length - 1] as number;
  const isRows = (t: TensorInfo) =>
    t.shape.length === out.length &&
    t.shape[0] === batch &&
    t.shape[t.shape.length - 1] === inner &&
    t.shape.slice(1, -1).every((d) => d === 1);
  const isFull = (t: TensorInfo) => sizeOf(t.shape) === sizeOf(out);
  if (isFull(a) && isRows(b)) return [batch, "a"];
  if (isFull(b) && isRows(a)) return [batch, "b"];
  return null;
}

/** Add/Sub/Multiply/RealDiv on float32 with same-shape, scalar, bias or per-image row broadcasting. */
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
      const perImage = perImageRows(a, b, out);
      if (perImage === null) return "general broadcast";
      // Squeeze-and-excitation's [N, H, W, C] · [N, 1, 1, C]: one row broadcast per image.
      const [batch, full] = perImage;
      const inner = out[out.length - 1] as number;
      const per = sizeOf(out) / batch;
      const y = backend.output(out);
      const av = backend.f32(a);
      const bv = backend.f32(b);
      for (let i = 0; i < batch; i++) {
        const fa = full === "a";
        backend.native.binary(
          op,
          fa ? av.subarray(i * per, (i + 1) * per) : av.subarray(i * inner, (i + 1) * inner),
          fa ? bv.subarray(i * inner, (i + 1) * inner) : bv.subarray(i * per, (i + 1) * per),
          y.values.subarray(i * per, (i + 1) * per),
          per / inner,
          inner,
          fa ? FULL : ROW,
          fa ? ROW : FULL,
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
