// What every translation unit of graft.node shares: the Node-API settings and
// graft's one family of errors.
#pragma once

#include <napi.h>

#include <stdexcept>
#include <string>

#include "boundary.h"

namespace graft {

// Stable codes carried by every Error graft.node throws into JavaScript.
// JS code branches on them: never rename or reuse one. ts/index.ts lists them too.
namespace code {
inline constexpr const char* kInternal = "ERR_GRAFT_INTERNAL";        // a bug in graft
inline constexpr const char* kOutOfMemory = "ERR_GRAFT_OUT_OF_MEMORY";
inline constexpr const char* kOneDnn = "ERR_GRAFT_ONEDNN";            // a oneDNN call failed
inline constexpr const char* kUnavailable = "ERR_GRAFT_UNAVAILABLE";  // not built into this binary
}  // namespace code

// What native code throws. It needs no napi_env, so code far from the bindings
// (kernels, oneDNN wrappers) can throw it; Guard<> turns it into a JS Error.
class Error : public std::runtime_error {
 public:
  Error(const char* code, const std::string& message) : std::runtime_error(message), code_(code) {}
  const char* code() const noexcept { return code_; }

 private:
  const char* code_;  // one of graft::code, which are static strings
};

// A JS Error with `code` set. Made while the JS caller is on the stack, so its
// `stack` shows the caller's JavaScript frames.
Napi::Error MakeError(Napi::Env env, const char* code, const std::string& message);

// Gives a Napi::Error that node-addon-api made (a failed napi_* call) the code it lacks.
void EnsureErrorCode(const Napi::Error& error);

// Every exported function goes through Guard: whatever C++ throws reaches JS as
// an Error with a `code`, and nothing escapes to std::terminate.
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
Napi::Value Guard(const Napi::CallbackInfo& info) {
  try {
    return Fn(info);
  } catch (const Napi::Error& e) {
    EnsureErrorCode(e);
    throw;
  } catch (const Error& e) {
    throw MakeError(info.Env(), e.code(), e.what());
  } catch (const std::bad_alloc&) {
    throw MakeError(info.Env(), code::kOutOfMemory, "graft.node ran out of memory");
  } catch (const std::exception& e) {
    throw MakeError(info.Env(), code::kInternal, e.what());
  } catch (...) {
    throw MakeError(info.Env(), code::kInternal, "graft.node threw a non-standard C++ exception");
  }
}

}  // namespace graft
