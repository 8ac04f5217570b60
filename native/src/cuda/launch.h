// The device kernels (kernels/*.cu), as plain C++ functions that queue them on a
// stream. The N-API bindings and the cuDNN/cuBLAS code (.cc) call these; only the
// .cu files are compiled by nvcc (and see neither N-API nor graft::Error). Every
// launcher returns at once; the caller checks the launch with CheckLaunch()
// (context.h), and errors while a kernel runs surface at the next synchronisation.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "../boundary.h"

namespace graft::cuda {

inline constexpr int kMaxRank = GRAFT_CONST_CUDA_MAX_RANK;

// y = op(x) over n float32 values (op: boundary.h UnaryOp). alpha/beta: Step's alpha, clip's min/max,
// leakyrelu's slope, as the doubles tfjs-cpu computes with (its leakyRelu is
// fround(alpha * x) with alpha a JS number, not float32(alpha) * x). tfjs-cpu's NaN
// rules hold (relu/step/clip keep NaN).
void LaunchUnary(int op, const float* x, float* y, int64_t n, double alpha, double beta,
                 cudaStream_t s);

// y = a op b with numpy broadcasting: `shape` is the output's (rank <= kMaxRank), and
// aStrides/bStrides are each input's element strides over it (0 where it broadcasts).
struct Broadcast {
  int rank;
  int64_t shape[kMaxRank];
  int64_t aStrides[kMaxRank];
  int64_t bStrides[kMaxRank];
};
// op: boundary.h BinaryOp; dtype: of a and b (DType); the output is bool for comparisons
// and logical ops, else the input dtype. The caller checks the op/dtype pair.
void LaunchBinary(int op, int dtype, const void* a, const void* b, void* y, const Broadcast& bc,
                  int64_t n, cudaStream_t s);
bool IsComparison(int op);

// Casts between the DTypes, as tfjs-cpu: float->int truncates.
void LaunchCast(const void* x, int from, void* y, int to, int64_t n, cudaStream_t s);
// y = cond ? a : b, elements of elemSize bytes (1 or 4), all of n elements.
void LaunchSelect(const uint8_t* cond, const void* a, const void* b, void* y, int elemSize,
                  int64_t n, cudaStream_t s);
// n 32-bit words of `bits`.
void LaunchFill32(void* y, uint32_t bits, int64_t n, cudaStream_t s);

// y[i] = x[offset + sum_k coord_k(i) * inStrides[k]]: Slice, Transpose, crops and
// filter layout changes in one kernel. `shape` is y's.
struct Strided {
  int rank;
  int64_t shape[kMaxRank];
  int64_t inStrides[kMaxRank];
  int64_t offset;
};
void LaunchStridedCopy(const void* x, void* y, int elemSize, const Strided& st, int64_t n,
                       cudaStream_t s);

// NHWC zero padding: y [N, HP, WP, C] holds x [N, H, W, C] at (top, left).
void LaunchPadNHWC(const float* x, float* y, int n, int h, int w, int c, int hp, int wp, int top,
                   int left, cudaStream_t s);

// In place: y = act(y + bias[i % channels]); bias may be null. act: boundary.h
// Activation (leakyrelu's alpha a double, as in tfjs-cpu).
void LaunchBiasActivation(float* y, const float* bias, int64_t n, int64_t channels, int act,
                          double alpha, cudaStream_t s);

// Reductions over the middle axis of x viewed as [outer, r, inner].
// float32: sums accumulate in double and round once, like tfjs-cpu. `scratch` holds
// outer*inner doubles (sum/mean only; may be null otherwise).
void LaunchReduceF32(int op, const float* x, float* y, double* scratch, int64_t outer, int64_t r,
                     int64_t inner, cudaStream_t s);
void LaunchReduceI32(int op, const int32_t* x, int32_t* y, int64_t outer, int64_t r, int64_t inner,
                     cudaStream_t s);
// ArgMax (max = true) / ArgMin as int32 over the middle axis; the first extreme wins.
void LaunchArgReduce(bool max, int dtype, const void* x, int32_t* y, int64_t outer, int64_t r,
                     int64_t inner, cudaStream_t s);

// y[o, j, i] = x[o, idx[j], i] (GatherV2, batchDims 0); an index out of [0, axis)
// gives zeros (a kernel cannot throw; TypeScript documents it).
void LaunchGather(const void* x, const int32_t* idx, void* y, int elemSize, int64_t outer,
                  int64_t axis, int64_t nIdx, int64_t inner, cudaStream_t s);
// y[i, d] = idx[i] == d ? on : off, 32-bit values given as bits.
void LaunchOneHot(const int32_t* idx, void* y, int64_t n, int64_t depth, uint32_t onBits,
                  uint32_t offBits, cudaStream_t s);

// One step of tfjs's MomentumOptimizer over n floats, as graft-cpu's momentumUpdate:
// newAcc = m * acc + grad; newValue = c * newAcc + value (Nesterov: c * (grad + newAcc * m)
// + value), each product and sum rounded as tfjs's separate ops (no FMA). m and c
// are device scalars (the optimizer's tensors), so nothing is read back.
void LaunchMomentum(const float* value, const float* acc, const float* grad, const float* m,
                    const float* c, float* newValue, float* newAcc, int64_t n, bool nesterov,
                    cudaStream_t s);

}  // namespace graft::cuda
