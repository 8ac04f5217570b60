// Relu, Step, Softmax, Add/Sub/Mul/RealDiv with the broadcasts dense layers and
// bias need, the bias-gradient row sum, AddN and SGD momentum's update:
// hand-written loops that the compiler vectorises, threaded over contiguous
// chunks. No oneDNN needed. The target is built with -ffp-contract=off, so a
// product and a sum round separately, as tfjs's separate ops do.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "cpu/args.h"
#include "cpu/kernels.h"
#include "cpu/threads.h"

namespace graft::cpu {

namespace {

#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__)
#define GRAFT_TARGET_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GRAFT_TARGET_CLONES
#endif


// BinaryOp and Mode (the broadcast of each input) are boundary.h's.

template <int Op>
inline float Apply(float a, float b) {
  if constexpr (Op == kAdd) return a + b;
  if constexpr (Op == kSub) return a - b;
  if constexpr (Op == kMul) return a * b;
  return a / b;
}

// y[i..i+len) for elements that lie in one row, starting at column j.
template <int Op, int AMode, int BMode>
void BinarySegment(const float* a, const float* b, float* y, int64_t i, int64_t j, int64_t len) {
  const float* pa = AMode == kFull ? a + i : AMode == kRow ? a + j : a;
  const float* pb = BMode == kFull ? b + i : BMode == kRow ? b + j : b;
  float* py = y + i;
  if constexpr (AMode == kScalar && BMode == kScalar) {
    const float v = Apply<Op>(a[0], b[0]);
    std::fill(py, py + len, v);
  } else if constexpr (AMode == kScalar) {
    const float sa = a[0];
    for (int64_t k = 0; k < len; ++k) py[k] = Apply<Op>(sa, pb[k]);
  } else if constexpr (BMode == kScalar) {
    const float sb = b[0];
    for (int64_t k = 0; k < len; ++k) py[k] = Apply<Op>(pa[k], sb);
  } else {
    for (int64_t k = 0; k < len; ++k) py[k] = Apply<Op>(pa[k], pb[k]);
  }
}

template <int Op, int AMode, int BMode>
void BinaryRange(const float* a, const float* b, float* y, int64_t inner, int64_t begin,
                 int64_t end) {
  int64_t i = begin;
  while (i < end) {
    const int64_t j = i % inner;
    const int64_t len = std::min(inner - j, end - i);
    BinarySegment<Op, AMode, BMode>(a, b, y, i, j, len);
    i += len;
  }
}

using BinaryFn = void (*)(const float*, const float*, float*, int64_t, int64_t, int64_t);

template <int Op>
BinaryFn PickMode(int a_mode, int b_mode) {
  static_assert(kModeCount == 3, "one row and column per boundary.h Mode");
  static constexpr BinaryFn table[kModeCount][kModeCount] = {
      {BinaryRange<Op, kFull, kFull>, BinaryRange<Op, kFull, kScalar>, BinaryRange<Op, kFull, kRow>},
      {BinaryRange<Op, kScalar, kFull>, BinaryRange<Op, kScalar, kScalar>, BinaryRange<Op, kScalar, kRow>},
      {BinaryRange<Op, kRow, kFull>, BinaryRange<Op, kRow, kScalar>, BinaryRange<Op, kRow, kRow>},
  };
  return table[a_mode][b_mode];
}

BinaryFn PickBinary(int op, int a_mode, int b_mode) {
  switch (op) {
    case kAdd:
      return PickMode<kAdd>(a_mode, b_mode);
    case kSub:
      return PickMode<kSub>(a_mode, b_mode);
    case kMul:
      return PickMode<kMul>(a_mode, b_mode);
    default:
      return PickMode<kDiv>(a_mode, b_mode);
  }
}

int64_t ModeSize(int mode, int64_t total, int64_t inner) {
  return mode == kFull ? total : mode == kScalar ? 1 : inner;
}

// acc[c] += x[r*cols + c] for rows [begin, end). Converting float to double is
// what this loop spends its time on: built for AVX-512 and AVX2 too (picked at
// load time), it converts 8 or 4 values per instruction instead of SSE2's 2.
GRAFT_TARGET_CLONES
void SumRowsBand(const float* x, double* acc, int64_t begin, int64_t end, int64_t cols) {
  for (int64_t r = begin; r < end; ++r) {
    const float* in = x + r * cols;
    for (int64_t c = 0; c < cols; ++c) acc[c] += in[c];
  }
}

// The same with each value first divided by `d` in float32 (tfjs's Mean: x / n, then the sum).
GRAFT_TARGET_CLONES
void SumRowsBandDiv(const float* x, double* acc, int64_t begin, int64_t end, int64_t cols,
                    float d) {
  for (int64_t r = begin; r < end; ++r) {
    const float* in = x + r * cols;
    for (int64_t c = 0; c < cols; ++c) acc[c] += in[c] / d;
  }
}

// y[i] = f(x[i]) over the threads: the shape of every one-input elementwise entry point.
template <class F>
Napi::Value MapUnary(const Napi::CallbackInfo& info, const char* name, F f) {
  const F32 x = ArgF32(info, 0);
  const F32 y = ArgF32(info, 1);
  CheckSize(name, "y", y, x.size, "x has " + std::to_string(x.size) + " elements");
  ApplyThreads();
  ParallelFor(x.size, kGrain, [&](int64_t begin, int64_t end) {
    const float* in = x.data;
    float* out = y.data;
    for (int64_t i = begin; i < end; ++i) out[i] = f(in[i]);
  });
  return info.Env().Undefined();
}

// dx[i] = f(dy[i], x[i]) over the threads: an activation's gradient from its input.
template <class F>
Napi::Value MapGrad(const Napi::CallbackInfo& info, const char* name, F f) {
  const F32 dy = ArgF32(info, 0);
  const F32 x = ArgF32(info, 1);
  const F32 dx = ArgF32(info, 2);
  CheckSize(name, "x", x, dy.size, "dy has " + std::to_string(dy.size) + " elements");
  CheckSize(name, "dx", dx, dy.size, "dy has " + std::to_string(dy.size) + " elements");
  ApplyThreads();
  ParallelFor(dy.size, kGrain, [&](int64_t begin, int64_t end) {
    const float* g = dy.data;
    const float* in = x.data;
    float* out = dx.data;
    for (int64_t i = begin; i < end; ++i) out[i] = f(g[i], in[i]);
  });
  return info.Env().Undefined();
}

}  // namespace

// relu(x, y): y = max(0, x) as tfjs's Math.max(0, x): NaN stays NaN, -0 becomes 0.
Napi::Value Relu(const Napi::CallbackInfo& info) {
  return MapUnary(info, "relu", [](float v) { return v > 0.0f || v != v ? v : 0.0f; });
}

// clip(x, y, lo, hi): tfjs ClipByValue, x > hi ? hi : (x < lo ? lo : x); NaN stays NaN
// (ReLU6, MobileNet's activation, is relu then clip(0, 6) in tfjs-layers).
Napi::Value Clip(const Napi::CallbackInfo& info) {
  const float lo = ArgFloat(info, 2);
  const float hi = ArgFloat(info, 3);
  return MapUnary(info, "clip", [lo, hi](float v) { return v > hi ? hi : (v < lo ? lo : v); });
}

// sigmoid(x, y): tfjs-cpu's 1 / (1 + exp(-x)), in double as JavaScript computes it, rounded
// to float32 (EfficientNet's swish is x · sigmoid(x), its squeeze-and-excitation a sigmoid).
Napi::Value Sigmoid(const Napi::CallbackInfo& info) {
  return MapUnary(info, "sigmoid", [](float v) {
    return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(v))));
  });
}

// step(x, y, alpha): y = x > 0 ? 1 : alpha; NaN stays NaN (tfjs Step).
Napi::Value Step(const Napi::CallbackInfo& info) {
  const float alpha = ArgFloat(info, 2);
  return MapUnary(info, "step",
                  [alpha](float v) { return v > 0.0f ? 1.0f : (v != v ? v : alpha); });
}

// reluGrad(dy, x, dx): dx = dy * step(x), the gradient of Relu in one pass
// (tfjs computes it as Step, Cast and Multiply: three passes over the tensor).
// The factor is exactly tfjs's step(x): 1, 0, or NaN for NaN, so the product
// has the same bits, infinities and NaNs included.
Napi::Value ReluGrad(const Napi::CallbackInfo& info) {
  return MapGrad(info, "reluGrad",
                 [](float g, float v) { return g * (v > 0.0f ? 1.0f : (v != v ? v : 0.0f)); });
}

// clipGrad(dy, x, dx, lo, hi): dx = lo <= x <= hi ? dy : 0, ClipByValue's gradient in one
// pass (tfjs: GreaterEqual, LessEqual, LogicalAnd, ZerosLike and Select, five); NaN x gives 0
// and a selected dy passes as it is, NaN included, as tfjs' where.
Napi::Value ClipGrad(const Napi::CallbackInfo& info) {
  const float lo = ArgFloat(info, 3);
  const float hi = ArgFloat(info, 4);
  return MapGrad(info, "clipGrad",
                 [lo, hi](float g, float v) { return v >= lo && v <= hi ? g : 0.0f; });
}

// binary(op, a, b, y, outer, inner, aMode, bMode): y[i] = a[ia] op b[ib] for
// i < outer*inner, where mode kFull reads index i, kScalar index 0, kRow index i % inner.
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const char* name = "binary";
  const int op = ArgInt(info, 0);
  const F32 a = ArgF32(info, 1);
  const F32 b = ArgF32(info, 2);
  const F32 y = ArgF32(info, 3);
  const int64_t outer = ArgInt(info, 4);
  const int64_t inner = ArgInt(info, 5);
  const int a_mode = ArgInt(info, 6);
  const int b_mode = ArgInt(info, 7);
  const std::string shape = "op " + std::to_string(op) + ", outer " + std::to_string(outer) +
                            ", inner " + std::to_string(inner) + ", modes " +
                            std::to_string(a_mode) + "," + std::to_string(b_mode);
  if (op < 0 || op >= kBinaryCount || a_mode < 0 || a_mode >= kModeCount || b_mode < 0 ||
      b_mode >= kModeCount) {
    throw Error(code::kInternal, std::string(name) + ": unknown op or mode (" + shape + ")");
  }
  CheckParams(name, {outer, inner}, {}, shape);
  const int64_t total = outer * inner;
  CheckSize(name, "y", y, total, shape);
  if (total == 0) return info.Env().Undefined();
  CheckSize(name, "a", a, ModeSize(a_mode, total, inner), shape);
  CheckSize(name, "b", b, ModeSize(b_mode, total, inner), shape);
  const BinaryFn fn = PickBinary(op, a_mode, b_mode);
  ApplyThreads();
  ParallelFor(total, kGrain, [&](int64_t begin, int64_t end) {
    fn(a.data, b.data, y.data, inner, begin, end);
  });
  return info.Env().Undefined();
}

// sumRows(x, y, rows, cols): y[c] = sum over r of x[r*cols + c], accumulated in
// double (tfjs sums in JS numbers, i.e. double, too) and rounded once.
Napi::Value SumRows(const Napi::CallbackInfo& info) {
  const F32 x = ArgF32(info, 0);
  const F32 y = ArgF32(info, 1);
  const int64_t rows = ArgInt(info, 2);
  const int64_t cols = ArgInt(info, 3);
  // Optional: divide each value by this float first (Mean); absent or 1 sums as they are.
  const float divisor = info.Length() > 4 && !info[4].IsUndefined() ? ArgFloat(info, 4) : 1.0f;
  const std::string shape = "rows " + std::to_string(rows) + ", cols " + std::to_string(cols);
  CheckParams("sumRows", {rows, cols}, {}, shape);
  CheckSize("sumRows", "x", x, rows * cols, shape);
  CheckSize("sumRows", "y", y, cols, shape);
  if (cols == 0) return info.Env().Undefined();
  ApplyThreads();
  // Each thread sums a band of rows into its own partial row; the partials are
  // added in thread order, so a given thread count always gives the same bits.
  const int threads = NumThreads();
  std::vector<double> partial(static_cast<size_t>(threads) * cols, 0.0);
  const int64_t grain = std::max<int64_t>(1, kGrain / cols);
  ParallelFor(rows, grain, [&](int64_t begin, int64_t end) {
#ifdef _OPENMP
    const int t = omp_in_parallel() ? omp_get_thread_num() : 0;
#else
    const int t = 0;
#endif
    double* acc = partial.data() + static_cast<size_t>(t) * cols;
    if (divisor == 1.0f) SumRowsBand(x.data, acc, begin, end, cols);
    else SumRowsBandDiv(x.data, acc, begin, end, cols, divisor);
  });
  for (int64_t c = 0; c < cols; ++c) {
    double s = 0.0;
    for (int t = 0; t < threads; ++t) s += partial[static_cast<size_t>(t) * cols + c];
    y.data[c] = static_cast<float>(s);
  }
  return info.Env().Undefined();
}

// addN(inputs, y): y = inputs[0] + inputs[1] + ..., in float32 and in order, as
// tfjs-backend-cpu's AddN.
Napi::Value AddN(const Napi::CallbackInfo& info) {
  Napi::Array list = info[0].As<Napi::Array>();
  const F32 y = ArgF32(info, 1);
  const uint32_t count = list.Length();
  std::vector<const float*> inputs;
  inputs.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    Napi::Float32Array a = list.Get(i).As<Napi::Float32Array>();
    CheckArrayType(a, napi_float32_array, 0, "an array of Float32Arrays");
    if (static_cast<int64_t>(a.ElementLength()) != y.size) {
      throw Error(code::kInternal, "addN: inputs[" + std::to_string(i) + "] has " +
                                       std::to_string(a.ElementLength()) + " elements, y has " +
                                       std::to_string(y.size));
    }
    inputs.push_back(a.Data());
  }
  ApplyThreads();
  ParallelFor(y.size, kGrain, [&](int64_t begin, int64_t end) {
    // Cache-sized blocks: each block of y stays in L1/L2 while every input is added.
    constexpr int64_t kBlock = 4096;
    for (int64_t b0 = begin; b0 < end; b0 += kBlock) {
      const int64_t b1 = std::min(b0 + kBlock, end);
      float* out = y.data;
      if (inputs.empty()) {
        std::fill(out + b0, out + b1, 0.0f);
        continue;
      }
      std::copy(inputs[0] + b0, inputs[0] + b1, out + b0);
      for (size_t k = 1; k < inputs.size(); ++k) {
        const float* in = inputs[k];
        for (int64_t i = b0; i < b1; ++i) out[i] += in[i];
      }
    }
  });
  return info.Env().Undefined();
}

// momentumUpdate(value, acc, grad, newValue, newAcc, m, c, nesterov): one step of
// tfjs's MomentumOptimizer in one pass instead of four (six with Nesterov) tensor
// ops, with tfjs's roundings: newAcc = m * acc + grad, then newValue =
// c * newAcc + value, or c * (grad + newAcc * m) + value with Nesterov, where c is
// the optimizer's -learningRate. Inputs are read and outputs written once.
Napi::Value MomentumUpdate(const Napi::CallbackInfo& info) {
  const F32 value = ArgF32(info, 0);
  const F32 acc = ArgF32(info, 1);
  const F32 grad = ArgF32(info, 2);
  const F32 new_value = ArgF32(info, 3);
  const F32 new_acc = ArgF32(info, 4);
  const float m = static_cast<float>(info[5].As<Napi::Number>().DoubleValue());
  const float c = static_cast<float>(info[6].As<Napi::Number>().DoubleValue());
  const bool nesterov = info[7].As<Napi::Boolean>().Value();
  const std::string n = "value has " + std::to_string(value.size) + " elements";
  CheckSize("momentumUpdate", "acc", acc, value.size, n);
  CheckSize("momentumUpdate", "grad", grad, value.size, n);
  CheckSize("momentumUpdate", "newValue", new_value, value.size, n);
  CheckSize("momentumUpdate", "newAcc", new_acc, value.size, n);
  ApplyThreads();
  ParallelFor(value.size, kGrain, [&](int64_t begin, int64_t end) {
    const float* v = value.data;
    const float* a = acc.data;
    const float* g = grad.data;
    float* nv = new_value.data;
    float* na = new_acc.data;
    if (nesterov) {
      for (int64_t i = begin; i < end; ++i) {
        const float acc_i = m * a[i] + g[i];
        na[i] = acc_i;
        nv[i] = c * (g[i] + acc_i * m) + v[i];
      }
    } else {
      for (int64_t i = begin; i < end; ++i) {
        const float acc_i = m * a[i] + g[i];
        na[i] = acc_i;
        nv[i] = c * acc_i + v[i];
      }
    }
  });
  return info.Env().Undefined();
}

}  // namespace graft::cpu
