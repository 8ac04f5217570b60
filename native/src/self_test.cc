#include "self_test.h"

#include "cpu/onednn.h"

namespace graft {

Napi::Value SelfTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string kind = info[0].As<Napi::String>().Utf8Value();
  if (kind == "ok") return Napi::Boolean::New(env, true);
  if (kind == "graft") throw Error(code::kInternal, "graft self-test: a graft::Error thrown on purpose");
  if (kind == "std") throw std::runtime_error("graft self-test: a std::runtime_error thrown on purpose");
  if (kind == "unknown") throw 42;  // not a std::exception: Guard must still give it a code
  if (kind == "napi") {
    // A failing napi_* call: reading a property of undefined makes V8 throw a TypeError.
    Napi::Object not_an_object(env, env.Undefined());
    return not_an_object.Get("x");
  }
  if (kind == "onednn") cpu::ThrowOneDnnSelfTestError();
  throw Error(code::kInternal, "graft self-test: unknown kind '" + kind + "'");
}

}  // namespace graft
