#include "common.h"

namespace graft {

Napi::Error MakeError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

void EnsureErrorCode(const Napi::Error& error) {
  // Nothing in graft calls back into JavaScript yet, so a Napi::Error is either
  // ours (has a code) or a failed napi_* call (a bug: ERR_GRAFT_INTERNAL). When
  // graft starts calling user callbacks, their exceptions must pass untouched.
  Napi::Value value = error.Value();
  if (!value.IsObject()) return;
  Napi::Object object = value.As<Napi::Object>();
  if (!object.Has("code")) object.Set("code", Napi::String::New(error.Env(), code::kInternal));
}

}  // namespace graft
