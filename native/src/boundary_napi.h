// `boundary`, the object both addons export: every table and constant of boundary.h by
// the names TypeScript uses, e.g. boundary.ACTIVATIONS.relu === 1. The loaders compare it with
// ts/common/boundary.ts (generated from the same header) before using the addon.
#pragma once

#include <napi.h>

#include "boundary.h"

namespace graft {

inline Napi::Object BoundaryObject(Napi::Env env) {
  Napi::Object all = Napi::Object::New(env);
  int next = 0;
  Napi::Object table;
#define GRAFT_NAPI_ENTRY(cpp_name, ts_name) table.Set(#ts_name, Napi::Number::New(env, next++));
#define GRAFT_NAPI_TABLE(name, entries) \
  table = Napi::Object::New(env);       \
  next = 0;                             \
  entries(GRAFT_NAPI_ENTRY)             \
  all.Set(#name, table);
  GRAFT_BOUNDARY_TABLES(GRAFT_NAPI_TABLE)
#define GRAFT_NAPI_CONST(name, value) all.Set(#name, Napi::Number::New(env, value));
  GRAFT_BOUNDARY_CONSTS(GRAFT_NAPI_CONST)
#undef GRAFT_NAPI_CONST
#undef GRAFT_NAPI_TABLE
#undef GRAFT_NAPI_ENTRY
  return all;
}

}  // namespace graft
