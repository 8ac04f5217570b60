#include "cpu/threads.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace graft::cpu {

namespace {

std::atomic<int> g_threads{0};
std::mutex g_note_mutex;
std::string g_note;

int AllCores() {
#ifdef _OPENMP
  // Respects the process's CPU affinity (taskset, cgroups' cpusets).
  const int n = omp_get_num_procs();
#else
  const int n = static_cast<int>(std::thread::hardware_concurrency());
#endif
  return n < 1 ? 1 : n;
}

}  // namespace

void InitThreads() {
  static std::once_flag once;
  std::call_once(once, [] {
    const int cores = AllCores();
    int n = cores;
    std::string note = "all " + std::to_string(cores) + " cores";
    if (const char* env = std::getenv("GRAFT_NUM_THREADS"); env != nullptr && *env != '\0') {
      char* end = nullptr;
      errno = 0;
      const long v = std::strtol(env, &end, 10);
      if (errno == 0 && end != env && *end == '\0' && v >= 1 && v <= 4096) {
        n = static_cast<int>(v);
        note = "GRAFT_NUM_THREADS=" + std::to_string(n);
      } else {
        note = std::string("GRAFT_NUM_THREADS='") + env +
               "' is not a positive integer, ignored: all " + std::to_string(cores) + " cores";
      }
    }
    g_threads.store(n);
    std::lock_guard<std::mutex> lock(g_note_mutex);
    g_note = note;
  });
  ApplyThreads();
}

void SetNumThreads(int n) {
  InitThreads();
  if (n < 1) n = 1;
  g_threads.store(n);
  {
    std::lock_guard<std::mutex> lock(g_note_mutex);
    g_note = "setNumThreads(" + std::to_string(n) + ")";
  }
  ApplyThreads();
}

int NumThreads() {
  const int n = g_threads.load(std::memory_order_relaxed);
  if (n > 0) return n;
  InitThreads();
  return g_threads.load();
}

std::string ThreadsNote() {
  InitThreads();
  std::lock_guard<std::mutex> lock(g_note_mutex);
  return g_note;
}

void ApplyThreads() {
#ifdef _OPENMP
  const int n = NumThreads();
  if (omp_get_max_threads() != n) omp_set_num_threads(n);
#endif
}

}  // namespace graft::cpu
