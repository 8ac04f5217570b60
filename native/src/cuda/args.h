// Reading N-API arguments in the CUDA bindings. TypeScript has checked them
// (ts/cuda/kernels/*.ts); these only guard against a TS bug reaching the device.
#pragma once

#include <napi.h>

#include <cstdint>
#include <cstring>
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

// An op code past its table's count (boundary.h) is a TypeScript bug: refused, not launched.
inline void CheckOp(int op, int count, const char* what) {
  if (op < 0 || op >= count) throw Error(code::kInternal, std::string("unknown ") + what + " op " + std::to_string(op));
}

// A fill value as the 32 bits a float32 (kF32) or int32 element of the device holds.
inline uint32_t Bits(double value, int dtype) {
  if (dtype == kF32) {
    const float f = float(value);
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
  }
  return uint32_t(int32_t(value));
}

}  // namespace graft::cuda
