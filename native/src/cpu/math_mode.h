// The arithmetic of graft's oneDNN kernels (conv2d*, matmul): fp32, the default,
// or bf16, where inputs are rounded to bfloat16 inside the kernel and products
// are summed and returned in fp32 (`GRAFT_CPU_MATH=bf16`, `setCpuMath("bf16")`).
// One setting per process, like the thread count. Built with or without oneDNN.
#pragma once

#include <cstdint>
#include <string>

namespace graft::cpu {

enum class MathMode : int32_t { kF32 = 0, kBf16 = 1 };

MathMode CurrentMathMode();
const char* MathModeName(MathMode mode);

// Why bf16 cannot run natively here ("" when it can): no oneDNN, or an ISA
// without bf16 arithmetic, where oneDNN would emulate it more slowly than fp32.
const std::string& Bf16UnavailableReason();
// Whether oneDNN's bf16 kernels run on AMX tiles here.
bool Bf16OnAmx();

// Throws ERR_GRAFT_UNAVAILABLE, naming the reason, when bf16 is asked for where
// Bf16UnavailableReason() is not empty; the mode then stays what it was.
void SetMathMode(MathMode mode);

// Kernel calls made in bf16 mode: those that ran in bf16, and those that ran in
// fp32 because oneDNN had no native bf16 implementation for their shape.
void CountMathRun(bool ran_bf16);
int64_t Bf16Runs();
int64_t Bf16FallbackRuns();

}  // namespace graft::cpu
