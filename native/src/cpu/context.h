// What graft's oneDNN kernels share (built only with oneDNN): one CPU engine and
// stream, the primitive cache, the user-owned scratchpad, temporary buffers and
// the cache of reordered convolution weights. Every kernel holds Lock() while it
// runs, so calls from several worker_threads take turns instead of racing on the
// shared buffers.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "common.h"
#include "cpu/cache.h"
#include "cpu/threads.h"

namespace graft::cpu {

enum class PlanOp : int32_t {
  kConvForward = 1,
  kConvBackwardData = 2,
  kConvBackwardWeights = 3,
  kMatMul = 4,
};

// A primitive-cache key: a zero-initialised plain struct, hashed and compared as
// bytes. `ints` holds the op's shape parameters and attributes in a fixed order
// (see each kernel). The thread count is part of the key because oneDNN plans
// its work split for the thread count it sees when the primitive is created;
// `math` is the MathMode asked for (a bf16 plan may still hold an fp32 primitive).
struct PlanKey {
  int32_t op;
  int32_t threads;
  int32_t math;
  int32_t ints[30];
};
static_assert(std::has_unique_object_representations_v<PlanKey>, "PlanKey must have no padding");

inline PlanKey MakePlanKey(PlanOp op) {
  PlanKey key;
  std::memset(&key, 0, sizeof key);
  key.op = static_cast<int32_t>(op);
  key.threads = NumThreads();
  return key;
}

inline int32_t FloatBits(float f) {
  int32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

struct PlanKeyHash {
  size_t operator()(const PlanKey& key) const noexcept {
    // FNV-1a over the bytes.
    const auto* p = reinterpret_cast<const unsigned char*>(&key);
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < sizeof key; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};
struct PlanKeyEq {
  bool operator()(const PlanKey& a, const PlanKey& b) const noexcept {
    return std::memcmp(&a, &b, sizeof a) == 0;
  }
};

// What a kernel caches per key: its primitive(s) and memory descriptors.
struct Plan {
  virtual ~Plan() = default;
};

// 64-byte aligned memory that grows to the largest size asked for.
class GrowingBuffer {
 public:
  GrowingBuffer() = default;
  GrowingBuffer(const GrowingBuffer&) = delete;
  GrowingBuffer& operator=(const GrowingBuffer&) = delete;
  ~GrowingBuffer() { Release(); }
  void* Reserve(size_t bytes);
  void Release();
  size_t capacity() const { return capacity_; }

 private:
  void* data_ = nullptr;
  size_t capacity_ = 0;
};

class Context {
 public:
  static constexpr size_t kMaxPlans = 256;
  static constexpr size_t kMaxWeightsBytes = size_t{256} << 20;
  static constexpr int kTempSlots = 4;

  // Created on first use and never destroyed (oneDNN's and OpenMP's own statics
  // may be gone by the time static destructors run at exit).
  static Context& Get();

  std::unique_lock<std::mutex> Lock() { return std::unique_lock<std::mutex>(mutex_); }
  const dnnl::engine& engine() const { return engine_; }
  dnnl::stream& stream() { return stream_; }

  // The plan cached under `key`, or make() (which may throw; nothing is cached
  // then) stored under it. Least recently used plans go beyond kMaxPlans.
  template <class P, class Make>
  P& GetPlan(const PlanKey& key, Make&& make) {
    auto it = plans_.find(key);
    if (it != plans_.end()) {
      ++hits_;
      lru_.splice(lru_.begin(), lru_, it->second.position);
      return static_cast<P&>(*it->second.plan);
    }
    ++misses_;
    std::unique_ptr<P> plan = make();
    P& ref = *plan;
    lru_.push_front(key);
    plans_.emplace(key, Slot{std::move(plan), lru_.begin()});
    while (plans_.size() > kMaxPlans) {
      plans_.erase(lru_.back());
      lru_.pop_back();
    }
    return ref;
  }

  // A memory object over the shared scratchpad, large enough for `md`.
  dnnl::memory Scratchpad(const dnnl::memory::desc& md);
  // Temporary buffer `slot` (0..kTempSlots-1), at least `bytes` long.
  void* Temp(int slot, size_t bytes);

  // Reordered weights for (key, the user's buffer, the target layout), or null.
  void* FindWeights(uint64_t key, const void* source, size_t source_bytes,
                    const dnnl::memory::desc& md);
  // Where to reorder weights that will be cached under `key`, or null when they
  // should not be cached: only from their second use in the same layout on (so
  // training, which makes new weights every step and uses a matmul's b transposed
  // in its gradient, caches nothing), and never beyond kMaxWeightsBytes.
  void* StoreWeights(uint64_t key, const void* source, size_t source_bytes,
                     const dnnl::memory::desc& md);
  bool ReleaseWeights(uint64_t key);

  CacheStats Stats() const;
  void Clear();

 private:
  Context();

  struct Slot {
    std::unique_ptr<Plan> plan;
    std::list<PlanKey>::iterator position;
  };
  struct Weights {
    const void* source;
    size_t source_bytes;
    dnnl::memory::desc md;
    std::unique_ptr<GrowingBuffer> buffer;
    size_t bytes;
    std::list<uint64_t>::iterator position;
  };

  std::mutex mutex_;
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::unordered_map<PlanKey, Slot, PlanKeyHash, PlanKeyEq> plans_;
  std::list<PlanKey> lru_;
  int64_t hits_ = 0;
  int64_t misses_ = 0;
  GrowingBuffer scratchpad_;
  GrowingBuffer temp_[kTempSlots];
  std::unordered_map<uint64_t, Weights> weights_;
  std::list<uint64_t> weights_lru_;
  size_t weights_bytes_ = 0;
  // Keys seen once, each with a hash of the layout it was asked for.
  std::unordered_map<uint64_t, uint64_t> weights_seen_;
};

// Turns a dnnl::error into ERR_GRAFT_ONEDNN naming the kernel and its shapes.
[[noreturn]] void ThrowOneDnn(const char* op, const std::string& shapes, const dnnl::error& e);

// The oneDNN post-op for graft's activation codes (boundary.h Activation);
// false for linear.
bool AppendActivation(dnnl::post_ops& ops, int activation, float alpha);

// act(v) in C++, for the degenerate shapes oneDNN is not asked about (K = 0).
float ApplyActivation(float v, int activation, float alpha);

inline dnnl::memory Mem(const dnnl::memory::desc& md, const dnnl::engine& engine, const void* p) {
  return dnnl::memory(md, engine, const_cast<void*>(p));
}

// Primitive attributes with the user-owned scratchpad (Context::Scratchpad).
dnnl::primitive_attr UserScratchpad();

// A reorder primitive (layout and/or data type) and the scratchpad it needs.
struct Reorder {
  dnnl::reorder primitive;
  dnnl::memory::desc scratchpad;
};
Reorder MakeReorder(const dnnl::engine& engine, const dnnl::memory::desc& from,
                    const dnnl::memory::desc& to);
void RunReorder(Context& ctx, const Reorder& r, const dnnl::memory& from, const dnnl::memory& to);

// Whether oneDNN picked one of its reference implementations ("ref:any"): they
// exist for every data type and are orders of magnitude slower than the JIT ones.
template <class PrimitiveDesc>
bool IsReferenceImpl(const PrimitiveDesc& pd) {
  return std::strncmp(pd.impl_info_str(), "ref", 3) == 0;
}

// f32 data in `user` layout, converted (f32 -> bf16, and to the primitive's
// layout) into temporary buffer `slot` when the primitive wants another
// descriptor; the user's buffer itself when it does not.
struct Convert {
  dnnl::memory::desc user, conv;
  bool needed = false;
  Reorder reorder;

  Convert() = default;
  Convert(const dnnl::engine& engine, const dnnl::memory::desc& user_md,
          const dnnl::memory::desc& conv_md);
  dnnl::memory Run(Context& ctx, const void* data, int slot) const;
};

// The other direction, for a primitive's f32 output: the primitive writes into
// temporary buffer `slot` in its own layout, and Finish reorders that into the
// user's buffer; or it writes the user's buffer directly when the layouts agree.
struct ConvertBack {
  dnnl::memory::desc user, conv;
  bool needed = false;
  Reorder reorder;

  ConvertBack() = default;
  ConvertBack(const dnnl::engine& engine, const dnnl::memory::desc& user_md,
              const dnnl::memory::desc& conv_md);
  dnnl::memory Target(Context& ctx, void* data, int slot) const;
  void Finish(Context& ctx, const dnnl::memory& target, void* data) const;
};

}  // namespace graft::cpu
