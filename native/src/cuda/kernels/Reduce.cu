// Reductions of graft-cuda over the middle axis of [outer, r, inner]: Sum and Mean
// (float32 accumulated in double and rounded once, as tfjs-cpu), Max, Min, Prod,
// ArgMax, ArgMin. TypeScript transposes the reduced axes together first when they
// are not already contiguous.
#include <cstdint>

#include "cuda/launch.h"

namespace graft::cuda {

namespace {

constexpr int kThreads = 256;
constexpr int64_t kChunk = 256;  // rows of r one thread sums before its atomicAdd (at least)

// Sum: a thread per (outer, inner) column and chunk of r, so that bias gradients
// ([N*H*W, C] -> [C], inner = C small, r huge) still fill the GPU. Partial sums meet
// in `acc` (double, zeroed first) through atomicAdd.
__global__ void SumPartialKernel(const float* __restrict__ x, double* __restrict__ acc, int64_t outer,
                                 int64_t r, int64_t inner, int64_t chunk, bool mean, float count) {
  const int64_t col = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (col >= outer * inner) return;
  const int64_t o = col / inner, i = col % inner;
  const int64_t begin = int64_t(blockIdx.y) * chunk;
  const int64_t end = begin + chunk < r ? begin + chunk : r;
  double s = 0;
  for (int64_t j = begin; j < end; ++j) {
    const float v = x[(o * r + j) * inner + i];
    s += double(mean ? v / count : v);  // tfjs-cpu Mean divides each value first, then sums
  }
  atomicAdd(&acc[col], s);
}

__global__ void SumFinishKernel(const double* __restrict__ acc, float* __restrict__ y, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) y[i] = float(acc[i]);  // rounded once, as tfjs-cpu's double accumulator
}

template <typename T>
__global__ void ReduceKernel(int op, const T* __restrict__ x, T* __restrict__ y, int64_t outer,
                             int64_t r, int64_t inner) {
  const int64_t col = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (col >= outer * inner) return;
  const int64_t o = col / inner, i = col % inner;
  const T* p = x + o * r * inner + i;
  T acc = p[0];
  for (int64_t j = 1; j < r; ++j) {
    const T v = p[j * inner];
    if (op == kReduceMax) {
      if (v != v || v > acc) acc = v;  // tfjs-cpu: NaN wins
    } else if (op == kReduceMin) {
      if (v != v || v < acc) acc = v;
    } else if (op == kProd) {
      acc = acc * v;
    } else {
      acc = acc + v;
    }
  }
  y[col] = acc;
}

template <typename T>
__global__ void ArgReduceKernel(bool max, const T* __restrict__ x, int32_t* __restrict__ y,
                                int64_t outer, int64_t r, int64_t inner) {
  const int64_t col = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (col >= outer * inner) return;
  const int64_t o = col / inner, i = col % inner;
  const T* p = x + o * r * inner + i;
  T best = p[0];
  int32_t at = 0;
  for (int64_t j = 1; j < r; ++j) {
    const T v = p[j * inner];
    if (max ? v > best : v < best) {  // tfjs-cpu: strictly better, so the first extreme wins
      best = v;
      at = int32_t(j);
    }
  }
  y[col] = at;
}

unsigned Blocks(int64_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

}  // namespace

void LaunchReduceF32(int op, const float* x, float* y, double* scratch, int64_t outer, int64_t r,
                     int64_t inner, cudaStream_t s) {
  const int64_t cols = outer * inner;
  if (cols == 0) return;
  if (r == 0) {  // an empty reduction: 0 for sums, NaN for a mean (0/0), as tfjs
    LaunchFill32(y, op == kMean ? 0x7fc00000u : (op == kProd ? 0x3f800000u : 0u), cols, s);
    return;
  }
  if (op == kSum || op == kMean) {
    cudaMemsetAsync(scratch, 0, sizeof(double) * cols, s);
    // gridDim.y is at most 65535: beyond 65535 * kChunk rows, chunks grow instead.
    int64_t chunks = (r + kChunk - 1) / kChunk;
    if (chunks > 65535) chunks = 65535;
    const int64_t chunk = (r + chunks - 1) / chunks;
    dim3 grid(Blocks(cols), static_cast<unsigned>(chunks));
    SumPartialKernel<<<grid, kThreads, 0, s>>>(x, scratch, outer, r, inner, chunk, op == kMean, float(r));
    SumFinishKernel<<<Blocks(cols), kThreads, 0, s>>>(scratch, y, cols);
    return;
  }
  ReduceKernel<float><<<Blocks(cols), kThreads, 0, s>>>(op, x, y, outer, r, inner);
}

void LaunchReduceI32(int op, const int32_t* x, int32_t* y, int64_t outer, int64_t r, int64_t inner,
                     cudaStream_t s) {
  const int64_t cols = outer * inner;
  if (cols == 0) return;
  if (r == 0) {
    LaunchFill32(y, op == kProd ? 1u : 0u, cols, s);
    return;
  }
  ReduceKernel<int32_t><<<Blocks(cols), kThreads, 0, s>>>(op, x, y, outer, r, inner);
}

void LaunchArgReduce(bool max, int dtype, const void* x, int32_t* y, int64_t outer, int64_t r,
                     int64_t inner, cudaStream_t s) {
  const int64_t cols = outer * inner;
  if (cols == 0 || r == 0) return;
  if (dtype == kI32) {
    ArgReduceKernel<int32_t><<<Blocks(cols), kThreads, 0, s>>>(max, static_cast<const int32_t*>(x), y, outer, r, inner);
  } else {
    ArgReduceKernel<float><<<Blocks(cols), kThreads, 0, s>>>(max, static_cast<const float*>(x), y, outer, r, inner);
  }
}

}  // namespace graft::cuda
