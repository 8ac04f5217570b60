#include "cuda/storage.h"

#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cuda/args.h"

namespace graft::cuda {

namespace {

struct Buffer {
  void* ptr = nullptr;
  size_t bytes = 0;
};

std::mutex g_mutex;  // worker_threads may share the process's one table
std::unordered_map<int64_t, Buffer> g_buffers;
TransferStats g_stats;

// Page-locked staging buffers for asynchronous reads, kept for reuse (cudaFreeHost
// would synchronise the whole device). Sizes are rounded up to a power of two.
class PinnedPool {
 public:
  void* Take(size_t bytes) {
    const size_t size = RoundUp(bytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        held_ -= size;
        return p;
      }
    }
    void* p = nullptr;
    GRAFT_CHECK(cudaMallocHost(&p, size), "staging " + std::to_string(bytes) + " bytes for read()");
    return p;
  }
  void Give(void* p, size_t bytes) {
    const size_t size = RoundUp(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    if (held_ + size > kCap) {
      cudaFreeHost(p);
      return;
    }
    free_[size].push_back(p);
    held_ += size;
  }

 private:
  static constexpr size_t kCap = size_t(256) << 20;
  static size_t RoundUp(size_t n) {
    size_t s = 4096;
    while (s < n) s <<= 1;
    return s;
  }
  std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;
  size_t held_ = 0;
};

PinnedPool g_pinned;

Buffer Lookup(int64_t id, const char* role) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_buffers.find(id);
  if (it == g_buffers.end()) {
    throw Error(code::kInternal, std::string("no device tensor with id ") + std::to_string(id) +
                                     " (" + role + "): disposed, or never uploaded");
  }
  return it->second;
}

void Insert(int64_t id, Buffer b) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_buffers.emplace(id, b).second) {
    throw Error(code::kInternal, "device tensor id " + std::to_string(id) + " is already in use");
  }
  g_stats.allocations++;
  g_stats.tensors++;
  g_stats.bytes += b.bytes;
  if (g_stats.bytes > g_stats.peakBytes) g_stats.peakBytes = g_stats.bytes;
}

// The bytes of a TypedArray argument.
void View(const Napi::CallbackInfo& info, size_t i, void** data, size_t* bytes) {
  if (i >= info.Length() || !info[i].IsTypedArray()) {
    throw Error(code::kInternal, "expected a TypedArray");
  }
  Napi::TypedArray a = info[i].As<Napi::TypedArray>();
  *data = static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
  *bytes = a.ByteLength();
}

struct ReadJob {
  Napi::Promise::Deferred deferred;
  void* pinned;
  size_t bytes;
  cudaEvent_t event;
  cudaError_t status = cudaSuccess;
  int64_t id;
};

}  // namespace

void* Ptr(int64_t id, const char* role) { return Lookup(id, role).ptr; }
size_t Bytes(int64_t id) { return Lookup(id, "size").bytes; }
const TransferStats& Stats() { return g_stats; }

void* AllocOutput(int64_t id, size_t bytes, const char* role) {
  Context& ctx = Context::Get();
  void* p = ctx.Allocate(bytes, role);
  try {
    Insert(id, Buffer{p, bytes});
  } catch (...) {
    ctx.Free(p);
    throw;
  }
  return p;
}

// upload(id, values): a new device tensor holding a copy of the TypedArray. The copy
// from pageable memory has left `values` when this returns (CUDA stages it), so JS
// may reuse the array at once.
Napi::Value Upload(const Napi::CallbackInfo& info) {
  const int64_t id = Int(info, 0, "id");
  void* src;
  size_t bytes;
  View(info, 1, &src, &bytes);
  Context& ctx = Context::Get();
  void* dst = AllocOutput(id, bytes, "upload");
  if (bytes > 0) {
    GRAFT_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, ctx.stream()),
                "upload of " + std::to_string(bytes) + " bytes");
  }
  g_stats.uploads++;
  g_stats.bytesUp += bytes;
  return info.Env().Undefined();
}

// alloc(id, bytes): an uninitialised device tensor (for a kernel that fills it in parts).
Napi::Value Alloc(const Napi::CallbackInfo& info) {
  AllocOutput(Int(info, 0, "id"), size_t(Int(info, 1, "bytes")), "alloc");
  return info.Env().Undefined();
}

// free(id): queued on the stream after every kernel already queued that reads it.
Napi::Value Free(const Napi::CallbackInfo& info) {
  const int64_t id = Int(info, 0, "id");
  Buffer b;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_buffers.find(id);
    if (it == g_buffers.end()) return Napi::Boolean::New(info.Env(), false);
    b = it->second;
    g_buffers.erase(it);
    g_stats.frees++;
    g_stats.tensors--;
    g_stats.bytes -= b.bytes;
  }
  if (Context* ctx = Context::IfCreated()) ctx->Free(b.ptr);
  return Napi::Boolean::New(info.Env(), true);
}

// readSync(id, out): copies the tensor into `out` (a TypedArray of its byte length),
// blocking until every kernel queued before has run.
Napi::Value ReadSync(const Napi::CallbackInfo& info) {
  const int64_t id = Int(info, 0, "id");
  void* dst;
  size_t bytes;
  View(info, 1, &dst, &bytes);
  const Buffer b = Lookup(id, "readSync");
  if (bytes != b.bytes) {
    throw Error(code::kInternal, "readSync: tensor " + std::to_string(id) + " has " +
                                     std::to_string(b.bytes) + " bytes, the array " +
                                     std::to_string(bytes));
  }
  Context& ctx = Context::Get();
  if (bytes > 0) {
    GRAFT_CHECK(cudaMemcpyAsync(dst, b.ptr, bytes, cudaMemcpyDeviceToHost, ctx.stream()),
                "readSync of " + std::to_string(bytes) + " bytes");
  }
  GRAFT_CHECK(cudaStreamSynchronize(ctx.stream()),
              "readSync (a kernel queued earlier may have failed)");
  g_stats.downloads++;
  g_stats.bytesDown += bytes;
  return info.Env().Undefined();
}

// read(id): Promise<ArrayBuffer>. Queues a copy into page-locked memory and an event
// after it; a helper thread waits for the event and hands the bytes to the JS thread
// through a thread-safe function. The JS thread never blocks.
Napi::Value Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t id = Int(info, 0, "id");
  const Buffer b = Lookup(id, "read");
  Context& ctx = Context::Get();
  auto* job = new ReadJob{Napi::Promise::Deferred::New(env), nullptr, b.bytes, nullptr,
                          cudaSuccess, id};
  Napi::Promise promise = job->deferred.Promise();
  try {
    job->pinned = b.bytes > 0 ? g_pinned.Take(b.bytes) : nullptr;
    if (b.bytes > 0) {
      GRAFT_CHECK(cudaMemcpyAsync(job->pinned, b.ptr, b.bytes, cudaMemcpyDeviceToHost, ctx.stream()),
                  "read of " + std::to_string(b.bytes) + " bytes");
    }
    GRAFT_CHECK(cudaEventCreateWithFlags(&job->event, cudaEventDisableTiming), "");
    GRAFT_CHECK(cudaEventRecord(job->event, ctx.stream()), "");
  } catch (...) {
    if (job->pinned) g_pinned.Give(job->pinned, b.bytes);
    if (job->event) cudaEventDestroy(job->event);
    delete job;
    throw;
  }
  g_stats.asyncDownloads++;
  g_stats.bytesDown += b.bytes;

  auto tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                            "graft_cuda.read", 0, 1);
  const int device = ctx.device();
  std::thread([tsfn, job, device]() mutable {
    cudaSetDevice(device);
    job->status = cudaEventSynchronize(job->event);
    tsfn.BlockingCall(job, [](Napi::Env env, Napi::Function, ReadJob* job) {
      if (job->status == cudaSuccess) {
        Napi::ArrayBuffer out = Napi::ArrayBuffer::New(env, job->bytes);
        if (job->bytes > 0) std::memcpy(out.Data(), job->pinned, job->bytes);
        job->deferred.Resolve(out);
      } else {
        std::string m = std::string("read of tensor ") + std::to_string(job->id) +
                        " failed: " + cudaGetErrorName(job->status) + ": " +
                        cudaGetErrorString(job->status) + " (a kernel queued earlier may have failed)";
        job->deferred.Reject(MakeError(env, code::kCuda, m).Value());
      }
      if (job->pinned) g_pinned.Give(job->pinned, job->bytes);
      cudaEventDestroy(job->event);
      delete job;
    });
    tsfn.Release();
  }).detach();
  return promise;
}

// copy(src, dst): a new tensor `dst` with src's bytes (device to device, queued).
Napi::Value Copy(const Napi::CallbackInfo& info) {
  const Buffer b = Lookup(Int(info, 0, "src"), "copy source");
  void* dst = AllocOutput(Int(info, 1, "dst"), b.bytes, "copy");
  if (b.bytes > 0) {
    GRAFT_CHECK(cudaMemcpyAsync(dst, b.ptr, b.bytes, cudaMemcpyDeviceToDevice,
                                Context::Get().stream()),
                "copy of " + std::to_string(b.bytes) + " bytes");
  }
  return info.Env().Undefined();
}

// sync(): waits for everything queued; throws what a kernel hit while it ran.
Napi::Value Sync(const Napi::CallbackInfo& info) {
  if (Context* ctx = Context::IfCreated()) GRAFT_CHECK(cudaStreamSynchronize(ctx->stream()), "sync");
  return info.Env().Undefined();
}


// setOptions({tf32?, benchmark?}): the switches GRAFT_CUDA_TF32 / GRAFT_CUDNN_BENCHMARK set at start.
Napi::Value SetOptions(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsObject()) throw Error(code::kInternal, "expected an object");
  Napi::Object o = info[0].As<Napi::Object>();
  Settings& s = Context::Get().settings();
  if (o.Has("tf32")) s.tf32 = o.Get("tf32").ToBoolean();
  if (o.Has("benchmark")) s.benchmark = o.Get("benchmark").ToBoolean();
  return info.Env().Undefined();
}

Napi::Value TrimPool(const Napi::CallbackInfo& info) {
  if (Context* ctx = Context::IfCreated()) ctx->Trim();
  return info.Env().Undefined();
}

}  // namespace graft::cuda
