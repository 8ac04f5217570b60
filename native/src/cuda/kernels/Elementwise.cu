// Elementwise device kernels of graft-cuda: unary float32 math, broadcasting binary
// ops, casts, select, fills, strided copies (Slice/Transpose), NHWC padding, and the
// bias + activation epilogue of convolutions cuDNN does not fuse. Each follows
// tfjs-cpu's rules for NaN and rounding (see launch.h); tolerances in test/cuda.test.ts.
#include <cmath>
#include <cstdint>

#include "cuda/launch.h"

namespace graft::cuda {

namespace {

constexpr int kThreads = 256;

inline unsigned Blocks(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  if (b > (int64_t(1) << 20)) b = int64_t(1) << 20;  // grid-stride loops cover the rest
  return static_cast<unsigned>(b < 1 ? 1 : b);
}

#define GRID_STRIDE(i, n) \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

__device__ __forceinline__ float Activate(float v, int act, double alpha) {
  switch (act) {
    case kActRelu: return v < 0.f ? 0.f : v;                             // relu (NaN stays)
    case kActRelu6: return v < 0.f ? 0.f : (v > 6.f ? 6.f : v);             // relu6
    case kActElu: return v < 0.f ? float(exp(double(v)) - 1.0) : v;       // elu, as tfjs in double
    case kActSigmoid: return float(1.0 / (1.0 + exp(-double(v))));             // sigmoid
    case kActLeakyRelu: return v < 0.f ? float(alpha * double(v)) : v;          // leakyrelu, in double
    default: return v;                                                 // linear
  }
}

__global__ void UnaryKernel(int op, const float* __restrict__ x, float* __restrict__ y, int64_t n,
                            double alpha, double beta) {
  GRID_STRIDE(i, n) {
    const float v = x[i];
    float r;
    // Transcendentals in double, rounded once: tfjs-cpu computes Math.log & co. in
    // double and stores float32, so this gives its bits (but for rare double-rounding
    // ties). These kernels are memory-bound; FP64 costs nothing measurable.
    const double d = double(v);
    switch (op) {
      case kNeg: r = -v; break;
      case kLog: r = float(log(d)); break;
      case kSquare: r = v * v; break;
      case kRelu: r = v < 0.f ? 0.f : v; break;
      case kStep: r = v > 0.f ? 1.f : (v != v ? v : float(alpha)); break;
      case kFloor: r = floorf(v); break;
      case kExp: r = float(exp(d)); break;
      case kSqrt: r = float(sqrt(d)); break;
      case kAbs: r = fabsf(v); break;
      case kSigmoid: r = float(1.0 / (1.0 + exp(-d))); break;
      case kTanh: r = float(tanh(d)); break;
      case kRsqrt: r = float(1.0 / sqrt(d)); break;
      case kReciprocal: r = 1.f / v; break;
      case kClip: r = d > beta ? float(beta) : (d < alpha ? float(alpha) : v); break;
      case kRelu6: r = v < 0.f ? 0.f : (v > 6.f ? 6.f : v); break;
      case kElu: r = v < 0.f ? float(exp(d) - 1.0) : v; break;
      case kLeakyRelu: r = v < 0.f ? float(alpha * d) : v; break;  // tfjs: fround(alpha * x)
      case kCeil: r = ceilf(v); break;
      case kSign: r = v > 0.f ? 1.f : (v < 0.f ? -1.f : 0.f); break;  // tfjs-cpu: NaN -> 0
      case kLog1p: r = float(log1p(d)); break;
      default: r = v;
    }
    y[i] = r;
  }
}

template <typename T>
__device__ __forceinline__ T Arith(int op, T a, T b) {
  switch (op) {
    case kAdd: return a + b;
    case kSub: return a - b;
    case kMul: return a * b;
    case kDiv: return a / b;
    case kMax: return a > b ? a : b;
    case kMin: return a < b ? a : b;
    case kSquaredDiff: return (a - b) * (a - b);
    default: return a;
  }
}

template <>
__device__ __forceinline__ float Arith<float>(int op, float a, float b) {
  switch (op) {
    case kAdd: return a + b;
    case kSub: return a - b;
    case kMul: return a * b;
    case kDiv: return a / b;  // IEEE division (nvcc's default -prec-div=true): tfjs's bits
    case kMax: return (a != a || b != b) ? NAN : (a > b ? a : b);
    case kMin: return (a != a || b != b) ? NAN : (a < b ? a : b);
    case kSquaredDiff: {  // tfjs-cpu squares the difference in double, then rounds once
      const double d = double(a) - double(b);
      return float(d * d);
    }
    case kPow: return float(pow(double(a), double(b)));
    case kReluGrad: return a * (b > 0.f ? 1.f : (b != b ? b : 0.f));
    default: return a;
  }
}

template <typename T>
__device__ __forceinline__ uint8_t Compare(int op, T a, T b) {
  switch (op) {
    case kEqual: return a == b;
    case kNotEqual: return a != b;
    case kGreater: return a > b;
    case kGreaterEqual: return a >= b;
    case kLess: return a < b;
    case kLessEqual: return a <= b;
    case kLogicalAnd: return (a != T(0)) && (b != T(0));
    case kLogicalOr: return (a != T(0)) || (b != T(0));
    default: return 0;
  }
}

template <typename T, typename Out, bool kCompare>
__global__ void BinaryKernel(int op, const T* __restrict__ a, const T* __restrict__ b,
                             Out* __restrict__ y, Broadcast bc, int64_t n) {
  GRID_STRIDE(i, n) {
    int64_t ai = 0, bi = 0, rem = i;
    for (int k = bc.rank - 1; k >= 0; --k) {
      const int64_t c = rem % bc.shape[k];
      rem /= bc.shape[k];
      ai += c * bc.aStrides[k];
      bi += c * bc.bStrides[k];
    }
    if constexpr (kCompare) {
      y[i] = Compare<T>(op, a[ai], b[bi]);
    } else {
      y[i] = Arith<T>(op, a[ai], b[bi]);
    }
  }
}

// Same shapes, no broadcasting: the common case, without index arithmetic.
template <typename T, typename Out, bool kCompare>
__global__ void BinaryFlatKernel(int op, const T* __restrict__ a, const T* __restrict__ b,
                                 Out* __restrict__ y, int64_t n, bool aScalar, bool bScalar) {
  GRID_STRIDE(i, n) {
    const T av = a[aScalar ? 0 : i];
    const T bv = b[bScalar ? 0 : i];
    if constexpr (kCompare) {
      y[i] = Compare<T>(op, av, bv);
    } else {
      y[i] = Arith<T>(op, av, bv);
    }
  }
}

template <typename T, typename Out, bool kCompare>
void Binary(int op, const void* a, const void* b, void* y, const Broadcast& bc, int64_t n,
            cudaStream_t s) {
  const T* pa = static_cast<const T*>(a);
  const T* pb = static_cast<const T*>(b);
  Out* py = static_cast<Out*>(y);
  // rank 1 with strides 0/1 (what TypeScript's dimension collapsing gives for same
  // shapes and scalars) takes the flat kernel.
  if (bc.rank <= 1 && (bc.rank == 0 || (bc.aStrides[0] <= 1 && bc.bStrides[0] <= 1))) {
    const bool aScalar = bc.rank == 0 || bc.aStrides[0] == 0;
    const bool bScalar = bc.rank == 0 || bc.bStrides[0] == 0;
    BinaryFlatKernel<T, Out, kCompare><<<Blocks(n), kThreads, 0, s>>>(op, pa, pb, py, n, aScalar, bScalar);
  } else {
    BinaryKernel<T, Out, kCompare><<<Blocks(n), kThreads, 0, s>>>(op, pa, pb, py, bc, n);
  }
}

template <typename From, typename To>
__device__ __forceinline__ To CastValue(From v) {
  return static_cast<To>(v);
}
template <>
__device__ __forceinline__ int32_t CastValue<float, int32_t>(float v) {
  // tfjs-cpu: Int32Array.from(Float32Array) = ToInt32: truncate, NaN -> 0, modulo 2^32.
  if (!(v == v) || isinf(v)) return 0;
  const double t = trunc(double(v));
  const double m = fmod(t, 4294967296.0);
  const double w = m < 0 ? m + 4294967296.0 : m;
  return static_cast<int32_t>(static_cast<uint32_t>(w));
}
template <>
__device__ __forceinline__ uint8_t CastValue<float, uint8_t>(float v) {
  return v != 0.f ? 1 : 0;  // NaN != 0: true, as tfjs
}
template <>
__device__ __forceinline__ uint8_t CastValue<int32_t, uint8_t>(int32_t v) {
  return v != 0 ? 1 : 0;
}

template <typename From, typename To>
__global__ void CastKernel(const From* __restrict__ x, To* __restrict__ y, int64_t n) {
  GRID_STRIDE(i, n) { y[i] = CastValue<From, To>(x[i]); }
}

template <typename From>
void CastFrom(const void* x, void* y, int to, int64_t n, cudaStream_t s) {
  const From* px = static_cast<const From*>(x);
  switch (to) {
    case kF32: CastKernel<From, float><<<Blocks(n), kThreads, 0, s>>>(px, static_cast<float*>(y), n); break;
    case kI32: CastKernel<From, int32_t><<<Blocks(n), kThreads, 0, s>>>(px, static_cast<int32_t*>(y), n); break;
    default: CastKernel<From, uint8_t><<<Blocks(n), kThreads, 0, s>>>(px, static_cast<uint8_t*>(y), n); break;
  }
}

template <typename T>
__global__ void SelectKernel(const uint8_t* __restrict__ c, const T* __restrict__ a,
                             const T* __restrict__ b, T* __restrict__ y, int64_t n) {
  GRID_STRIDE(i, n) { y[i] = c[i] ? a[i] : b[i]; }
}

__global__ void Fill32Kernel(uint32_t* y, uint32_t bits, int64_t n) {
  GRID_STRIDE(i, n) { y[i] = bits; }
}

template <typename T>
__global__ void StridedCopyKernel(const T* __restrict__ x, T* __restrict__ y, Strided st, int64_t n) {
  GRID_STRIDE(i, n) {
    int64_t src = st.offset, rem = i;
    for (int k = st.rank - 1; k >= 0; --k) {
      const int64_t c = rem % st.shape[k];
      rem /= st.shape[k];
      src += c * st.inStrides[k];
    }
    y[i] = x[src];
  }
}

__global__ void PadNHWCKernel(const float* __restrict__ x, float* __restrict__ y, int h, int w,
                              int c, int hp, int wp, int top, int left, int64_t n) {
  GRID_STRIDE(i, n) {
    const int64_t ch = i % c;
    int64_t rest = i / c;
    const int64_t col = rest % wp;
    rest /= wp;
    const int64_t row = rest % hp;
    const int64_t img = rest / hp;
    const int64_t sr = row - top, sc = col - left;
    y[i] = (sr >= 0 && sr < h && sc >= 0 && sc < w) ? x[((img * h + sr) * w + sc) * c + ch] : 0.f;
  }
}

__global__ void BiasActivationKernel(float* __restrict__ y, const float* __restrict__ bias, int64_t n,
                                     int64_t channels, int act, double alpha) {
  GRID_STRIDE(i, n) {
    float v = y[i];
    if (bias != nullptr) v += bias[i % channels];
    y[i] = Activate(v, act, alpha);
  }
}

}  // namespace

bool IsComparison(int op) { return op >= kEqual && op <= kLogicalOr; }

void LaunchUnary(int op, const float* x, float* y, int64_t n, double alpha, double beta, cudaStream_t s) {
  if (n == 0) return;
  UnaryKernel<<<Blocks(n), kThreads, 0, s>>>(op, x, y, n, alpha, beta);
}

void LaunchBinary(int op, int dtype, const void* a, const void* b, void* y, const Broadcast& bc,
                  int64_t n, cudaStream_t s) {
  if (n == 0) return;
  const bool cmp = IsComparison(op);
  switch (dtype) {
    case kF32:
      cmp ? Binary<float, uint8_t, true>(op, a, b, y, bc, n, s) : Binary<float, float, false>(op, a, b, y, bc, n, s);
      break;
    case kI32:
      cmp ? Binary<int32_t, uint8_t, true>(op, a, b, y, bc, n, s)
          : Binary<int32_t, int32_t, false>(op, a, b, y, bc, n, s);
      break;
    default:
      Binary<uint8_t, uint8_t, true>(op, a, b, y, bc, n, s);
  }
}

void LaunchCast(const void* x, int from, void* y, int to, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  switch (from) {
    case kF32: CastFrom<float>(x, y, to, n, s); break;
    case kI32: CastFrom<int32_t>(x, y, to, n, s); break;
    default: CastFrom<uint8_t>(x, y, to, n, s); break;
  }
}

void LaunchSelect(const uint8_t* cond, const void* a, const void* b, void* y, int elemSize,
                  int64_t n, cudaStream_t s) {
  if (n == 0) return;
  if (elemSize == 1) {
    SelectKernel<uint8_t><<<Blocks(n), kThreads, 0, s>>>(cond, static_cast<const uint8_t*>(a),
                                                         static_cast<const uint8_t*>(b), static_cast<uint8_t*>(y), n);
  } else {
    SelectKernel<uint32_t><<<Blocks(n), kThreads, 0, s>>>(cond, static_cast<const uint32_t*>(a),
                                                          static_cast<const uint32_t*>(b), static_cast<uint32_t*>(y), n);
  }
}

void LaunchFill32(void* y, uint32_t bits, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  Fill32Kernel<<<Blocks(n), kThreads, 0, s>>>(static_cast<uint32_t*>(y), bits, n);
}

void LaunchStridedCopy(const void* x, void* y, int elemSize, const Strided& st, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  if (elemSize == 1) {
    StridedCopyKernel<uint8_t><<<Blocks(n), kThreads, 0, s>>>(static_cast<const uint8_t*>(x), static_cast<uint8_t*>(y), st, n);
  } else {
    StridedCopyKernel<uint32_t><<<Blocks(n), kThreads, 0, s>>>(static_cast<const uint32_t*>(x), static_cast<uint32_t*>(y), st, n);
  }
}

void LaunchPadNHWC(const float* x, float* y, int n, int h, int w, int c, int hp, int wp, int top,
                   int left, cudaStream_t s) {
  const int64_t total = int64_t(n) * hp * wp * c;
  if (total == 0) return;
  PadNHWCKernel<<<Blocks(total), kThreads, 0, s>>>(x, y, h, w, c, hp, wp, top, left, total);
}

__global__ void MomentumKernel(const float* __restrict__ value, const float* __restrict__ acc,
                               const float* __restrict__ grad, const float* __restrict__ m,
                               const float* __restrict__ c, float* __restrict__ newValue,
                               float* __restrict__ newAcc, int64_t n, bool nesterov) {
  const float mv = *m, cv = *c;
  GRID_STRIDE(i, n) {
    const float g = grad[i];
    const float a = __fadd_rn(__fmul_rn(mv, acc[i]), g);
    newAcc[i] = a;
    const float step = nesterov ? __fmul_rn(cv, __fadd_rn(g, __fmul_rn(a, mv))) : __fmul_rn(cv, a);
    newValue[i] = __fadd_rn(step, value[i]);
  }
}

void LaunchMomentum(const float* value, const float* acc, const float* grad, const float* m,
                    const float* c, float* newValue, float* newAcc, int64_t n, bool nesterov,
                    cudaStream_t s) {
  if (n == 0) return;
  MomentumKernel<<<Blocks(n), kThreads, 0, s>>>(value, acc, grad, m, c, newValue, newAcc, n, nesterov);
}

void LaunchBiasActivation(float* y, const float* bias, int64_t n, int64_t channels, int act,
                          double alpha, cudaStream_t s) {
  if (n == 0) return;
  BiasActivationKernel<<<Blocks(n), kThreads, 0, s>>>(y, bias, n, channels, act, alpha);
}

}  // namespace graft::cuda
