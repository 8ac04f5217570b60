#include "capabilities.h"

#include <thread>

#include "build_config.h"
#include "cpu/onednn.h"

namespace graft {

namespace {

Napi::Value StringOrNull(Napi::Env env, bool present, const std::string& value) {
  if (!present) return env.Null();
  return Napi::String::New(env, value);
}

}  // namespace

Napi::Value Capabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const cpu::OneDnnInfo onednn = cpu::QueryOneDnn();

  Napi::Object out = Napi::Object::New(env);
  out.Set("version", Napi::String::New(env, GRAFT_VERSION));
  // The Node-API level graft.node was compiled for; the runtime's own is process.versions.napi.
  out.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  out.Set("onednn", Napi::Boolean::New(env, onednn.available));
  out.Set("onednnVersion", StringOrNull(env, onednn.available, onednn.version));
  out.Set("onednnIsa", StringOrNull(env, onednn.available, onednn.isa));
  out.Set("onednnReason", StringOrNull(env, !onednn.available, onednn.reason));
  out.Set("cuda", Napi::Boolean::New(env, false));
  out.Set("cudaReason", Napi::String::New(env, GRAFT_CUDA_REASON));
  // hardware_concurrency() is 0 when the platform cannot tell; 1 is the honest floor.
  const unsigned threads = std::thread::hardware_concurrency();
  out.Set("threads", Napi::Number::New(env, threads == 0 ? 1 : threads));
  out.Set("compiler", Napi::String::New(env, GRAFT_COMPILER));
  out.Set("buildType", Napi::String::New(env, GRAFT_BUILD_TYPE));
  return out;
}

}  // namespace graft
