// Reading N-API arguments in the CUDA bindings. TypeScript has checked them
// (ts/cuda/kernels/*.ts); these only guard against a TS bug reaching the device.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

#include "common.h"

namespace graft::cuda {

inline double Num(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw Error(code::kInternal, std::string("expected a number for ") + name);
  }
  return info[i].As<Napi::Number>().DoubleValue();
}

inline int64_t Int(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return static_cast<int64_t>(Num(info, i, name));
}

// An Int32Array of at least `min` entries (shapes, strides, convolution parameters).
inline const int32_t* Ints(const Napi::CallbackInfo& info, size_t i, size_t min, const char* name) {
  if (i >= info.Length() || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Error(code::kInternal, std::string("expected an Int32Array for ") + name);
  }
  Napi::Int32Array a = info[i].As<Napi::Int32Array>();
  if (a.ElementLength() < min) {
    throw Error(code::kInternal, std::string(name) + " has " + std::to_string(a.ElementLength()) +
                                     " entries, expected at least " + std::to_string(min));
  }
  return a.Data();
}

}  // namespace graft::cuda
