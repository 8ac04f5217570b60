// oneDNN, the engine under graft's CPU kernels. onednn.cc is built when CMake finds
// oneDNN, onednn_stub.cc otherwise: same symbols, so callers need no #ifdef.
#pragma once

#include <string>

namespace graft::cpu {

struct OneDnnInfo {
  bool available = false;
  std::string version;  // "2.6.3"
  std::string isa;      // the instruction set oneDNN dispatches to here, e.g. "avx2"
  std::string reason;   // why oneDNN is not available ("" when it is)
};

OneDnnInfo QueryOneDnn();

// Makes a oneDNN call fail and throws what any failed call throws (ERR_GRAFT_ONEDNN),
// or ERR_GRAFT_UNAVAILABLE without oneDNN. For _selfTest.
[[noreturn]] void ThrowOneDnnSelfTestError();

}  // namespace graft::cpu
