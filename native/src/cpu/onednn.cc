// Built when CMake finds oneDNN (GRAFT_HAVE_ONEDNN); onednn_stub.cc otherwise.
// Uses oneDNN's C API, which has kept these calls from 2.x to 3.x.
#include "cpu/onednn.h"

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

#include "common.h"

namespace graft::cpu {

namespace {

// Every oneDNN call goes through this: a failure becomes ERR_GRAFT_ONEDNN, naming the call.
void CheckDnnl(dnnl_status_t status, const std::string& call) {
  if (status == dnnl_success) return;
  throw Error(code::kOneDnn, call + " failed: " + dnnl_status2str(status));
}

}  // namespace

OneDnnInfo QueryOneDnn() {
  OneDnnInfo info;
  const dnnl_version_t* version = dnnl_version();
  info.available = true;
  info.version = std::to_string(version->major) + "." + std::to_string(version->minor) + "." +
                 std::to_string(version->patch);
  const dnnl_cpu_isa_t effective = dnnl_get_effective_cpu_isa();
  // ISAs are bit masks, each holding the ones it extends (avx512_core_amx holds avx512_core_bf16).
  info.bf16 = (effective & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
  info.amx = (effective & dnnl_cpu_isa_avx512_core_amx) == dnnl_cpu_isa_avx512_core_amx;
  // "cpu_isa_avx2" -> "avx2"
  std::string isa = dnnl_cpu_isa2str(effective);
  const std::string prefix = "cpu_isa_";
  if (isa.compare(0, prefix.size(), prefix) == 0) isa.erase(0, prefix.size());
  info.isa = isa;
  return info;
}

void ThrowOneDnnSelfTestError() {
  // A CPU engine only has index 0, so this fails the same way on every machine.
  dnnl_engine_t engine = nullptr;
  CheckDnnl(dnnl_engine_create(&engine, dnnl_cpu, 1000000),
            "dnnl_engine_create(cpu, index 1000000)");
  dnnl_engine_destroy(engine);
  throw Error(code::kInternal, "oneDNN self-test: dnnl_engine_create(cpu, 1000000) succeeded");
}

}  // namespace graft::cpu
