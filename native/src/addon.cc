// graft.node's entry point: the table of exported functions. Loaded only by ts/index.ts.
#include "capabilities.h"
#include "common.h"
#include "self_test.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("capabilities",
              Napi::Function::New(env, graft::Guard<graft::Capabilities>, "capabilities"));
  exports.Set("_selfTest", Napi::Function::New(env, graft::Guard<graft::SelfTest>, "_selfTest"));
  return exports;
}

}  // namespace

NODE_API_MODULE(graft, Init)
