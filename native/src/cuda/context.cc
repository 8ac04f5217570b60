#include "cuda/context.h"

#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <sstream>

namespace graft::cuda {

namespace {

std::mutex g_mutex;
std::unique_ptr<Context> g_context;

bool EnvFlag(const char* name, bool fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  const std::string s(v);
  if (s == "0" || s == "false" || s == "off" || s == "OFF" || s == "no") return false;
  return true;
}

}  // namespace

std::string Dims(std::initializer_list<int64_t> dims) {
  std::ostringstream out;
  out << '[';
  bool first = true;
  for (int64_t d : dims) {
    if (!first) out << ',';
    out << d;
    first = false;
  }
  out << ']';
  return out.str();
}

void ThrowCuda(cudaError_t status, const char* call, const std::string& what) {
  std::ostringstream m;
  m << call << " failed: " << cudaGetErrorName(status) << " (" << int(status)
    << "): " << cudaGetErrorString(status);
  if (!what.empty()) m << " [" << what << "]";
  const char* c = status == cudaErrorMemoryAllocation ? code::kOutOfMemory : code::kCuda;
  throw Error(c, m.str());
}

void ThrowCudnn(cudnnStatus_t status, const char* call, const std::string& what) {
  std::ostringstream m;
  m << call << " failed: " << cudnnGetErrorString(status) << " (" << int(status) << ")";
  if (!what.empty()) m << " [" << what << "]";
  char last[512] = {0};
  cudnnGetLastErrorString(last, sizeof last);
  if (last[0] != '\0') m << ": " << last;
  throw Error(status == CUDNN_STATUS_ALLOC_FAILED ? code::kOutOfMemory : code::kCudnn, m.str());
}

void ThrowCublas(cublasStatus_t status, const char* call, const std::string& what) {
  std::ostringstream m;
  m << call << " failed: " << cublasGetStatusName(status) << " (" << int(status)
    << "): " << cublasGetStatusString(status);
  if (!what.empty()) m << " [" << what << "]";
  throw Error(status == CUBLAS_STATUS_ALLOC_FAILED ? code::kOutOfMemory : code::kCublas, m.str());
}

void CheckDType(int dtype, const char* name) {
  if (dtype < 0 || dtype >= kDTypeCount) {
    throw Error(code::kInternal, std::string("unknown dtype code ") + std::to_string(dtype) +
                                     " for " + name + " (boundary.h DType)");
  }
}

namespace {
std::mutex g_launch_mutex;
std::map<std::string, uint64_t> g_launches;
}  // namespace

void CountLaunch(const char* name) {
  std::lock_guard<std::mutex> lock(g_launch_mutex);
  g_launches[name]++;
}

std::vector<std::pair<std::string, uint64_t>> LaunchCounts() {
  std::lock_guard<std::mutex> lock(g_launch_mutex);
  return {g_launches.begin(), g_launches.end()};
}

void ResetLaunchCounts() {
  std::lock_guard<std::mutex> lock(g_launch_mutex);
  g_launches.clear();
}

void CheckLaunch(const char* kernel, const std::string& what) {
  CountLaunch(kernel);
  const cudaError_t s = cudaGetLastError();
  if (s != cudaSuccess) ThrowCuda(s, kernel, what);
}

Context& Context::Get() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_context) g_context.reset(new Context());
  return *g_context;
}

Context* Context::IfCreated() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_context.get();
}

Context::Context() {
  if (const char* d = std::getenv("GRAFT_CUDA_DEVICE"); d != nullptr && *d != '\0') {
    device_ = std::atoi(d);
  }
  int count = 0;
  GRAFT_CHECK(cudaGetDeviceCount(&count), "looking for a CUDA device");
  if (device_ < 0 || device_ >= count) {
    throw Error(code::kCuda, "GRAFT_CUDA_DEVICE=" + std::to_string(device_) + " but there are " +
                                 std::to_string(count) + " CUDA devices");
  }
  GRAFT_CHECK(cudaSetDevice(device_), "device " + std::to_string(device_));
  GRAFT_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "");
  GRAFT_CHECK(cudaDeviceGetDefaultMemPool(&pool_, device_), "");
  // Keep freed memory in the pool (the default threshold 0 returns it at every sync).
  uint64_t keep = std::numeric_limits<uint64_t>::max();
  GRAFT_CHECK(cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrReleaseThreshold, &keep), "");
  GRAFT_CHECK(cudnnCreate(&cudnn_), "");
  GRAFT_CHECK(cudnnSetStream(cudnn_, stream_), "");
  GRAFT_CHECK(cublasLtCreate(&lt_), "");
  settings_.tf32 = EnvFlag("GRAFT_CUDA_TF32", true);
  settings_.benchmark = EnvFlag("GRAFT_CUDNN_BENCHMARK", false);
  settings_.filterCache = EnvFlag("GRAFT_CUDA_FILTER_CACHE", true);
  settings_.fusedZero = EnvFlag("GRAFT_CUDA_FUSED_ZERO", false);
  settings_.pinnedUpload = EnvFlag("GRAFT_CUDA_PINNED_UPLOAD", true);
  if (const char* mb = std::getenv("GRAFT_CUDA_WORKSPACE_MB"); mb != nullptr && *mb != '\0') {
    const long long v = std::atoll(mb);
    if (v >= 0) settings_.workspaceLimit = size_t(v) << 20;
  }
}

void* Context::Allocate(size_t bytes, const char* what) {
  if (bytes == 0) return nullptr;
  void* p = nullptr;
  const cudaError_t s = cudaMallocAsync(&p, bytes, stream_);
  if (s != cudaSuccess) {
    cudaGetLastError();  // clear the non-sticky error
    std::ostringstream m;
    m << "cudaMallocAsync of " << bytes << " bytes for " << what << " failed: "
      << cudaGetErrorName(s) << " (pool holds " << PoolReserved() << " bytes, "
      << PoolUsed() << " in use)";
    throw Error(s == cudaErrorMemoryAllocation ? code::kOutOfMemory : code::kCuda, m.str());
  }
  return p;
}

void Context::Free(void* ptr) {
  if (ptr != nullptr) cudaFreeAsync(ptr, stream_);
}

size_t Context::PoolReserved() const {
  uint64_t v = 0;
  cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrReservedMemCurrent, &v);
  return size_t(v);
}

size_t Context::PoolUsed() const {
  uint64_t v = 0;
  cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrUsedMemCurrent, &v);
  return size_t(v);
}

void Context::Trim() {
  GRAFT_CHECK(cudaStreamSynchronize(stream_), "trimming the memory pool");
  GRAFT_CHECK(cudaMemPoolTrimTo(pool_, 0), "");
}

}  // namespace graft::cuda
