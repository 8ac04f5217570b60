// RAII cuDNN descriptors and the plan cache key, shared by the cuDNN kernels.
#pragma once

#include <cstring>
#include <functional>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "cuda/cuda_common.h"

// The legacy convolution API (cudnnConvolutionForward & co.) is marked deprecated in
// cuDNN 9 but ships in every 9.x; see src/cuda/kernels/Conv2D.cc for why graft uses
// it. The warning is off for the rest of each file that includes this header.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace graft::cuda {

struct TensorDesc {
  cudnnTensorDescriptor_t d = nullptr;
  TensorDesc() { GRAFT_CHECK(cudnnCreateTensorDescriptor(&d), ""); }
  ~TensorDesc() { cudnnDestroyTensorDescriptor(d); }
  TensorDesc(const TensorDesc&) = delete;
  TensorDesc& operator=(const TensorDesc&) = delete;
  // An NHWC float32 tensor.
  void Nhwc(int n, int h, int w, int c, const std::string& what) {
    GRAFT_CHECK(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, n, c, h, w), what);
  }
};

struct FilterDesc {
  cudnnFilterDescriptor_t d = nullptr;
  FilterDesc() { GRAFT_CHECK(cudnnCreateFilterDescriptor(&d), ""); }
  ~FilterDesc() { cudnnDestroyFilterDescriptor(d); }
  FilterDesc(const FilterDesc&) = delete;
  FilterDesc& operator=(const FilterDesc&) = delete;
  // cuDNN's NHWC filter layout is KRSC ([outC, kh, kw, inC]); tfjs's HWIO is transposed to it.
  void Krsc(int k, int r, int s, int c, const std::string& what) {
    GRAFT_CHECK(cudnnSetFilter4dDescriptor(d, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC, k, c, r, s), what);
  }
};

struct ConvDesc {
  cudnnConvolutionDescriptor_t d = nullptr;
  ConvDesc() { GRAFT_CHECK(cudnnCreateConvolutionDescriptor(&d), ""); }
  ~ConvDesc() { cudnnDestroyConvolutionDescriptor(d); }
  ConvDesc(const ConvDesc&) = delete;
  ConvDesc& operator=(const ConvDesc&) = delete;
};

struct PoolDesc {
  cudnnPoolingDescriptor_t d = nullptr;
  PoolDesc() { GRAFT_CHECK(cudnnCreatePoolingDescriptor(&d), ""); }
  ~PoolDesc() { cudnnDestroyPoolingDescriptor(d); }
  PoolDesc(const PoolDesc&) = delete;
  PoolDesc& operator=(const PoolDesc&) = delete;
};

struct ActivationDesc {
  cudnnActivationDescriptor_t d = nullptr;
  ActivationDesc() { GRAFT_CHECK(cudnnCreateActivationDescriptor(&d), ""); }
  ~ActivationDesc() { cudnnDestroyActivationDescriptor(d); }
  ActivationDesc(const ActivationDesc&) = delete;
  ActivationDesc& operator=(const ActivationDesc&) = delete;
};

// A plan-cache key: a zero-initialised plain struct, compared and hashed as bytes
// (so padding never holds garbage: always build keys with `Key k{}` then set fields).
template <typename Key>
struct BytesHash {
  size_t operator()(const Key& k) const {
    return std::hash<std::string_view>()(std::string_view(reinterpret_cast<const char*>(&k), sizeof k));
  }
};
template <typename Key>
struct BytesEq {
  bool operator()(const Key& a, const Key& b) const { return std::memcmp(&a, &b, sizeof a) == 0; }
};
template <typename Key, typename Value>
using PlanCache = std::unordered_map<Key, Value, BytesHash<Key>, BytesEq<Key>>;

}  // namespace graft::cuda
