// The N-API side of reduce and argReduce; the kernels are Reduce.cu.
#include "cuda/args.h"
#include "cuda/context.h"
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "cuda/storage.h"

namespace graft::cuda {

// reduce(op, dtype, x, y, outer, r, inner): over the middle axis of [outer, r, inner].
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  const int op = int(Int(info, 0, "op"));
  CheckOp(op, kReduceCount, "reduce");
  const int dtype = int(Int(info, 1, "dtype"));
  const int64_t outer = Int(info, 4, "outer"), r = Int(info, 5, "r"), inner = Int(info, 6, "inner");
  const std::string what = "reduce op " + std::to_string(op) + " " + Dims({outer, r, inner});
  Context& ctx = Context::Get();
  const void* x = Ptr(Int(info, 2, "x"), "reduce x");
  void* y = AllocOutput(Int(info, 3, "y"), 4 * size_t(outer * inner), "reduce y");
  if (dtype == kF32) {
    const bool sum = op == kSum || op == kMean;
    Scratch acc(ctx, sum ? sizeof(double) * size_t(outer * inner) : 0, "reduce accumulator");
    LaunchReduceF32(op, static_cast<const float*>(x), static_cast<float*>(y), acc.as<double>(), outer, r, inner,
                    ctx.stream());
  } else if (dtype == kI32 && op != kMean) {
    LaunchReduceI32(op, static_cast<const int32_t*>(x), static_cast<int32_t*>(y), outer, r, inner, ctx.stream());
  } else {
    throw Error(code::kInternal, "reduce: dtype " + std::to_string(dtype) + " not supported for " + what);
  }
  CheckLaunch("reduce", what);
  return info.Env().Undefined();
}

// argReduce(max, dtype, x, y, outer, r, inner): int32 indices.
Napi::Value ArgReduce(const Napi::CallbackInfo& info) {
  const bool max = info[0].ToBoolean();
  const int dtype = int(Int(info, 1, "dtype"));
  if (dtype != kF32 && dtype != kI32) throw Error(code::kInternal, "argReduce: dtype " + std::to_string(dtype));
  const int64_t outer = Int(info, 4, "outer"), r = Int(info, 5, "r"), inner = Int(info, 6, "inner");
  const void* x = Ptr(Int(info, 2, "x"), "argReduce x");
  auto* y = static_cast<int32_t*>(AllocOutput(Int(info, 3, "y"), 4 * size_t(outer * inner), "argReduce y"));
  LaunchArgReduce(max, dtype, x, y, outer, r, inner, Context::Get().stream());
  CheckLaunch("argReduce", Dims({outer, r, inner}));
  return info.Env().Undefined();
}

}  // namespace graft::cuda
