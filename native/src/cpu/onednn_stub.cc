// Built instead of onednn.cc when oneDNN is not found or GRAFT_WITH_ONEDNN=OFF.
#include "build_config.h"
#include "common.h"
#include "cpu/onednn.h"

namespace graft::cpu {

OneDnnInfo QueryOneDnn() {
  OneDnnInfo info;
  info.reason = GRAFT_ONEDNN_REASON;
  return info;
}

void ThrowOneDnnSelfTestError() {
  throw Error(code::kUnavailable,
              std::string("oneDNN is not built into graft.node (") + GRAFT_ONEDNN_REASON + ")");
}

}  // namespace graft::cpu
