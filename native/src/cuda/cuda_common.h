// What every translation unit of graft_cuda.node shares: error codes and checks for
// CUDA, cuDNN and cuBLAS. Host code only (.cc, compiled by the C++ compiler); the
// device kernels in kernels/*.cu see nothing but launch.h.
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstdint>
#include <initializer_list>
#include <string>

#include "common.h"

namespace graft {
namespace code {
// Added to graft::code (src/common.h); ts/cuda/addon.ts lists them too.
inline constexpr const char* kCuda = "ERR_GRAFT_CUDA";      // a CUDA runtime call failed
inline constexpr const char* kCudnn = "ERR_GRAFT_CUDNN";    // a cuDNN call failed
inline constexpr const char* kCublas = "ERR_GRAFT_CUBLAS";  // a cuBLAS / cuBLASLt call failed
}  // namespace code

namespace cuda {

// "[2,8,8,3]"
std::string Dims(std::initializer_list<int64_t> dims);

// Throw graft::Error with the call, what it was doing (shapes) and the library's own code.
[[noreturn]] void ThrowCuda(cudaError_t status, const char* call, const std::string& what);
[[noreturn]] void ThrowCudnn(cudnnStatus_t status, const char* call, const std::string& what);
[[noreturn]] void ThrowCublas(cublasStatus_t status, const char* call, const std::string& what);

inline void Check(cudaError_t s, const char* call, const std::string& what = "") {
  if (s != cudaSuccess) ThrowCuda(s, call, what);
}
inline void Check(cudnnStatus_t s, const char* call, const std::string& what = "") {
  if (s != CUDNN_STATUS_SUCCESS) ThrowCudnn(s, call, what);
}
inline void Check(cublasStatus_t s, const char* call, const std::string& what = "") {
  if (s != CUBLAS_STATUS_SUCCESS) ThrowCublas(s, call, what);
}

// GRAFT_CHECK(cudnnConvolutionForward(...), shapes): the call's text goes into the message.
#define GRAFT_CHECK(expr, what) ::graft::cuda::Check((expr), #expr, (what))

// Element types on the device (boundary.h DType): tfjs's bool is one byte, as in its Uint8Array.
inline size_t ElementSize(int dtype) { return dtype == kBool ? 1 : 4; }
void CheckDType(int dtype, const char* name);

}  // namespace cuda
}  // namespace graft
