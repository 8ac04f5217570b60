// FusedBatchNorm and PadV2, the two kernels a ResNet spends most of its
// inference time on when they run as tfjs-cpu's JavaScript loops (a BatchNorm
// after every convolution, a zero padding before the stem and before each
// strided 3×3 of ResNetV2). Hand-written, no oneDNN: both are one pass over
// memory. The target is built with -ffp-contract=off, and BatchNorm does its
// arithmetic in double in tfjs's order, so both give tfjs-cpu's bits.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/args.h"
#include "cpu/kernels.h"
#include "cpu/threads.h"

namespace graft::cpu {

namespace {

double ArgDouble(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().DoubleValue();
}

// One per-channel parameter of BatchNorm, widened to double once: tfjs reads
// it at i % length, and TypeScript only sends lengths 1 and `inner`.
std::vector<double> Widen(const F32& p, int64_t inner, double fill) {
  std::vector<double> out(static_cast<size_t>(inner), fill);
  if (p.data == nullptr) return out;
  for (int64_t c = 0; c < inner; ++c) out[c] = p.data[p.size == 1 ? 0 : c];
  return out;
}

void CheckParam(const char* name, const F32& p, int64_t inner, bool optional) {
  if (p.data == nullptr && optional) return;
  if (p.size != 1 && p.size != inner) {
    throw Error(code::kInternal, std::string("batchNorm: ") + name + " has " +
                                     std::to_string(p.size) + " elements, expected 1 or " +
                                     std::to_string(inner));
  }
}

}  // namespace

// batchNorm(x, mean, variance, offset|null, scale|null, y, inner, epsilon):
// y[i] = offset[c] + (x[i] - mean[c]) * scale[c] / sqrt(variance[c] + epsilon)
// with c = i % inner, every step in double and in tfjs-cpu's order (its loop
// runs on JavaScript numbers), rounded to float once. epsilon stays a double,
// as tfjs adds the attribute's number, not a float32.
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  const F32 x = ArgF32(info, 0);
  const F32 mean = ArgF32(info, 1);
  const F32 variance = ArgF32(info, 2);
  const F32 offset = ArgF32OrNull(info, 3);
  const F32 scale = ArgF32OrNull(info, 4);
  const F32 y = ArgF32(info, 5);
  const int64_t inner = ArgInt(info, 6);
  const double epsilon = ArgDouble(info, 7);
  if (inner < 1 || x.size % inner != 0) {
    throw Error(code::kInternal, "batchNorm: x has " + std::to_string(x.size) +
                                     " elements, not a multiple of inner " + std::to_string(inner));
  }
  CheckSize("batchNorm", "y", y, x.size, "x has " + std::to_string(x.size) + " elements");
  CheckParam("mean", mean, inner, false);
  CheckParam("variance", variance, inner, false);
  CheckParam("offset", offset, inner, true);
  CheckParam("scale", scale, inner, true);
  const std::vector<double> m = Widen(mean, inner, 0.0);
  const std::vector<double> s = Widen(scale, inner, 1.0);
  const std::vector<double> o = Widen(offset, inner, 0.0);
  std::vector<double> sd(static_cast<size_t>(inner));
  const std::vector<double> v = Widen(variance, inner, 0.0);
  for (int64_t c = 0; c < inner; ++c) sd[c] = std::sqrt(v[c] + epsilon);
  ApplyThreads();
  ParallelFor(x.size, kGrain, [&](int64_t begin, int64_t end) {
    int64_t i = begin;
    while (i < end) {
      const int64_t c0 = i % inner;
      const int64_t len = std::min(inner - c0, end - i);
      const float* in = x.data + i;
      float* out = y.data + i;
      const double* pm = m.data() + c0;
      const double* ps = s.data() + c0;
      const double* po = o.data() + c0;
      const double* psd = sd.data() + c0;
      for (int64_t k = 0; k < len; ++k) {
        out[k] = static_cast<float>(po[k] + (static_cast<double>(in[k]) - pm[k]) * ps[k] / psd[k]);
      }
      i += len;
    }
  });
  return info.Env().Undefined();
}

// pad(x, y, p, constant): p = [rank, shape[0..rank), before[0..rank),
// after[0..rank)]; y is x placed at `before` inside a tensor filled with the
// constant (as float32, as tfjs's Float32Array.fill stores it). Rows of the
// last axis are copied whole.
Napi::Value Pad(const Napi::CallbackInfo& info) {
  const char* name = "pad";
  const F32 x = ArgF32(info, 0);
  const F32 y = ArgF32(info, 1);
  Napi::Int32Array pa = info[2].As<Napi::Int32Array>();
  CheckArrayType(pa, napi_int32_array, 2, "an Int32Array");
  const float constant = ArgFloat(info, 3);
  if (pa.ElementLength() < 1) throw Error(code::kInternal, "pad: empty parameters");
  const int32_t* p = pa.Data();
  const int rank = p[0];
  if (rank < 1 || static_cast<size_t>(1 + 3 * rank) != pa.ElementLength()) {
    throw Error(code::kInternal, "pad: parameters do not match rank " + std::to_string(rank));
  }
  std::vector<int64_t> in_shape(rank), before(rank), out_shape(rank);
  std::string shapes = "x [";
  for (int d = 0; d < rank; ++d) {
    in_shape[d] = p[1 + d];
    before[d] = p[1 + rank + d];
    const int64_t after = p[1 + 2 * rank + d];
    if (in_shape[d] < 0 || before[d] < 0 || after < 0) {
      throw Error(code::kInternal, "pad: negative size or padding");
    }
    out_shape[d] = before[d] + in_shape[d] + after;
    shapes += (d ? "," : "") + std::to_string(in_shape[d]);
  }
  shapes += "]";
  int64_t in_size = 1, out_size = 1;
  for (int d = 0; d < rank; ++d) {
    in_size *= in_shape[d];
    out_size *= out_shape[d];
  }
  CheckSize(name, "x", x, in_size, shapes);
  CheckSize(name, "y", y, out_size, shapes);
  // Output strides, and the offset of x's first element inside y.
  std::vector<int64_t> out_stride(rank, 1);
  for (int d = rank - 2; d >= 0; --d) out_stride[d] = out_stride[d + 1] * out_shape[d + 1];
  int64_t base = 0;
  for (int d = 0; d < rank; ++d) base += before[d] * out_stride[d];
  const int64_t row = in_shape[rank - 1];
  const int64_t rows = row == 0 ? 0 : in_size / row;
  ApplyThreads();
  ParallelFor(out_size, kGrain, [&](int64_t begin, int64_t end) {
    std::fill(y.data + begin, y.data + end, constant);
  });
  if (rows == 0) return info.Env().Undefined();
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(row, 1));
  ParallelFor(rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      // r's coordinates over x's leading axes, from the last one up.
      int64_t rest = r, offset = base;
      for (int d = rank - 2; d >= 0; --d) {
        offset += (rest % in_shape[d]) * out_stride[d];
        rest /= in_shape[d];
      }
      std::memcpy(y.data + offset, x.data + r * row, static_cast<size_t>(row) * sizeof(float));
    }
  });
  return info.Env().Undefined();
}

}  // namespace graft::cpu
