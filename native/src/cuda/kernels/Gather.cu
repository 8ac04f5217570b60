// Index kernels of graft-cuda: GatherV2 (batchDims 0) and OneHot.
#include <cstdint>

#include "cuda/launch.h"

namespace graft::cuda {

namespace {

constexpr int kThreads = 256;

template <typename T>
__global__ void GatherKernel(const T* __restrict__ x, const int32_t* __restrict__ idx, T* __restrict__ y,
                             int64_t outer, int64_t axis, int64_t nIdx, int64_t inner) {
  const int64_t n = outer * nIdx * inner;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t in = i % inner;
    const int64_t j = (i / inner) % nIdx;
    const int64_t o = i / (inner * nIdx);
    const int64_t k = idx[j];
    y[i] = (k >= 0 && k < axis) ? x[(o * axis + k) * inner + in] : T(0);
  }
}

__global__ void OneHotKernel(const int32_t* __restrict__ idx, uint32_t* __restrict__ y, int64_t n,
                             int64_t depth, uint32_t on, uint32_t off) {
  const int64_t total = n * depth;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    y[i] = idx[i / depth] == int32_t(i % depth) ? on : off;
  }
}

unsigned Blocks(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  if (b > (int64_t(1) << 20)) b = int64_t(1) << 20;
  return static_cast<unsigned>(b < 1 ? 1 : b);
}

}  // namespace

void LaunchGather(const void* x, const int32_t* idx, void* y, int elemSize, int64_t outer,
                  int64_t axis, int64_t nIdx, int64_t inner, cudaStream_t s) {
  const int64_t n = outer * nIdx * inner;
  if (n == 0) return;
  if (elemSize == 1) {
    GatherKernel<uint8_t><<<Blocks(n), kThreads, 0, s>>>(static_cast<const uint8_t*>(x), idx,
                                                         static_cast<uint8_t*>(y), outer, axis, nIdx, inner);
  } else {
    GatherKernel<uint32_t><<<Blocks(n), kThreads, 0, s>>>(static_cast<const uint32_t*>(x), idx,
                                                          static_cast<uint32_t*>(y), outer, axis, nIdx, inner);
  }
}

void LaunchOneHot(const int32_t* idx, void* y, int64_t n, int64_t depth, uint32_t onBits,
                  uint32_t offBits, cudaStream_t s) {
  if (n * depth == 0) return;
  OneHotKernel<<<Blocks(n * depth), kThreads, 0, s>>>(idx, static_cast<uint32_t*>(y), n, depth, onBits, offBits);
}

}  // namespace graft::cuda
