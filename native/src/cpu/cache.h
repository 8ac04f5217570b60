// The memory graft's CPU kernels keep between calls: cached oneDNN primitives,
// the scratchpad, temporary buffers and reordered weights. context.cc owns them;
// onednn_kernels_stub.cc reports none.
#pragma once

#include <cstdint>

namespace graft::cpu {

struct CacheStats {
  int64_t primitiveCacheEntries = 0;
  int64_t primitiveCacheHits = 0;
  int64_t primitiveCacheMisses = 0;
  int64_t scratchpadBytes = 0;     // the one user-owned oneDNN scratchpad
  int64_t tempBytes = 0;           // reorder targets (weights, blocked gradients)
  int64_t weightsCacheEntries = 0;
  int64_t weightsCacheBytes = 0;   // reordered conv weights kept for reuse
  int64_t bytes = 0;               // all of the above that graft allocated
};

CacheStats GetCacheStats();
// Drops every cached primitive, buffer and reordered weight.
void ClearAllCaches();
// Forgets the reordered weights cached under `key` (see conv2d's weightsKey);
// true when there were some.
bool ReleaseCachedWeights(uint64_t key);

}  // namespace graft::cpu
