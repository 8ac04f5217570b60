// Reading kernel arguments. TypeScript has checked them (shapes, dtypes, sizes);
// C++ still compares each array's length with what the shape needs, which costs
// nothing and turns a bug on the TS side into ERR_GRAFT_INTERNAL instead of a
// write past the end of a buffer.
#pragma once

#include <cstdint>
#include <string>

#include "common.h"

namespace graft::cpu {

struct F32 {
  float* data = nullptr;
  int64_t size = 0;
};

inline std::string Dims(std::initializer_list<int64_t> dims) {
  std::string s = "[";
  bool first = true;
  for (int64_t d : dims) {
    if (!first) s += ",";
    s += std::to_string(d);
    first = false;
  }
  return s + "]";
}

// node-addon-api's As<Float32Array>() reads any typed array's length and data
// without checking its element type; a Uint8Array read as floats would run past
// its end. Not a typed array at all throws from node-addon-api, with a code.
inline void CheckArrayType(const Napi::TypedArray& a, napi_typedarray_type type, size_t i,
                           const char* what) {
  if (a.TypedArrayType() != type) {
    throw Error(code::kInternal, "argument " + std::to_string(i) + " must be " + what);
  }
}

// A Float32Array argument.
inline F32 ArgF32(const Napi::CallbackInfo& info, size_t i) {
  Napi::Float32Array a = info[i].As<Napi::Float32Array>();
  CheckArrayType(a, napi_float32_array, i, "a Float32Array");
  return {a.Data(), static_cast<int64_t>(a.ElementLength())};
}

// A Float32Array or null.
inline F32 ArgF32OrNull(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return {};
  return ArgF32(info, i);
}

// The Int32Array of shape parameters, which must have `count` entries.
inline const int32_t* ArgParams(const Napi::CallbackInfo& info, size_t i, size_t count,
                                const char* op) {
  Napi::Int32Array a = info[i].As<Napi::Int32Array>();
  CheckArrayType(a, napi_int32_array, i, "an Int32Array");
  if (a.ElementLength() != count) {
    throw Error(code::kInternal, std::string(op) + ": p has " + std::to_string(a.ElementLength()) +
                                     " entries, expected " + std::to_string(count));
  }
  return a.Data();
}

inline int32_t ArgInt(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Int32Value();
}

inline float ArgFloat(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return 0.0f;
  return info[i].As<Napi::Number>().FloatValue();
}

// Shapes come from TypeScript, but a zero stride would divide by zero and a
// negative size would index outside the buffers: those throw instead.
inline void CheckParams(const char* op, std::initializer_list<int64_t> sizes,
                        std::initializer_list<int64_t> positive, const std::string& shapes) {
  for (int64_t v : sizes) {
    if (v < 0) throw Error(code::kInternal, std::string(op) + ": negative size in " + shapes);
  }
  for (int64_t v : positive) {
    if (v < 1) {
      throw Error(code::kInternal, std::string(op) + ": strides and dilations must be >= 1 (" + shapes + ")");
    }
  }
}

inline void CheckSize(const char* op, const char* name, const F32& a, int64_t expected,
                      const std::string& shapes) {
  if (a.size != expected) {
    throw Error(code::kInternal, std::string(op) + ": " + name + " has " + std::to_string(a.size) +
                                     " elements, expected " + std::to_string(expected) + " (" +
                                     shapes + ")");
  }
}

}  // namespace graft::cpu
