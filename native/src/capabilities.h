#pragma once

#include "common.h"

namespace graft {

// capabilities(): what this binary was built with and what the machine offers.
Napi::Value Capabilities(const Napi::CallbackInfo& info);

}  // namespace graft
