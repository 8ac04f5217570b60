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

// How conv2d, conv2dBackpropInput and conv2dBackpropFilter pick oneDNN's algorithm
// (`GRAFT_CPU_CONV`, `setConvAlgorithm`), one setting per process:
// - kAuto (the default): Winograd F(4x4, 3x3) for fp32 3x3 stride-1 undilated
//   convolutions whose input and output channels are both multiples of 16 and at
//   least kWinogradMinChannels, over at least kWinogradMinPixels output pixels
//   (N x OH x OW), direct for the rest;
// - kDirect: always direct (the arithmetic of tfjs-cpu and Keras, summation order aside);
// - kWinograd: Winograd wherever oneDNN has it, whatever the channel counts.
// Winograd needs blocked activations, so x/dy are reordered in and y/dx out; below
// ~64 channels those reorders cost what Winograd saves, and over fewer than ~500
// pixels (a 14x14 layer at batch 1) its 4x4 tiles lose to direct (native/README.md).
enum class ConvAlgo : int32_t { kAuto = 0, kDirect = 1, kWinograd = 2 };
constexpr int64_t kWinogradMinChannels = 64;
constexpr int64_t kWinogradMinPixels = 512;

ConvAlgo CurrentConvAlgo();
const char* ConvAlgoName(ConvAlgo algo);
void SetConvAlgo(ConvAlgo algo);
// Convolution calls that ran on a Winograd primitive.
void CountWinogradRun();
int64_t WinogradRuns();

}  // namespace graft::cpu
