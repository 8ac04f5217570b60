// How fast graft.node's CPU kernels run on VGG19-sized layers, beside
// tfjs-backend-cpu on a shape small enough for it (tfjs-cpu does ~1 GFLOP/s).
//
//   pnpm --filter @graft/native bench            (or: cd native && pnpm exec tsx bench/kernels.bench.ts)
//   GRAFT_BENCH_QUICK=1 ...                      one timed run per line instead of three
//   GRAFT_BENCH_VGG=1 ...                        every VGG19 block, not only block1 and block4
//   GRAFT_CPU_MATH=bf16 ...                      the kernels in bf16 mode (oneDNN's bf16 peak)
//
// The figures are the median of the timed runs after one warm-up (which also
// creates and caches the oneDNN primitive). On a shared machine, rerun and
// compare lines from the same run only.
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { capabilities, loadAddon } from "../ts/index.ts";

const cpu = loadAddon().cpu;
const caps = capabilities();
const runs = process.env.GRAFT_BENCH_QUICK === "1" ? 1 : 3;
// GRAFT_CPU_CONV picks the convolution algorithm here too (auto, direct, winograd).
const convAlgorithm = process.env.GRAFT_CPU_CONV;
if (convAlgorithm === "auto" || convAlgorithm === "direct" || convAlgorithm === "winograd") {
  cpu.setConvAlgorithm(convAlgorithm);
}
// GRAFT_CPU_MATH=bf16 runs them in bf16 mode (throws where the CPU has no native bf16).
if (process.env.GRAFT_CPU_MATH === "bf16") cpu.setMath("bf16");

function fill(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = (s / 4294967296) * 2 - 1;
  }
  return a;
}

/** Median milliseconds of `runs` calls after one warm-up. */
function time(f: () => void, timed = runs): number {
  f();
  const ms: number[] = [];
  for (let i = 0; i < timed; i++) {
    const t0 = process.hrtime.bigint();
    f();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)] as number;
}

function line(what: string, shape: string, ms: number, gflop: number | null, extra = "") {
  const perSecond = gflop === null ? 0 : gflop / (ms / 1000);
  const rate =
    gflop === null ? "" : `${perSecond.toFixed(perSecond < 1 ? 3 : 1).padStart(7)} GFLOP/s`;
  console.log(
    `${what.padEnd(34)} ${shape.padEnd(28)} ${ms.toFixed(1).padStart(9)} ms ${rate} ${extra}`,
  );
}

interface Conv {
  n: number;
  h: number;
  c: number;
  oc: number;
}

function convSetup(k: Conv) {
  const info = tf.backend_util.computeConv2DInfo(
    [k.n, k.h, k.h, k.c],
    [3, 3, k.c, k.oc],
    1,
    1,
    "same",
  );
  const p = info.padInfo;
  const params = Int32Array.of(
    k.n,
    k.h,
    k.h,
    k.c,
    3,
    3,
    k.oc,
    k.h,
    k.h,
    1,
    1,
    1,
    1,
    p.top,
    p.left,
    p.bottom,
    p.right,
  );
  const gflop = (2 * k.n * k.h * k.h * k.oc * 9 * k.c) / 1e9;
  const x = fill(k.n * k.h * k.h * k.c, 1);
  const w = fill(9 * k.c * k.oc, 2);
  const b = fill(k.oc, 3);
  const y = new Float32Array(k.n * k.h * k.h * k.oc);
  const dy = fill(y.length, 4);
  return {
    params,
    gflop,
    x,
    w,
    b,
    y,
    dy,
    dx: new Float32Array(x.length),
    dw: new Float32Array(w.length),
  };
}

function benchConv(label: string, k: Conv) {
  const s = convSetup(k);
  const shape = `${k.n}x${k.h}x${k.h}x${k.c} -> ${k.oc}, 3x3`;
  line(
    `${label} conv2d+bias+relu`,
    shape,
    time(() => cpu.conv2d(s.x, s.w, s.b, s.y, s.params, 1, 0)),
    s.gflop,
  );
  line(
    `${label} conv2dBackpropInput`,
    shape,
    time(() => cpu.conv2dBackpropInput(s.dy, s.w, s.dx, s.params)),
    s.gflop,
  );
  line(
    `${label} conv2dBackpropFilter`,
    shape,
    time(() => cpu.conv2dBackpropFilter(s.x, s.dy, s.dw, s.params)),
    s.gflop,
  );
}

const settings = cpu.cpuStats();
console.log(
  `graft.node ${caps.version}: oneDNN ${caps.onednnVersion ?? "-"} (${caps.onednnIsa ?? "-"}), ` +
    `${cpu.numThreads()} threads (${settings.threadsNote}), convolutions ${settings.convAlgorithm}, ` +
    `math ${settings.math}${settings.amx ? " (AMX)" : ""}, ` +
    `${runs} timed run(s) per line\n`,
);
if (!caps.onednn) {
  console.log(`no oneDNN in this build (${caps.onednnReason}): only the hand-written kernels run`);
}

if (caps.onednn) {
  benchConv("VGG19 block1", { n: 8, h: 224, c: 64, oc: 64 });
  if (process.env.GRAFT_BENCH_VGG === "1") {
    benchConv("VGG19 block2", { n: 8, h: 112, c: 128, oc: 128 });
    benchConv("VGG19 block3", { n: 8, h: 56, c: 256, oc: 256 });
  }
  benchConv("VGG19 block4", { n: 8, h: 28, c: 512, oc: 512 });
  if (process.env.GRAFT_BENCH_VGG === "1") {
    benchConv("VGG19 block5", { n: 8, h: 14, c: 512, oc: 512 });
  }

  // Inference at batch 1, where reordering the filter is a visible share of the
  // time: without a weightsKey it is reordered on every call, with one it is cached.
  const s5 = convSetup({ n: 1, h: 14, c: 512, oc: 512 });
  const shape5 = "1x14x14x512 -> 512, 3x3";
  line(
    "block5 conv2d, no key",
    shape5,
    time(() => cpu.conv2d(s5.x, s5.w, s5.b, s5.y, s5.params, 1, 0), 10),
    s5.gflop,
  );
  line(
    "block5 conv2d, weightsKey",
    shape5,
    time(() => cpu.conv2d(s5.x, s5.w, s5.b, s5.y, s5.params, 1, 0, 7), 10),
    s5.gflop,
  );
  cpu.releaseWeights(7);
  // A batch-1 layer with 784 output pixels: where `auto` starts using Winograd
  // (compare GRAFT_CPU_CONV=direct and winograd on this line and the one above).
  const s4 = convSetup({ n: 1, h: 28, c: 512, oc: 512 });
  line(
    "block4 conv2d, weightsKey",
    "1x28x28x512 -> 512, 3x3",
    time(() => cpu.conv2d(s4.x, s4.w, s4.b, s4.y, s4.params, 1, 0, 8), 10),
    s4.gflop,
  );
  cpu.releaseWeights(8);

  // Dense layers: VGG's fc2 at batch 8 (forward, dX and dW shapes of training).
  const m = 8;
  const kk = 4096;
  const n = 4096;
  const a = fill(m * kk, 5);
  const b = fill(kk * n, 6);
  const y = new Float32Array(m * n);
  const dw = new Float32Array(kk * n);
  const g = (2 * m * kk * n) / 1e9;
  line(
    "fc2 matmul+bias+relu",
    "[8,4096] x [4096,4096]",
    time(() => cpu.matmul(a, b, fill(n, 7), y, Int32Array.of(1, 1, m, kk, n, 0, 0), 1, 0)),
    g,
  );
  line(
    "fc2 dW = xᵀ dy",
    "[8,4096]ᵀ x [8,4096]",
    time(() => cpu.matmul(a, y, null, dw, Int32Array.of(1, 1, kk, m, n, 1, 0), 0, 0)),
    g,
  );
}

// Memory-bound kernels: GB/s counts bytes read + written once.
{
  const n = 8;
  const h = 224;
  const c = 64;
  const x = fill(n * h * h * c, 8);
  const y = new Float32Array(n * 112 * 112 * c);
  const p = Int32Array.of(n, h, h, c, 2, 2, 112, 112, 2, 2, 0, 0, 0, 0);
  const dx = new Float32Array(x.length);
  const gb = (bytes: number, ms: number) => `${(bytes / 1e9 / (ms / 1000)).toFixed(1)} GB/s`;
  let ms = time(() => cpu.pool2d(x, y, p, 0));
  line("maxPool 2x2/2", "8x224x224x64", ms, null, gb(x.byteLength + y.byteLength, ms));
  ms = time(() => cpu.maxPoolGrad(y, x, dx, p));
  line("maxPoolGrad 2x2/2", "8x224x224x64", ms, null, gb(2 * x.byteLength + y.byteLength, ms));
  const r = new Float32Array(x.length);
  ms = time(() => cpu.relu(x, r));
  line("relu", "8x224x224x64", ms, null, gb(2 * x.byteLength, ms));
  ms = time(() => cpu.binary(0, x, fill(c, 9), r, x.length / c, c, 0, 2));
  line("add bias (row broadcast)", "8x224x224x64 + 64", ms, null, gb(2 * x.byteLength, ms));
  const s = new Float32Array(c);
  ms = time(() => cpu.sumRows(x, s, x.length / c, c));
  line("sumRows (bias gradient)", "401408 x 64", ms, null, gb(x.byteLength, ms));
}

// tfjs-backend-cpu on shapes it can do in about a second (its Conv2DBackpropFilter
// is some 50x slower than its Conv2D, hence a smaller shape), and graft on the same.
if (caps.onednn) {
  await tf.setBackend("cpu");
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  const attrs = { strides: 1, pad: "same", dataFormat: "NHWC" };
  const pair = (
    kernel: string,
    k: Conv,
    tfjs: (t: Record<string, tf.Tensor4D>) => tf.Tensor,
    graft: (s: ReturnType<typeof convSetup>) => void,
  ) => {
    const s = convSetup(k);
    const shape = `${k.n}x${k.h}x${k.h}x${k.c} -> ${k.oc}, 3x3`;
    const t = {
      x: tf.tensor4d(s.x, [k.n, k.h, k.h, k.c]),
      w: tf.tensor4d(s.w, [3, 3, k.c, k.oc]),
      dy: tf.tensor4d(s.dy, [k.n, k.h, k.h, k.oc]),
    };
    line(
      `tfjs-cpu ${kernel}`,
      shape,
      // Nothing returned from tidy: it would walk a returned typed array element by element
      // (seconds at these sizes), which earlier versions of this line timed too.
      time(
        () =>
          tf.tidy(() => {
            tfjs(t).dataSync();
          }),
        1,
      ),
      s.gflop,
    );
    line(
      `graft ${kernel}`,
      shape,
      time(() => graft(s), 10),
      s.gflop,
    );
    tf.dispose(Object.values(t));
  };
  const small = { n: 1, h: 56, c: 64, oc: 64 };
  pair(
    "conv2d",
    small,
    (t) => tf.conv2d(t.x!, t.w!, 1, "same"),
    (s) => cpu.conv2d(s.x, s.w, null, s.y, s.params, 0, 0),
  );
  pair(
    "conv2dBackpropInput",
    small,
    (t) =>
      tf
        .engine()
        .runKernel(
          tf.Conv2DBackpropInput,
          { dy: t.dy!, filter: t.w! },
          { ...attrs, inputShape: [1, 56, 56, 64] },
        ) as tf.Tensor,
    (s) => cpu.conv2dBackpropInput(s.dy, s.w, s.dx, s.params),
  );
  pair(
    "conv2dBackpropFilter",
    { n: 1, h: 28, c: 32, oc: 32 },
    (t) =>
      tf
        .engine()
        .runKernel(
          tf.Conv2DBackpropFilter,
          { x: t.x!, dy: t.dy! },
          { ...attrs, filterShape: [3, 3, 32, 32] },
        ) as tf.Tensor,
    (s) => cpu.conv2dBackpropFilter(s.x, s.dy, s.dw, s.params),
  );
}

const stats = cpu.cpuStats();
console.log(
  `\ncpuStats: ${stats.primitiveCacheEntries} primitives, scratchpad ${(stats.scratchpadBytes / 2 ** 20).toFixed(1)} MiB, ` +
    `temp ${(stats.tempBytes / 2 ** 20).toFixed(1)} MiB, ${(stats.bytes / 2 ** 20).toFixed(1)} MiB in all`,
);
