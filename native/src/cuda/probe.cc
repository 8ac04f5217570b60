// probe(): whether graft-cuda can run here, and on what. Never throws and never
// creates the backend's context: it is what ts/graft_cuda.ts runs in a child process
// before loading graft_cuda.node into the main one (a cuDNN 9 whose sub-libraries are
// missing aborts the process in cudnnCreate; the child absorbs that).
#include "cuda/probe.h"

#include <string>

#include "cuda/cuda_common.h"
#include "cuda/launch.h"

namespace graft::cuda {

namespace {

std::string Version3(size_t v) {  // MAJOR*10000 + MINOR*100 + PATCH (cuDNN 9, cuBLAS)
  return std::to_string(v / 10000) + "." + std::to_string((v / 100) % 100) + "." + std::to_string(v % 100);
}

std::string CudaVersion(int v) {  // 1000*major + 10*minor
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

// The smallest compute capability (major*10+minor) graft_cuda.node has code for:
// SASS for each listed architecture and PTX for the newest, so anything >= the smallest runs.
int MinArch() {
  const std::string archs = GRAFT_CUDA_ARCHS_STRING;
  int best = 1000;
  size_t i = 0;
  while (i < archs.size()) {
    size_t j = archs.find(';', i);
    if (j == std::string::npos) j = archs.size();
    const int v = std::atoi(archs.substr(i, j - i).c_str());
    if (v > 0 && v < best) best = v;
    i = j + 1;
  }
  return best == 1000 ? 0 : best;
}

}  // namespace

Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("cuda", false);
  out.Set("reason", env.Null());
  out.Set("device", env.Null());
  out.Set("computeCapability", env.Null());
  out.Set("memory", env.Null());
  out.Set("multiprocessors", env.Null());
  out.Set("version", GRAFT_VERSION_STRING);
  out.Set("archs", GRAFT_CUDA_ARCHS_STRING);
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);
  out.Set("runtimeVersion", CudaVersion(runtime));
  out.Set("driverVersion", driver > 0 ? Napi::Value(Napi::String::New(env, CudaVersion(driver))) : env.Null());
  out.Set("cudnnVersion", Version3(cudnnGetVersion()));
  int major = 0, minor = 0, patch = 0;
  cublasGetProperty(MAJOR_VERSION, &major);
  cublasGetProperty(MINOR_VERSION, &minor);
  cublasGetProperty(PATCH_LEVEL, &patch);
  out.Set("cublasVersion", std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch));

  auto fail = [&](const std::string& reason) {
    out.Set("reason", reason);
    return out;
  };
  int count = 0;
  const cudaError_t s = cudaGetDeviceCount(&count);
  if (s == cudaErrorInsufficientDriver && driver == 0) {
    return fail("no NVIDIA driver: libcuda.so.1 was not found (" + std::string(cudaGetErrorName(s)) +
                "); graft-cuda needs an NVIDIA GPU with its driver installed");
  }
  if (s == cudaErrorInsufficientDriver) {
    return fail("the NVIDIA driver supports CUDA " + CudaVersion(driver) + " but graft_cuda.node was built with CUDA " +
                CudaVersion(runtime) + ": update the driver, or rebuild with an older CUDA toolkit");
  }
  if (s == cudaErrorNoDevice || (s == cudaSuccess && count == 0)) {
    return fail("no CUDA device: the driver is installed but sees no GPU (cudaErrorNoDevice)");
  }
  if (s != cudaSuccess) {
    return fail(std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(s) + ": " + cudaGetErrorString(s));
  }
  int device = 0;
  if (const char* d = std::getenv("GRAFT_CUDA_DEVICE"); d != nullptr && *d != '\0') device = std::atoi(d);
  if (device < 0 || device >= count) {
    return fail("GRAFT_CUDA_DEVICE=" + std::to_string(device) + " but there are " + std::to_string(count) +
                " CUDA devices");
  }
  cudaDeviceProp prop{};
  if (cudaError_t e = cudaGetDeviceProperties(&prop, device); e != cudaSuccess) {
    return fail(std::string("cudaGetDeviceProperties failed: ") + cudaGetErrorName(e));
  }
  out.Set("device", std::string(prop.name));
  out.Set("computeCapability", std::to_string(prop.major) + "." + std::to_string(prop.minor));
  out.Set("multiprocessors", prop.multiProcessorCount);
  out.Set("deviceCount", count);
  const int cc = prop.major * 10 + prop.minor;
  if (cc < MinArch()) {
    return fail(std::string(prop.name) + " has compute capability " + std::to_string(prop.major) + "." +
                std::to_string(prop.minor) + " but graft_cuda.node was built for sm_" + GRAFT_CUDA_ARCHS_STRING +
                ": rebuild with GRAFT_CUDA_ARCHS=" + std::to_string(cc));
  }
  if (cudaError_t e = cudaSetDevice(device); e != cudaSuccess) {
    return fail(std::string("cudaSetDevice failed: ") + cudaGetErrorName(e));
  }
  size_t freeBytes = 0, totalBytes = 0;
  if (cudaError_t e = cudaMemGetInfo(&freeBytes, &totalBytes); e != cudaSuccess) {
    return fail(std::string("cudaMemGetInfo failed (the device may be busy or in a bad state): ") +
                cudaGetErrorName(e));
  }
  Napi::Object memory = Napi::Object::New(env);
  memory.Set("total", double(totalBytes));
  memory.Set("free", double(freeBytes));
  out.Set("memory", memory);
  // A kernel of ours must run (no "no kernel image for this device"), and cuDNN and
  // cuBLASLt must initialise (cuDNN loads its sub-libraries here).
  void* word = nullptr;
  if (cudaError_t e = cudaMalloc(&word, 4); e != cudaSuccess) {
    return fail(std::string("cudaMalloc failed: ") + cudaGetErrorName(e));
  }
  LaunchFill32(word, 0x3f800000u, 1, nullptr);
  cudaError_t e = cudaGetLastError();
  if (e == cudaSuccess) e = cudaDeviceSynchronize();
  cudaFree(word);
  if (e != cudaSuccess) {
    return fail(std::string("a graft_cuda kernel failed to run: ") + cudaGetErrorName(e) + ": " +
                cudaGetErrorString(e));
  }
  cudnnHandle_t cudnn = nullptr;
  if (cudnnStatus_t c = cudnnCreate(&cudnn); c != CUDNN_STATUS_SUCCESS) {
    return fail(std::string("cudnnCreate failed: ") + cudnnGetErrorString(c));
  }
  cudnnDestroy(cudnn);
  cublasLtHandle_t lt = nullptr;
  if (cublasStatus_t c = cublasLtCreate(&lt); c != CUBLAS_STATUS_SUCCESS) {
    return fail(std::string("cublasLtCreate failed: ") + cublasGetStatusString(c));
  }
  cublasLtDestroy(lt);
  out.Set("cuda", true);
  return out;
}

}  // namespace graft::cuda
