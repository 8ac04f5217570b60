// graft_cuda.node's entry point: the table of exports. Loaded only by ts/cuda/addon.ts,
// and only after ts/graft_cuda.ts has probed it in a child process.
#include "boundary_napi.h"
#include "common.h"
#include "cuda/context.h"
#include "cuda/kernels.h"
#include "cuda/probe.h"
#include "cuda/storage.h"

namespace graft::cuda {

// cudaStats(): transfers, device memory and plan caches (ts: CudaNativeStats).
Napi::Value CudaStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const TransferStats& t = Stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("uploads", double(t.uploads));
  o.Set("downloads", double(t.downloads));
  o.Set("asyncDownloads", double(t.asyncDownloads));
  o.Set("bytesUp", double(t.bytesUp));
  o.Set("bytesDown", double(t.bytesDown));
  o.Set("tensors", double(t.tensors));
  o.Set("bytes", double(t.bytes));
  o.Set("peakBytes", double(t.peakBytes));
  o.Set("allocations", double(t.allocations));
  Context* ctx = Context::IfCreated();
  o.Set("poolReservedBytes", ctx ? double(ctx->PoolReserved()) : 0.0);
  o.Set("poolUsedBytes", ctx ? double(ctx->PoolUsed()) : 0.0);
  o.Set("tf32", ctx ? ctx->settings().tf32 : true);
  o.Set("benchmark", ctx ? ctx->settings().benchmark : false);
  const PlanStats conv = ConvPlanStats(), mm = MatMulPlanStats();
  Napi::Object plans = Napi::Object::New(env);
  plans.Set("conv", double(conv.entries));
  plans.Set("convHits", double(conv.hits));
  plans.Set("convMisses", double(conv.misses));
  plans.Set("matmul", double(mm.entries));
  plans.Set("matmulHits", double(mm.hits));
  plans.Set("matmulMisses", double(mm.misses));
  o.Set("plans", plans);
  const FilterCacheStats fc = FilterCache();
  Napi::Object filters = Napi::Object::New(env);
  filters.Set("entries", double(fc.entries));
  filters.Set("bytes", double(fc.bytes));
  filters.Set("hits", double(fc.hits));
  filters.Set("misses", double(fc.misses));
  o.Set("filterCache", filters);
  o.Set("filterCacheOn", ctx ? ctx->settings().filterCache : true);
  o.Set("fusedZero", ctx ? ctx->settings().fusedZero : false);
  o.Set("pinnedUpload", ctx ? ctx->settings().pinnedUpload : true);
  return o;
}

Napi::Value ClearCaches(const Napi::CallbackInfo& info) {
  ClearConvPlans();
  ClearMatMulPlans();
  return info.Env().Undefined();
}

}  // namespace graft::cuda

namespace {

template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
void Export(Napi::Env env, Napi::Object target, const char* name) {
  target.Set(name, Napi::Function::New(env, graft::Guard<Fn>, name));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  namespace c = graft::cuda;
  Export<c::Probe>(env, exports, "probe");
  exports.Set("boundary", graft::BoundaryObject(env));
  // Storage and control.
  Export<c::Upload>(env, exports, "upload");
  Export<c::Alloc>(env, exports, "alloc");
  Export<c::Free>(env, exports, "free");
  Export<c::ReadSync>(env, exports, "readSync");
  Export<c::Read>(env, exports, "read");
  Export<c::Copy>(env, exports, "copy");
  Export<c::Sync>(env, exports, "sync");
  Export<c::CudaStats>(env, exports, "cudaStats");
  Export<c::ClearCaches>(env, exports, "clearCaches");
  Export<c::SetOptions>(env, exports, "setOptions");
  Export<c::TrimPool>(env, exports, "trimPool");
  Export<c::Profile>(env, exports, "profile");
  Export<c::ProfileRecords>(env, exports, "profileRecords");
  Export<c::Mark>(env, exports, "mark");
  Export<c::MarksElapsed>(env, exports, "marksElapsed");
  // Kernels.
  Napi::Object k = Napi::Object::New(env);
  Export<c::Conv2D>(env, k, "conv2d");
  Export<c::Conv2DBackpropInput>(env, k, "conv2dBackpropInput");
  Export<c::Conv2DBackpropFilter>(env, k, "conv2dBackpropFilter");
  Export<c::Pool2D>(env, k, "pool2d");
  Export<c::Pool2DGrad>(env, k, "pool2dGrad");
  Export<c::Softmax>(env, k, "softmax");
  Export<c::MatMul>(env, k, "matmul");
  Export<c::Unary>(env, k, "unary");
  Export<c::Binary>(env, k, "binary");
  Export<c::Cast>(env, k, "cast");
  Export<c::Select>(env, k, "select");
  Export<c::Fill>(env, k, "fill");
  Export<c::StridedCopy>(env, k, "stridedCopy");
  Export<c::Reduce>(env, k, "reduce");
  Export<c::ArgReduce>(env, k, "argReduce");
  Export<c::Gather>(env, k, "gather");
  Export<c::OneHot>(env, k, "oneHot");
  Export<c::MomentumUpdate>(env, k, "momentumUpdate");
  exports.Set("kernels", k);
  return exports;
}

}  // namespace

NODE_API_MODULE(graft_cuda, Init)
