// Every N-API function of graft_cuda.node's `kernels` table (addon.cc exports them;
// ts/cuda/addon.ts types them as CudaKernels). Arguments are tensor ids, numbers and
// Int32Array parameter blocks; outputs are new ids the kernel allocates.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace graft::cuda {

// kernels/Conv2D.cc (cuDNN)
Napi::Value Conv2D(const Napi::CallbackInfo& info);
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info);
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info);
// kernels/Pool.cc (cuDNN)
Napi::Value Pool2D(const Napi::CallbackInfo& info);
Napi::Value Pool2DGrad(const Napi::CallbackInfo& info);
// kernels/Softmax.cc (cuDNN)
Napi::Value Softmax(const Napi::CallbackInfo& info);
// kernels/MatMul.cc (cuBLASLt)
Napi::Value MatMul(const Napi::CallbackInfo& info);
// kernels/Elementwise.cc (CUDA kernels in kernels/*.cu)
Napi::Value Unary(const Napi::CallbackInfo& info);
Napi::Value Binary(const Napi::CallbackInfo& info);
Napi::Value Cast(const Napi::CallbackInfo& info);
Napi::Value Select(const Napi::CallbackInfo& info);
Napi::Value Fill(const Napi::CallbackInfo& info);
Napi::Value StridedCopy(const Napi::CallbackInfo& info);
Napi::Value Reduce(const Napi::CallbackInfo& info);
Napi::Value ArgReduce(const Napi::CallbackInfo& info);
Napi::Value Gather(const Napi::CallbackInfo& info);
Napi::Value OneHot(const Napi::CallbackInfo& info);
Napi::Value MomentumUpdate(const Napi::CallbackInfo& info);

// Plan caches, for cudaStats() and clearCaches().
struct PlanStats {
  size_t entries = 0, hits = 0, misses = 0;
};
PlanStats ConvPlanStats();
PlanStats MatMulPlanStats();
void ClearConvPlans();  // and the filter cache
// The KRSC filter cache (kernels/Conv2D.cc): storage's free(id) drops the entry of id.
struct FilterCacheStats {
  size_t entries = 0, bytes = 0, hits = 0, misses = 0;
};
FilterCacheStats FilterCache();
void DropCachedFilter(int64_t id);
void ClearMatMulPlans();

}  // namespace graft::cuda
