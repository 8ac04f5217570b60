// cpu.setNumThreads / numThreads / cpuStats / clearCaches / releaseWeights.
#include <cmath>

#include "cpu/args.h"
#include "cpu/cache.h"
#include "cpu/kernels.h"
#include "cpu/threads.h"

namespace graft::cpu {

Napi::Value SetNumThreadsJs(const Napi::CallbackInfo& info) {
  SetNumThreads(ArgInt(info, 0));
  return info.Env().Undefined();
}

Napi::Value NumThreadsJs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), NumThreads());
}

Napi::Value CpuStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const CacheStats s = GetCacheStats();
  Napi::Object out = Napi::Object::New(env);
  auto set = [&](const char* name, int64_t v) {
    out.Set(name, Napi::Number::New(env, static_cast<double>(v)));
  };
  set("primitiveCacheEntries", s.primitiveCacheEntries);
  set("primitiveCacheHits", s.primitiveCacheHits);
  set("primitiveCacheMisses", s.primitiveCacheMisses);
  set("scratchpadBytes", s.scratchpadBytes);
  set("tempBytes", s.tempBytes);
  set("weightsCacheEntries", s.weightsCacheEntries);
  set("weightsCacheBytes", s.weightsCacheBytes);
  set("bytes", s.bytes);
  set("threads", NumThreads());
  out.Set("threadsNote", Napi::String::New(env, ThreadsNote()));
  return out;
}

Napi::Value ClearCaches(const Napi::CallbackInfo& info) {
  ClearAllCaches();
  return info.Env().Undefined();
}

Napi::Value ReleaseWeights(const Napi::CallbackInfo& info) {
  const double key = info[0].As<Napi::Number>().DoubleValue();
  const bool released = key >= 0 && ReleaseCachedWeights(static_cast<uint64_t>(key) + 1);
  return Napi::Boolean::New(info.Env(), released);
}

}  // namespace graft::cpu
