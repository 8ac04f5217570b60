// graft.node's entry point: the table of exported functions. Loaded only by ts/index.ts.
#include "boundary_napi.h"
#include "capabilities.h"
#include "common.h"
#include "cpu/kernels.h"
#include "cpu/threads.h"
#include "self_test.h"

namespace {

template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
void Export(Napi::Env env, Napi::Object target, const char* name) {
  target.Set(name, Napi::Function::New(env, graft::Guard<Fn>, name));
}

// `cpu`: the graft-cpu backend's kernels (src/cpu/kernels.h, typed in ts/index.ts as CpuKernels).
Napi::Object CpuExports(Napi::Env env) {
  namespace cpu = graft::cpu;
  Napi::Object o = Napi::Object::New(env);
  Export<cpu::Conv2D>(env, o, "conv2d");
  Export<cpu::Conv2DBackpropInput>(env, o, "conv2dBackpropInput");
  Export<cpu::Conv2DBackpropFilter>(env, o, "conv2dBackpropFilter");
  Export<cpu::Pool2D>(env, o, "pool2d");
  Export<cpu::MaxPoolGrad>(env, o, "maxPoolGrad");
  Export<cpu::AvgPoolGrad>(env, o, "avgPoolGrad");
  Export<cpu::MatMul>(env, o, "matmul");
  Export<cpu::Relu>(env, o, "relu");
  Export<cpu::Step>(env, o, "step");
  Export<cpu::Clip>(env, o, "clip");
  Export<cpu::Sigmoid>(env, o, "sigmoid");
  Export<cpu::ReluGrad>(env, o, "reluGrad");
  Export<cpu::ClipGrad>(env, o, "clipGrad");
  Export<cpu::Softmax>(env, o, "softmax");
  Export<cpu::Binary>(env, o, "binary");
  Export<cpu::SumRows>(env, o, "sumRows");
  Export<cpu::AddN>(env, o, "addN");
  Export<cpu::MomentumUpdate>(env, o, "momentumUpdate");
  Export<cpu::BatchNorm>(env, o, "batchNorm");
  Export<cpu::Pad>(env, o, "pad");
  Export<cpu::Slice>(env, o, "slice");
  Export<cpu::Tile>(env, o, "tile");
  Export<cpu::SetNumThreadsJs>(env, o, "setNumThreads");
  Export<cpu::NumThreadsJs>(env, o, "numThreads");
  Export<cpu::SetMathJs>(env, o, "setMath");
  Export<cpu::SetConvAlgorithmJs>(env, o, "setConvAlgorithm");
  Export<cpu::CpuStats>(env, o, "cpuStats");
  Export<cpu::ClearCaches>(env, o, "clearCaches");
  Export<cpu::ReleaseWeights>(env, o, "releaseWeights");
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  graft::cpu::InitThreads();  // GRAFT_NUM_THREADS, read once per process
  Export<graft::Capabilities>(env, exports, "capabilities");
  Export<graft::SelfTest>(env, exports, "_selfTest");
  exports.Set("cpu", CpuExports(env));
  exports.Set("boundary", graft::BoundaryObject(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(graft, Init)
