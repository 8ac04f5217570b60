// oneDNN, the engine under graft's CPU kernels. onednn.cc is built when CMake finds
// oneDNN, onednn_stub.cc otherwise: same symbols, so callers need no #ifdef.
#pragma once

#include <string>

namespace graft::cpu {

struct OneDnnInfo {
  bool available = false;
  std::string version;  // "2.6.3"
  std::string isa;      // the instruction set oneDNN dispatches to here, e.g. "avx2"
  // Whether that ISA has bf16 arithmetic (AVX512_BF16 or AMX): oneDNN's bf16
  // kernels run natively there and are emulated, slowly, anywhere else.
  bool bf16 = false;
  // Whether it has AMX tiles, where bf16 is several times faster than fp32. Without
  // them, AVX512_BF16's dot product may not beat fp32 FMAs (see README, bf16 mode).
  bool amx = false;
  std::string reason;   // why oneDNN is not available ("" when it is)
};

OneDnnInfo QueryOneDnn();

// Makes a oneDNN call fail and throws what any failed call throws (ERR_GRAFT_ONEDNN),
// or ERR_GRAFT_UNAVAILABLE without oneDNN. For _selfTest.
[[noreturn]] void ThrowOneDnnSelfTestError();

}  // namespace graft::cpu
