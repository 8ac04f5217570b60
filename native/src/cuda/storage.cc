#include "cuda/storage.h"

#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cuda/args.h"
#include "cuda/kernels.h"

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

// Upload staging: the values are copied into a page-locked buffer and the device copy
// is queued from there, so an upload never waits for the stream (a copy from pageable
// memory may). The buffer goes back to the pool once an event after its copy has passed.
constexpr size_t kStageMax = size_t(64) << 20;
struct Staged {
  void* pinned;
  size_t bytes;
  cudaEvent_t done;
};
std::mutex g_stage_mutex;
std::deque<Staged> g_staged;
std::vector<cudaEvent_t> g_spare_events;

void ReapStaged() {
  std::lock_guard<std::mutex> lock(g_stage_mutex);
  while (!g_staged.empty()) {
    Staged& st = g_staged.front();
    const cudaError_t q = cudaEventQuery(st.done);
    if (q == cudaErrorNotReady) break;
    if (q != cudaSuccess) cudaGetLastError();
    g_pinned.Give(st.pinned, st.bytes);
    g_spare_events.push_back(st.done);
    g_staged.pop_front();
  }
}

// `graft bench --profile`: each transfer's size and how long the JS thread was held.
struct TransferRecord {
  Transfer dir;  // boundary.h's: a read is queued only (the JS thread is not held)
  size_t bytes;
  double ms;
};
std::mutex g_record_mutex;
std::vector<TransferRecord> g_records;
constexpr size_t kMaxRecords = 1 << 16;

void Record(Transfer dir, size_t bytes, std::chrono::steady_clock::time_point t0) {
  Context* ctx = Context::IfCreated();
  if (ctx == nullptr || !ctx->settings().profile) return;
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::lock_guard<std::mutex> lock(g_record_mutex);
  if (g_records.size() < kMaxRecords) g_records.push_back(TransferRecord{dir, bytes, ms});
}

// Device-side time marks for the profile: events recorded on the stream, read after a sync.
std::mutex g_mark_mutex;
std::vector<cudaEvent_t> g_marks;
size_t g_mark_count = 0;

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
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t id = Int(info, 0, "id");
  void* src;
  size_t bytes;
  View(info, 1, &src, &bytes);
  Context& ctx = Context::Get();
  void* dst = AllocOutput(id, bytes, "upload");
  if (bytes > 0 && ctx.settings().pinnedUpload && bytes <= kStageMax) {
    ReapStaged();
    void* pinned = g_pinned.Take(bytes);
    std::memcpy(pinned, src, bytes);
    cudaEvent_t done = nullptr;
    {
      std::lock_guard<std::mutex> lock(g_stage_mutex);
      if (!g_spare_events.empty()) {
        done = g_spare_events.back();
        g_spare_events.pop_back();
      }
    }
    if (done == nullptr) GRAFT_CHECK(cudaEventCreateWithFlags(&done, cudaEventDisableTiming), "upload staging");
    GRAFT_CHECK(cudaMemcpyAsync(dst, pinned, bytes, cudaMemcpyHostToDevice, ctx.stream()),
                "upload of " + std::to_string(bytes) + " bytes");
    GRAFT_CHECK(cudaEventRecord(done, ctx.stream()), "upload staging");
    std::lock_guard<std::mutex> lock(g_stage_mutex);
    g_staged.push_back(Staged{pinned, bytes, done});
  } else if (bytes > 0) {
    GRAFT_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, ctx.stream()),
                "upload of " + std::to_string(bytes) + " bytes");
  }
  Record(kTransferUpload, bytes, t0);
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
  DropCachedFilter(id);
  if (Context* ctx = Context::IfCreated()) ctx->Free(b.ptr);
  return Napi::Boolean::New(info.Env(), true);
}

// readSync(id, out): copies the tensor into `out` (a TypedArray of its byte length),
// blocking until every kernel queued before has run.
Napi::Value ReadSync(const Napi::CallbackInfo& info) {
  const auto t0 = std::chrono::steady_clock::now();
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
  Record(kTransferReadSync, bytes, t0);
  ReapStaged();
  return info.Env().Undefined();
}

// read(id): Promise<ArrayBuffer>. Queues a copy into page-locked memory and an event
// after it; a helper thread waits for the event and hands the bytes to the JS thread
// through a thread-safe function. The JS thread never blocks.
Napi::Value Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto t0 = std::chrono::steady_clock::now();
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
  Record(kTransferRead, b.bytes, t0);

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
  if (o.Has("filterCache")) s.filterCache = o.Get("filterCache").ToBoolean();
  if (o.Has("fusedZero")) s.fusedZero = o.Get("fusedZero").ToBoolean();
  if (o.Has("pinnedUpload")) s.pinnedUpload = o.Get("pinnedUpload").ToBoolean();
  return info.Env().Undefined();
}

// profile(on): starts (clearing every record and launch count) or stops recording.
Napi::Value Profile(const Napi::CallbackInfo& info) {
  const bool on = info.Length() > 0 && info[0].ToBoolean();
  Context::Get().settings().profile = on;
  if (on) {
    std::lock_guard<std::mutex> lock(g_record_mutex);
    g_records.clear();
    ResetLaunchCounts();
  }
  return info.Env().Undefined();
}

// profileRecords(): {transfers: Float64Array [dir, bytes, ms]*, launches: {name: count}},
// and clears both (so each call covers what happened since the last).
Napi::Value ProfileRecords(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<TransferRecord> records;
  {
    std::lock_guard<std::mutex> lock(g_record_mutex);
    records.swap(g_records);
  }
  Napi::Float64Array t = Napi::Float64Array::New(env, records.size() * 3);
  for (size_t i = 0; i < records.size(); ++i) {
    t[3 * i] = records[i].dir;
    t[3 * i + 1] = double(records[i].bytes);
    t[3 * i + 2] = records[i].ms;
  }
  Napi::Object launches = Napi::Object::New(env);
  for (const auto& [name, count] : LaunchCounts()) launches.Set(name, double(count));
  ResetLaunchCounts();
  Napi::Object o = Napi::Object::New(env);
  o.Set("transfers", t);
  o.Set("launches", launches);
  return o;
}

// mark(): records a timing event on the stream; returns its index since the last marksElapsed().
Napi::Value Mark(const Napi::CallbackInfo& info) {
  Context& ctx = Context::Get();
  std::lock_guard<std::mutex> lock(g_mark_mutex);
  if (g_mark_count == g_marks.size()) {
    cudaEvent_t e = nullptr;
    GRAFT_CHECK(cudaEventCreate(&e), "profile mark");
    g_marks.push_back(e);
  }
  GRAFT_CHECK(cudaEventRecord(g_marks[g_mark_count], ctx.stream()), "profile mark");
  return Napi::Number::New(info.Env(), double(g_mark_count++));
}

// marksElapsed(): waits for the stream; ms of each mark after mark 0 (Float64Array); resets the marks.
Napi::Value MarksElapsed(const Napi::CallbackInfo& info) {
  Context& ctx = Context::Get();
  GRAFT_CHECK(cudaStreamSynchronize(ctx.stream()), "marksElapsed");
  std::lock_guard<std::mutex> lock(g_mark_mutex);
  Napi::Float64Array out = Napi::Float64Array::New(info.Env(), g_mark_count);
  for (size_t i = 0; i < g_mark_count; ++i) {
    float ms = 0.f;
    if (i > 0) GRAFT_CHECK(cudaEventElapsedTime(&ms, g_marks[0], g_marks[i]), "marksElapsed");
    out[i] = ms;
  }
  g_mark_count = 0;
  return out;
}

Napi::Value TrimPool(const Napi::CallbackInfo& info) {
  if (Context* ctx = Context::IfCreated()) ctx->Trim();
  return info.Env().Undefined();
}

}  // namespace graft::cuda
