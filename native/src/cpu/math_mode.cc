#include "cpu/math_mode.h"

#include <atomic>

#include "common.h"
#include "cpu/onednn.h"

namespace graft::cpu {

namespace {

std::atomic<int32_t> g_mode{static_cast<int32_t>(MathMode::kF32)};
std::atomic<int64_t> g_bf16_runs{0};
std::atomic<int64_t> g_fallback_runs{0};
std::atomic<int32_t> g_conv_algo{static_cast<int32_t>(ConvAlgo::kAuto)};
std::atomic<int64_t> g_winograd_runs{0};

std::string FindBf16Reason() {
  const OneDnnInfo info = QueryOneDnn();
  if (!info.available) return "graft.node is built without oneDNN (" + info.reason + ")";
  if (info.bf16) return "";
  return "oneDNN dispatches to " + info.isa +
         " on this CPU, which has no bf16 arithmetic (that needs avx512_core_bf16 or "
         "avx512_core_amx): bf16 would be emulated, more slowly than fp32";
}

}  // namespace

MathMode CurrentMathMode() { return static_cast<MathMode>(g_mode.load(std::memory_order_relaxed)); }

const char* MathModeName(MathMode mode) { return mode == MathMode::kBf16 ? "bf16" : "fp32"; }

const std::string& Bf16UnavailableReason() {
  // The effective ISA is fixed for the process (oneDNN reads ONEDNN_MAX_CPU_ISA once).
  static const std::string reason = FindBf16Reason();
  return reason;
}

bool Bf16OnAmx() {
  static const bool amx = QueryOneDnn().amx;
  return amx;
}

void SetMathMode(MathMode mode) {
  if (mode == MathMode::kBf16 && !Bf16UnavailableReason().empty()) {
    throw Error(code::kUnavailable, "bf16 math is unavailable: " + Bf16UnavailableReason());
  }
  g_mode.store(static_cast<int32_t>(mode));
}

void CountMathRun(bool ran_bf16) {
  (ran_bf16 ? g_bf16_runs : g_fallback_runs).fetch_add(1, std::memory_order_relaxed);
}

int64_t Bf16Runs() { return g_bf16_runs.load(); }
int64_t Bf16FallbackRuns() { return g_fallback_runs.load(); }

ConvAlgo CurrentConvAlgo() {
  return static_cast<ConvAlgo>(g_conv_algo.load(std::memory_order_relaxed));
}

const char* ConvAlgoName(ConvAlgo algo) {
  switch (algo) {
    case ConvAlgo::kDirect:
      return "direct";
    case ConvAlgo::kWinograd:
      return "winograd";
    default:
      return "auto";
  }
}

void SetConvAlgo(ConvAlgo algo) { g_conv_algo.store(static_cast<int32_t>(algo)); }

void CountWinogradRun() { g_winograd_runs.fetch_add(1, std::memory_order_relaxed); }
int64_t WinogradRuns() { return g_winograd_runs.load(); }

}  // namespace graft::cpu
