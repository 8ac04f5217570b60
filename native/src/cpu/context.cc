#include "cpu/context.h"

#include <oneapi/dnnl/dnnl_debug.h>

#include <cmath>
#include <cstdlib>
#include <new>

namespace graft::cpu {

void* GrowingBuffer::Reserve(size_t bytes) {
  if (bytes <= capacity_ && data_ != nullptr) return data_;
  Release();
  // Round up to 64 bytes (aligned_alloc wants a multiple of the alignment) and
  // leave room so that slowly growing requests do not reallocate every call.
  size_t want = bytes + bytes / 8;
  want = (want + 63) / 64 * 64;
  if (want == 0) want = 64;
  data_ = std::aligned_alloc(64, want);
  if (data_ == nullptr) throw std::bad_alloc();
  capacity_ = want;
  return data_;
}

void GrowingBuffer::Release() {
  std::free(data_);
  data_ = nullptr;
  capacity_ = 0;
}

Context& Context::Get() {
  static Context* context = [] {
    try {
      return new Context();
    } catch (const dnnl::error& e) {
      throw Error(code::kOneDnn, std::string("creating oneDNN's CPU engine and stream: ") + e.what() +
                                     " [" + dnnl_status2str(e.status) + "]");
    }
  }();
  return *context;
}

Context::Context() : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {}

dnnl::memory Context::Scratchpad(const dnnl::memory::desc& md) {
  return dnnl::memory(md, engine_, scratchpad_.Reserve(md.get_size()));
}

void* Context::Temp(int slot, size_t bytes) { return temp_[slot].Reserve(bytes); }

namespace {

// FNV-1a over a memory descriptor's bytes (oneDNN zero-fills them, padding included).
// Only decides when to cache: FindWeights still compares descriptors exactly.
uint64_t HashDesc(const dnnl::memory::desc& md) {
  const auto* p = reinterpret_cast<const unsigned char*>(&md.data);
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < sizeof md.data; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

}  // namespace

void* Context::FindWeights(uint64_t key, const void* source, size_t source_bytes,
                           const dnnl::memory::desc& md) {
  auto it = weights_.find(key);
  if (it == weights_.end()) return nullptr;
  Weights& w = it->second;
  if (w.source != source || w.source_bytes != source_bytes || w.md != md) return nullptr;
  weights_lru_.splice(weights_lru_.begin(), weights_lru_, w.position);
  return w.buffer->Reserve(w.bytes);
}

void* Context::StoreWeights(uint64_t key, const void* source, size_t source_bytes,
                            const dnnl::memory::desc& md) {
  const size_t bytes = md.get_size();
  if (bytes > kMaxWeightsBytes) return nullptr;
  const uint64_t layout = HashDesc(md);
  if (weights_.count(key) == 0) {
    auto [seen, first] = weights_seen_.try_emplace(key, layout);
    if (first || seen->second != layout) {
      // First use (in this layout): remember it, keep nothing. The map only holds
      // integers; it is emptied when large, which at worst delays caching by one call.
      seen->second = layout;
      if (weights_seen_.size() > 65536) {
        weights_seen_.clear();
        weights_seen_.emplace(key, layout);
      }
      return nullptr;
    }
  }
  ReleaseWeights(key);
  while (!weights_lru_.empty() && weights_bytes_ + bytes > kMaxWeightsBytes) {
    ReleaseWeights(weights_lru_.back());
  }
  weights_lru_.push_front(key);
  auto buffer = std::make_unique<GrowingBuffer>();
  void* data = buffer->Reserve(bytes);
  weights_.emplace(key, Weights{source, source_bytes, md, std::move(buffer), bytes,
                                weights_lru_.begin()});
  weights_bytes_ += bytes;
  return data;
}

bool Context::ReleaseWeights(uint64_t key) {
  weights_seen_.erase(key);
  auto it = weights_.find(key);
  if (it == weights_.end()) return false;
  weights_bytes_ -= it->second.bytes;
  weights_lru_.erase(it->second.position);
  weights_.erase(it);
  return true;
}

CacheStats Context::Stats() const {
  CacheStats s;
  s.primitiveCacheEntries = static_cast<int64_t>(plans_.size());
  s.primitiveCacheHits = hits_;
  s.primitiveCacheMisses = misses_;
  s.scratchpadBytes = static_cast<int64_t>(scratchpad_.capacity());
  for (const GrowingBuffer& t : temp_) s.tempBytes += static_cast<int64_t>(t.capacity());
  s.weightsCacheEntries = static_cast<int64_t>(weights_.size());
  for (const auto& [key, w] : weights_) s.weightsCacheBytes += static_cast<int64_t>(w.buffer->capacity());
  // oneDNN's JIT code and descriptors are not counted: it does not report them.
  s.bytes = s.scratchpadBytes + s.tempBytes + s.weightsCacheBytes;
  return s;
}

void Context::Clear() {
  plans_.clear();
  lru_.clear();
  scratchpad_.Release();
  for (GrowingBuffer& t : temp_) t.Release();
  weights_.clear();
  weights_lru_.clear();
  weights_bytes_ = 0;
  weights_seen_.clear();
}

CacheStats GetCacheStats() {
  Context& ctx = Context::Get();
  auto lock = ctx.Lock();
  return ctx.Stats();
}

void ClearAllCaches() {
  Context& ctx = Context::Get();
  auto lock = ctx.Lock();
  ctx.Clear();
}

bool ReleaseCachedWeights(uint64_t key) {
  Context& ctx = Context::Get();
  auto lock = ctx.Lock();
  return ctx.ReleaseWeights(key);
}

dnnl::primitive_attr UserScratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

Reorder MakeReorder(const dnnl::engine& engine, const dnnl::memory::desc& from,
                    const dnnl::memory::desc& to) {
  dnnl::reorder::primitive_desc pd(engine, from, engine, to, UserScratchpad());
  return {dnnl::reorder(pd), pd.scratchpad_desc()};
}

void RunReorder(Context& ctx, const Reorder& r, const dnnl::memory& from, const dnnl::memory& to) {
  r.primitive.execute(ctx.stream(), {{DNNL_ARG_FROM, from},
                                     {DNNL_ARG_TO, to},
                                     {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(r.scratchpad)}});
}

Convert::Convert(const dnnl::engine& engine, const dnnl::memory::desc& user_md,
                 const dnnl::memory::desc& conv_md)
    : user(user_md), conv(conv_md), needed(user_md != conv_md) {
  if (needed) reorder = MakeReorder(engine, user, conv);
}

dnnl::memory Convert::Run(Context& ctx, const void* data, int slot) const {
  dnnl::memory from = Mem(user, ctx.engine(), data);
  if (!needed) return from;
  dnnl::memory to = Mem(conv, ctx.engine(), ctx.Temp(slot, conv.get_size()));
  RunReorder(ctx, reorder, from, to);
  return to;
}

ConvertBack::ConvertBack(const dnnl::engine& engine, const dnnl::memory::desc& user_md,
                         const dnnl::memory::desc& conv_md)
    : user(user_md), conv(conv_md), needed(user_md != conv_md) {
  if (needed) reorder = MakeReorder(engine, conv, user);
}

dnnl::memory ConvertBack::Target(Context& ctx, void* data, int slot) const {
  if (!needed) return Mem(user, ctx.engine(), data);
  return Mem(conv, ctx.engine(), ctx.Temp(slot, conv.get_size()));
}

void ConvertBack::Finish(Context& ctx, const dnnl::memory& target, void* data) const {
  if (needed) RunReorder(ctx, reorder, target, Mem(user, ctx.engine(), data));
}

void ThrowOneDnn(const char* op, const std::string& shapes, const dnnl::error& e) {
  throw Error(code::kOneDnn, std::string(op) + " (" + shapes + "): " + e.what() + " [" +
                                 dnnl_status2str(e.status) + "]");
}

bool AppendActivation(dnnl::post_ops& ops, int activation, float alpha) {
  using dnnl::algorithm;
  switch (activation) {
    case kActRelu:
      ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
      return true;
    case kActRelu6:
      ops.append_eltwise(1.0f, algorithm::eltwise_clip, 0.0f, 6.0f);
      return true;
    case kActElu:
      ops.append_eltwise(1.0f, algorithm::eltwise_elu, 1.0f, 0.0f);
      return true;
    case kActSigmoid:
      ops.append_eltwise(1.0f, algorithm::eltwise_logistic, 0.0f, 0.0f);
      return true;
    case kActLeakyRelu:
      ops.append_eltwise(1.0f, algorithm::eltwise_relu, alpha, 0.0f);
      return true;
    default:
      return false;
  }
}

float ApplyActivation(float v, int activation, float alpha) {
  switch (activation) {
    case kActRelu:
      return v < 0.0f ? 0.0f : v;
    case kActRelu6:
      return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);
    case kActElu:
      return v >= 0.0f ? v : std::expm1(v);
    case kActSigmoid:
      return 1.0f / (1.0f + std::exp(-v));
    case kActLeakyRelu:
      return v < 0.0f ? alpha * v : v;
    default:
      return v;
  }
}

}  // namespace graft::cpu
