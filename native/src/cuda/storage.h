// Tensor ids -> device buffers. The TypeScript backend names every tensor by an
// integer id; kernels receive ids and sizes only (the hot path crosses N-API with
// numbers), and look the buffers up here. Every buffer comes from the context's
// stream-ordered pool; freeing one is queued on the stream after the kernels that use it.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "cuda/context.h"

namespace graft::cuda {

struct TransferStats {
  uint64_t uploads = 0, downloads = 0, asyncDownloads = 0;
  uint64_t bytesUp = 0, bytesDown = 0;
  uint64_t allocations = 0, frees = 0;
  uint64_t tensors = 0, bytes = 0, peakBytes = 0;
};

// A tensor's device memory (ptr is null for a tensor of 0 elements).
void* Ptr(int64_t id, const char* role);
size_t Bytes(int64_t id);
// Allocates a kernel's output under a new id; throws ERR_GRAFT_INTERNAL if the id is taken.
void* AllocOutput(int64_t id, size_t bytes, const char* role);
const TransferStats& Stats();

// N-API bindings (addon.cc exports them; ts/cuda/addon.ts types them).
Napi::Value Upload(const Napi::CallbackInfo& info);
Napi::Value Alloc(const Napi::CallbackInfo& info);
Napi::Value Free(const Napi::CallbackInfo& info);
Napi::Value ReadSync(const Napi::CallbackInfo& info);
Napi::Value Read(const Napi::CallbackInfo& info);
Napi::Value Copy(const Napi::CallbackInfo& info);
Napi::Value Sync(const Napi::CallbackInfo& info);
Napi::Value CudaStats(const Napi::CallbackInfo& info);
Napi::Value SetOptions(const Napi::CallbackInfo& info);
Napi::Value TrimPool(const Napi::CallbackInfo& info);
Napi::Value Profile(const Napi::CallbackInfo& info);
Napi::Value ProfileRecords(const Napi::CallbackInfo& info);
Napi::Value Mark(const Napi::CallbackInfo& info);
Napi::Value MarksElapsed(const Napi::CallbackInfo& info);

}  // namespace graft::cuda
