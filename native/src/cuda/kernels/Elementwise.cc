// N-API side of the CUDA kernels in Elementwise.cu, Reduce.cu and Gather.cu: reads
// ids and parameters, allocates the output, queues the kernel. TypeScript
// (ts/cuda/kernels/*.ts) has already chosen the op, checked dtypes and collapsed shapes.
#include <cstring>

#include "cuda/args.h"
#include "cuda/context.h"
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "cuda/storage.h"

namespace graft::cuda {


// unary(op, x, y, n, alpha, beta): float32.
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const int op = int(Int(info, 0, "op"));
  CheckOp(op, kUnaryCount, "unary");
  const int64_t n = Int(info, 3, "n");
  const float* x = static_cast<const float*>(Ptr(Int(info, 1, "x"), "unary x"));
  float* y = static_cast<float*>(AllocOutput(Int(info, 2, "y"), sizeof(float) * n, "unary y"));
  LaunchUnary(op, x, y, n, Num(info, 4, "alpha"), Num(info, 5, "beta"), Context::Get().stream());
  CheckLaunch("unary", "op " + std::to_string(op) + " n " + std::to_string(n));
  return info.Env().Undefined();
}

// binary(op, dtype, a, b, y, p): p is boundary.h's CUDA_BINARY_BLOCK, then its arrays.
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const int op = int(Int(info, 0, "op"));
  CheckOp(op, kBinaryCount, "binary");
  const int dtype = int(Int(info, 1, "dtype"));
  CheckDType(dtype, "binary");
  const int32_t* p = Ints(info, 5, kBinaryBlockFixed, "p");
  Broadcast bc{};
  bc.rank = p[kBinaryRank];
  if (bc.rank < 0 || bc.rank > kMaxRank) throw Error(code::kInternal, "binary: rank " + std::to_string(bc.rank));
  Ints(info, 5, kBinaryBlockFixed + kBinaryArrayCount * size_t(bc.rank), "p");
  // The rank-long arrays follow the fixed fields, in boundary.h's BinaryArray order.
  const auto at = [&](BinaryArray a, int k) { return p[kBinaryBlockFixed + a * bc.rank + k]; };
  int64_t n = 1;
  for (int k = 0; k < bc.rank; ++k) {
    bc.shape[k] = at(kBinaryShape, k);
    bc.aStrides[k] = at(kBinaryAStrides, k);
    bc.bStrides[k] = at(kBinaryBStrides, k);
    n *= bc.shape[k];
  }
  const void* a = Ptr(Int(info, 2, "a"), "binary a");
  const void* b = Ptr(Int(info, 3, "b"), "binary b");
  const size_t outSize = IsComparison(op) ? 1 : ElementSize(dtype);
  void* y = AllocOutput(Int(info, 4, "y"), outSize * n, "binary y");
  LaunchBinary(op, dtype, a, b, y, bc, n, Context::Get().stream());
  CheckLaunch("binary", "op " + std::to_string(op) + " n " + std::to_string(n));
  return info.Env().Undefined();
}

// cast(x, from, y, to, n).
Napi::Value Cast(const Napi::CallbackInfo& info) {
  const int from = int(Int(info, 1, "from")), to = int(Int(info, 3, "to"));
  CheckDType(from, "cast");
  CheckDType(to, "cast");
  const int64_t n = Int(info, 4, "n");
  const void* x = Ptr(Int(info, 0, "x"), "cast x");
  void* y = AllocOutput(Int(info, 2, "y"), ElementSize(to) * n, "cast y");
  LaunchCast(x, from, y, to, n, Context::Get().stream());
  CheckLaunch("cast", "n " + std::to_string(n));
  return info.Env().Undefined();
}

// select(cond, a, b, y, dtype, n): all of n elements (TypeScript broadcasts first).
Napi::Value Select(const Napi::CallbackInfo& info) {
  const int dtype = int(Int(info, 4, "dtype"));
  CheckDType(dtype, "select");
  const int64_t n = Int(info, 5, "n");
  const auto* c = static_cast<const uint8_t*>(Ptr(Int(info, 0, "condition"), "select condition"));
  const void* a = Ptr(Int(info, 1, "a"), "select a");
  const void* b = Ptr(Int(info, 2, "b"), "select b");
  void* y = AllocOutput(Int(info, 3, "y"), ElementSize(dtype) * n, "select y");
  LaunchSelect(c, a, b, y, int(ElementSize(dtype)), n, Context::Get().stream());
  CheckLaunch("select", "n " + std::to_string(n));
  return info.Env().Undefined();
}

// fill(y, dtype, n, value): ZerosLike, OnesLike, Fill.
Napi::Value Fill(const Napi::CallbackInfo& info) {
  const int dtype = int(Int(info, 1, "dtype"));
  CheckDType(dtype, "fill");
  const int64_t n = Int(info, 2, "n");
  const double value = Num(info, 3, "value");
  Context& ctx = Context::Get();
  void* y = AllocOutput(Int(info, 0, "y"), ElementSize(dtype) * n, "fill y");
  if (n == 0) return info.Env().Undefined();
  if (dtype == kBool || value == 0) {
    GRAFT_CHECK(cudaMemsetAsync(y, dtype == kBool && value != 0 ? 1 : 0, ElementSize(dtype) * n, ctx.stream()),
                "fill n " + std::to_string(n));
  } else {
    LaunchFill32(y, Bits(value, dtype), n, ctx.stream());
    CheckLaunch("fill", "n " + std::to_string(n));
  }
  return info.Env().Undefined();
}

// stridedCopy(x, y, dtype, p): p is boundary.h's CUDA_STRIDED_BLOCK, then its arrays.
Napi::Value StridedCopy(const Napi::CallbackInfo& info) {
  const int dtype = int(Int(info, 2, "dtype"));
  CheckDType(dtype, "stridedCopy");
  const int32_t* p = Ints(info, 3, kStridedBlockFixed, "p");
  Strided st{};
  st.rank = p[kStridedRank];
  if (st.rank < 0 || st.rank > kMaxRank) throw Error(code::kInternal, "stridedCopy: rank " + std::to_string(st.rank));
  Ints(info, 3, kStridedBlockFixed + kStridedArrayCount * size_t(st.rank), "p");
  st.offset = p[kStridedOffset];
  const auto at = [&](StridedArray a, int k) { return p[kStridedBlockFixed + a * st.rank + k]; };
  int64_t n = 1;
  for (int k = 0; k < st.rank; ++k) {
    st.shape[k] = at(kStridedShape, k);
    st.inStrides[k] = at(kStridedInStrides, k);
    n *= st.shape[k];
  }
  const void* x = Ptr(Int(info, 0, "x"), "stridedCopy x");
  void* y = AllocOutput(Int(info, 1, "y"), ElementSize(dtype) * n, "stridedCopy y");
  LaunchStridedCopy(x, y, int(ElementSize(dtype)), st, n, Context::Get().stream());
  CheckLaunch("stridedCopy", "n " + std::to_string(n));
  return info.Env().Undefined();
}

// momentumUpdate(value, acc, grad, m, c, newValue, newAcc, n, nesterov): float32 ids;
// m and c are one-element tensors on the device.
Napi::Value MomentumUpdate(const Napi::CallbackInfo& info) {
  const int64_t n = Int(info, 7, "n");
  const auto f = [&](size_t i, const char* role) { return static_cast<const float*>(Ptr(Int(info, i, role), role)); };
  const float* value = f(0, "momentumUpdate value");
  const float* acc = f(1, "momentumUpdate accumulation");
  const float* grad = f(2, "momentumUpdate gradient");
  const float* m = f(3, "momentumUpdate m");
  const float* c = f(4, "momentumUpdate c");
  const bool nesterov = info.Length() > 8 && info[8].ToBoolean();
  float* newValue = static_cast<float*>(AllocOutput(Int(info, 5, "newValue"), sizeof(float) * n, "momentumUpdate newValue"));
  float* newAcc = static_cast<float*>(AllocOutput(Int(info, 6, "newAcc"), sizeof(float) * n, "momentumUpdate newAcc"));
  LaunchMomentum(value, acc, grad, m, c, newValue, newAcc, n, nesterov, Context::Get().stream());
  CheckLaunch("momentumUpdate", "n " + std::to_string(n));
  return info.Env().Undefined();
}

}  // namespace graft::cuda
