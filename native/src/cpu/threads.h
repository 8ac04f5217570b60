// How many threads graft's CPU kernels use, and the one parallel loop they share.
//
// oneDNN (Debian's libdnnl2) runs on OpenMP, and so do graft's hand-written loops:
// one thread pool, one setting. OpenMP keeps the thread count per calling thread,
// so every kernel calls ApplyThreads() first; a kernel called from a worker_thread
// then uses the same count as one called from the main thread.
#pragma once

#include <cstdint>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace graft::cpu {

// Reads GRAFT_NUM_THREADS once (a positive integer; anything else is ignored and
// noted in ThreadsNote()). Without it: every core this process may run on.
void InitThreads();
void SetNumThreads(int n);
int NumThreads();
// Why the count is what it is, e.g. "GRAFT_NUM_THREADS=4", "all 16 cores", or
// the problem with GRAFT_NUM_THREADS.
std::string ThreadsNote();
// Makes the calling thread's OpenMP setting (which oneDNN reads) match NumThreads().
void ApplyThreads();

// f(begin, end) over [0, n) in at most NumThreads() contiguous chunks, each of at
// least `grain` items (one chunk, on the calling thread, when n is small). f must
// not throw.
// Elementwise work below this many elements per thread is not worth a thread.
inline constexpr int64_t kGrain = 32768;

template <typename F>
void ParallelFor(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  int64_t chunks = grain > 0 ? n / grain : n;
  if (chunks > NumThreads()) chunks = NumThreads();
#ifdef _OPENMP
  if (chunks > 1) {
    const int nt = static_cast<int>(chunks);
#pragma omp parallel num_threads(nt)
    {
      const int64_t t = omp_get_thread_num();
      const int64_t count = omp_get_num_threads();
      f(n * t / count, n * (t + 1) / count);
    }
    return;
  }
#endif
  f(int64_t{0}, n);
}

}  // namespace graft::cpu
