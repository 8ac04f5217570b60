// cpu.setNumThreads / numThreads / setMath / setConvAlgorithm / cpuStats / clearCaches / releaseWeights.
#include <cmath>

#include "cpu/args.h"
#include "cpu/cache.h"
#include "cpu/kernels.h"
#include "cpu/math_mode.h"
#include "cpu/threads.h"

namespace graft::cpu {

Napi::Value SetNumThreadsJs(const Napi::CallbackInfo& info) {
  SetNumThreads(ArgInt(info, 0));
  return info.Env().Undefined();
}

Napi::Value NumThreadsJs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), NumThreads());
}

// setMath("fp32" | "bf16"); TypeScript has checked the string.
Napi::Value SetMathJs(const Napi::CallbackInfo& info) {
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name != "fp32" && name != "bf16") {
    throw Error(code::kInternal, "setMath: expected \"fp32\" or \"bf16\", got \"" + name + "\"");
  }
  SetMathMode(name == "bf16" ? MathMode::kBf16 : MathMode::kF32);
  return info.Env().Undefined();
}

// setConvAlgorithm("auto" | "direct" | "winograd"); TypeScript has checked the string.
Napi::Value SetConvAlgorithmJs(const Napi::CallbackInfo& info) {
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  for (ConvAlgo algo : {ConvAlgo::kAuto, ConvAlgo::kDirect, ConvAlgo::kWinograd}) {
    if (name == ConvAlgoName(algo)) {
      SetConvAlgo(algo);
      return info.Env().Undefined();
    }
  }
  throw Error(code::kInternal,
              "setConvAlgorithm: expected \"auto\", \"direct\" or \"winograd\", got \"" + name + "\"");
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
  out.Set("math", Napi::String::New(env, MathModeName(CurrentMathMode())));
  const std::string& bf16_reason = Bf16UnavailableReason();
  out.Set("bf16", Napi::Boolean::New(env, bf16_reason.empty()));
  out.Set("bf16Reason", bf16_reason.empty() ? env.Null() : Napi::String::New(env, bf16_reason));
  out.Set("amx", Napi::Boolean::New(env, Bf16OnAmx()));
  set("bf16Runs", Bf16Runs());
  set("bf16FallbackRuns", Bf16FallbackRuns());
  out.Set("convAlgorithm", Napi::String::New(env, ConvAlgoName(CurrentConvAlgo())));
  set("winogradRuns", WinogradRuns());
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
