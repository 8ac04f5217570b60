// The CPU kernels graft.node exports as `cpu.*` (src/addon.cc), for the graft-cpu
// tfjs backend (ts/kernels/*.ts). Arrays are the JS tensors' own Float32Arrays
// (zero copy), NHWC, filters HWIO; outputs are allocated by TypeScript, which
// also checks every shape. Everything runs synchronously on the calling thread
// (with NumThreads() OpenMP threads under it).
//
// Built with oneDNN: kernels/Conv2D.cc and kernels/MatMul.cc; without it,
// onednn_kernels_stub.cc gives the same symbols, throwing ERR_GRAFT_UNAVAILABLE.
// Pooling, BatchNorm, Pad, Slice, Tile and the elementwise kernels are hand-written and always available.
#pragma once

#include "common.h"

namespace graft::cpu {

// kernels/Conv2D.cc (oneDNN)
Napi::Value Conv2D(const Napi::CallbackInfo& info);
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info);
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info);
// kernels/MatMul.cc (oneDNN)
Napi::Value MatMul(const Napi::CallbackInfo& info);
// kernels/Pool.cc
Napi::Value Pool2D(const Napi::CallbackInfo& info);
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info);
Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info);
// kernels/Elementwise.cc
Napi::Value Relu(const Napi::CallbackInfo& info);
Napi::Value Step(const Napi::CallbackInfo& info);
Napi::Value Clip(const Napi::CallbackInfo& info);
Napi::Value Sigmoid(const Napi::CallbackInfo& info);
Napi::Value ReluGrad(const Napi::CallbackInfo& info);
Napi::Value ClipGrad(const Napi::CallbackInfo& info);
Napi::Value Softmax(const Napi::CallbackInfo& info);
Napi::Value Binary(const Napi::CallbackInfo& info);
Napi::Value SumRows(const Napi::CallbackInfo& info);
Napi::Value AddN(const Napi::CallbackInfo& info);
Napi::Value MomentumUpdate(const Napi::CallbackInfo& info);
// kernels/Normalize.cc
Napi::Value BatchNorm(const Napi::CallbackInfo& info);
Napi::Value Pad(const Napi::CallbackInfo& info);
Napi::Value Slice(const Napi::CallbackInfo& info);
Napi::Value Tile(const Napi::CallbackInfo& info);
// control.cc
Napi::Value SetNumThreadsJs(const Napi::CallbackInfo& info);
Napi::Value NumThreadsJs(const Napi::CallbackInfo& info);
Napi::Value SetMathJs(const Napi::CallbackInfo& info);
Napi::Value SetConvAlgorithmJs(const Napi::CallbackInfo& info);
Napi::Value CpuStats(const Napi::CallbackInfo& info);
Napi::Value ClearCaches(const Napi::CallbackInfo& info);
Napi::Value ReleaseWeights(const Napi::CallbackInfo& info);

}  // namespace graft::cpu
