#pragma once

#include "common.h"

namespace graft {

// _selfTest(kind): throws on purpose, one way per kind, so tests can check that
// every path from C++ to JS yields an Error with a `code`. ts/index.ts checks `kind`.
Napi::Value SelfTest(const Napi::CallbackInfo& info);

}  // namespace graft
