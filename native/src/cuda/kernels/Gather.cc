// The N-API side of gather and oneHot; the kernels are Gather.cu.
#include "cuda/args.h"
#include "cuda/context.h"
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "cuda/storage.h"

namespace graft::cuda {

// gather(x, indices, y, dtype, outer, axis, nIdx, inner).
Napi::Value Gather(const Napi::CallbackInfo& info) {
  const int dtype = int(Int(info, 3, "dtype"));
  CheckDType(dtype, "gather");
  const int64_t outer = Int(info, 4, "outer"), axis = Int(info, 5, "axis");
  const int64_t nIdx = Int(info, 6, "nIdx"), inner = Int(info, 7, "inner");
  const void* x = Ptr(Int(info, 0, "x"), "gather x");
  const auto* idx = static_cast<const int32_t*>(Ptr(Int(info, 1, "indices"), "gather indices"));
  void* y = AllocOutput(Int(info, 2, "y"), ElementSize(dtype) * size_t(outer * nIdx * inner), "gather y");
  LaunchGather(x, idx, y, int(ElementSize(dtype)), outer, axis, nIdx, inner, Context::Get().stream());
  CheckLaunch("gather", Dims({outer, axis, nIdx, inner}));
  return info.Env().Undefined();
}

// oneHot(indices, y, dtype, n, depth, on, off): dtype float32 or int32.
Napi::Value OneHot(const Napi::CallbackInfo& info) {
  const int dtype = int(Int(info, 2, "dtype"));
  if (dtype != kF32 && dtype != kI32) throw Error(code::kInternal, "oneHot: dtype " + std::to_string(dtype));
  const int64_t n = Int(info, 3, "n"), depth = Int(info, 4, "depth");
  const auto* idx = static_cast<const int32_t*>(Ptr(Int(info, 0, "indices"), "oneHot indices"));
  void* y = AllocOutput(Int(info, 1, "y"), 4 * size_t(n * depth), "oneHot y");
  LaunchOneHot(idx, y, n, depth, Bits(Num(info, 5, "on"), dtype), Bits(Num(info, 6, "off"), dtype),
               Context::Get().stream());
  CheckLaunch("oneHot", Dims({n, depth}));
  return info.Env().Undefined();
}

}  // namespace graft::cuda
