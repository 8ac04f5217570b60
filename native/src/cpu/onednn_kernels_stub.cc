// Built instead of context.cc, kernels/Conv2D.cc and kernels/MatMul.cc when
// oneDNN is not found or GRAFT_WITH_ONEDNN=OFF: the same symbols, so callers
// need no #ifdef. The kernels that need oneDNN throw ERR_GRAFT_UNAVAILABLE; the
// hand-written ones (pooling, elementwise) are built either way.
#include "build_config.h"
#include "cpu/cache.h"
#include "cpu/kernels.h"

namespace graft::cpu {

namespace {

[[noreturn]] void Unavailable(const char* op) {
  throw Error(code::kUnavailable, std::string(op) + " needs oneDNN, which is not built into graft.node (" +
                                      GRAFT_ONEDNN_REASON + ")");
}

}  // namespace

Napi::Value Conv2D(const Napi::CallbackInfo&) { Unavailable("conv2d"); }
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo&) { Unavailable("conv2dBackpropInput"); }
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo&) { Unavailable("conv2dBackpropFilter"); }
Napi::Value MatMul(const Napi::CallbackInfo&) { Unavailable("matmul"); }

CacheStats GetCacheStats() { return {}; }
void ClearAllCaches() {}
bool ReleaseCachedWeights(uint64_t) { return false; }

}  // namespace graft::cpu
