#pragma once

#include <napi.h>

namespace graft::cuda {

// probe(): {cuda, reason, device, computeCapability, memory, ...}; never throws.
Napi::Value Probe(const Napi::CallbackInfo& info);

}  // namespace graft::cuda
