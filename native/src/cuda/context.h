// The one device context of graft_cuda.node: device 0 (or GRAFT_CUDA_DEVICE), one
// non-blocking stream on which every copy and kernel is queued in order, the
// device's default memory pool (cudaMallocAsync, memory kept for reuse), and the
// cuDNN / cuBLASLt handles bound to that stream. Made on first use, never before:
// loading the addon or calling probe() creates nothing on the device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cuda/cuda_common.h"

namespace graft::cuda {

struct Settings {
  // TF32 tensor cores for float32 convolutions and matmuls: on unless GRAFT_CUDA_TF32=0.
  bool tf32 = true;
  // Measured algorithm search per convolution shape (cudnnFind*) instead of heuristics:
  // GRAFT_CUDNN_BENCHMARK=1.
  bool benchmark = false;
  // Largest workspace a convolution or matmul may take from the pool (GRAFT_CUDA_WORKSPACE_MB).
  size_t workspaceLimit = size_t(1) << 30;
  // Filters kept in cuDNN's KRSC layout per tensor id until the tensor is freed
  // (tensors never change after their kernel wrote them): GRAFT_CUDA_FILTER_CACHE=0 turns it off.
  bool filterCache = true;
  // Zero y before cudnnConvolutionBiasActivationForward (z = y, alpha2 = 0): off unless
  // GRAFT_CUDA_FUSED_ZERO=1; test/cuda.test.ts checks on a NaN-poisoned pool that z is not read.
  bool fusedZero = false;
  // Uploads staged through reused page-locked buffers (no pageable copy on the stream):
  // GRAFT_CUDA_PINNED_UPLOAD=0 turns it off.
  bool pinnedUpload = true;
  // Per-call records for `graft bench --profile` (transfer sizes and blocked time).
  bool profile = false;
};

class Context {
 public:
  // Throws ERR_GRAFT_CUDA (with the reason) when there is no usable device.
  static Context& Get();
  // Null until Get() has succeeded once.
  static Context* IfCreated();

  int device() const { return device_; }
  cudaStream_t stream() const { return stream_; }
  cudnnHandle_t cudnn() const { return cudnn_; }
  cublasLtHandle_t cublasLt() const { return lt_; }
  Settings& settings() { return settings_; }

  // Stream-ordered allocation from the pool; bytes == 0 gives nullptr. Throws
  // ERR_GRAFT_OUT_OF_MEMORY naming the size, what it was for and the pool's state.
  void* Allocate(size_t bytes, const char* what);
  void Free(void* ptr);

  // Pool figures: bytes the pool holds from the driver, and bytes handed out.
  size_t PoolReserved() const;
  size_t PoolUsed() const;
  // Returns pool memory beyond what live tensors use to the driver (after a sync).
  void Trim();

 private:
  Context();
  int device_ = 0;
  cudaStream_t stream_ = nullptr;
  cudaMemPool_t pool_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  cublasLtHandle_t lt_ = nullptr;
  Settings settings_;
};

// Scratch memory for one call (a convolution's workspace, a padded copy): taken from
// the pool on the stream and given back on the stream when it goes out of scope, so
// the memory is reused by the next call without a device synchronisation.
class Scratch {
 public:
  Scratch(Context& ctx, size_t bytes, const char* what)
      : ctx_(ctx), ptr_(ctx.Allocate(bytes, what)), bytes_(bytes) {}
  ~Scratch() { ctx_.Free(ptr_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  void* get() const { return ptr_; }
  size_t size() const { return bytes_; }
  template <typename T>
  T* as() const { return static_cast<T*>(ptr_); }

 private:
  Context& ctx_;
  void* ptr_;
  size_t bytes_;
};

// Launch counts per kernel name (every CheckLaunch, and every cuDNN/cuBLAS call), for
// `graft bench --profile`: what a step enqueues, without a profiler.
void CountLaunch(const char* name);
std::vector<std::pair<std::string, uint64_t>> LaunchCounts();
void ResetLaunchCounts();

// Throws ERR_GRAFT_CUDA when a kernel launch just failed (bad configuration); errors
// while a kernel runs surface at the next synchronisation (readSync, read, sync).
void CheckLaunch(const char* kernel, const std::string& what);

}  // namespace graft::cuda
