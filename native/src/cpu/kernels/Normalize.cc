// FusedBatchNorm, PadV2, Slice and Tile: what a ResNet spends most of its time
// on when they run as tfjs-cpu's JavaScript loops (a BatchNorm after every
// convolution, a zero padding before the stem and before each strided 3×3 of
// ResNetV2 — whose gradient is a Slice — and the tiles of BatchNorm's gradient). Hand-written,
// no oneDNN: each is one pass over memory. The target is built with -ffp-contract=off, and BatchNorm does its
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

// slice(x, y, p): p = [rank, shape[0..rank), begin[0..rank), size[0..rank)];
// y is the box of x starting at `begin`, `size` long on each axis (tfjs Slice).
// Each row of y's last axis is one contiguous run of x.
Napi::Value Slice(const Napi::CallbackInfo& info) {
  const char* name = "slice";
  const F32 x = ArgF32(info, 0);
  const F32 y = ArgF32(info, 1);
  Napi::Int32Array pa = info[2].As<Napi::Int32Array>();
  CheckArrayType(pa, napi_int32_array, 2, "an Int32Array");
  if (pa.ElementLength() < 1) throw Error(code::kInternal, "slice: empty parameters");
  const int32_t* p = pa.Data();
  const int rank = p[0];
  if (rank < 1 || static_cast<size_t>(1 + 3 * rank) != pa.ElementLength()) {
    throw Error(code::kInternal, "slice: parameters do not match rank " + std::to_string(rank));
  }
  std::vector<int64_t> in_shape(rank), begin(rank), size(rank);
  int64_t in_size = 1, out_size = 1;
  for (int d = 0; d < rank; ++d) {
    in_shape[d] = p[1 + d];
    begin[d] = p[1 + rank + d];
    size[d] = p[1 + 2 * rank + d];
    if (in_shape[d] < 0 || begin[d] < 0 || size[d] < 0 || begin[d] + size[d] > in_shape[d]) {
      throw Error(code::kInternal, "slice: the box leaves x on axis " + std::to_string(d));
    }
    in_size *= in_shape[d];
    out_size *= size[d];
  }
  const std::string shapes = "x " + std::to_string(in_size) + " elements, y " + std::to_string(out_size);
  CheckSize(name, "x", x, in_size, shapes);
  CheckSize(name, "y", y, out_size, shapes);
  if (out_size == 0) return info.Env().Undefined();
  std::vector<int64_t> in_stride(rank, 1);
  for (int d = rank - 2; d >= 0; --d) in_stride[d] = in_stride[d + 1] * in_shape[d + 1];
  int64_t base = 0;
  for (int d = 0; d < rank; ++d) base += begin[d] * in_stride[d];
  const int64_t row = size[rank - 1];
  const int64_t rows = out_size / row;
  const int64_t grain = std::max<int64_t>(1, kGrain / row);
  ApplyThreads();
  ParallelFor(rows, grain, [&](int64_t first, int64_t last) {
    for (int64_t r = first; r < last; ++r) {
      int64_t rest = r, offset = base;
      for (int d = rank - 2; d >= 0; --d) {
        offset += (rest % size[d]) * in_stride[d];
        rest /= size[d];
      }
      std::memcpy(y.data + r * row, x.data + offset, static_cast<size_t>(row) * sizeof(float));
    }
  });
  return info.Env().Undefined();
}

// tile(x, y, p): p = [rank, shape[0..rank), reps[0..rank)]; y[i] = x[j] with
// j's coordinates those of i modulo x's shape, as tfjs's tile. Each output row
// of the last axis is copied from its source row, whole when the last axis is
// not repeated.
Napi::Value Tile(const Napi::CallbackInfo& info) {
  const char* name = "tile";
  const F32 x = ArgF32(info, 0);
  const F32 y = ArgF32(info, 1);
  Napi::Int32Array pa = info[2].As<Napi::Int32Array>();
  CheckArrayType(pa, napi_int32_array, 2, "an Int32Array");
  if (pa.ElementLength() < 1) throw Error(code::kInternal, "tile: empty parameters");
  const int32_t* p = pa.Data();
  const int rank = p[0];
  if (rank < 1 || static_cast<size_t>(1 + 2 * rank) != pa.ElementLength()) {
    throw Error(code::kInternal, "tile: parameters do not match rank " + std::to_string(rank));
  }
  std::vector<int64_t> in_shape(rank), out_shape(rank);
  int64_t in_size = 1, out_size = 1;
  for (int d = 0; d < rank; ++d) {
    in_shape[d] = p[1 + d];
    const int64_t reps = p[1 + rank + d];
    if (in_shape[d] < 0 || reps < 0) throw Error(code::kInternal, "tile: negative size or reps");
    out_shape[d] = in_shape[d] * reps;
    in_size *= in_shape[d];
    out_size *= out_shape[d];
  }
  const std::string shapes = "x " + std::to_string(in_size) + " elements, y " + std::to_string(out_size);
  CheckSize(name, "x", x, in_size, shapes);
  CheckSize(name, "y", y, out_size, shapes);
  if (out_size == 0) return info.Env().Undefined();
  std::vector<int64_t> in_stride(rank, 1);
  for (int d = rank - 2; d >= 0; --d) in_stride[d] = in_stride[d + 1] * in_shape[d + 1];
  const int64_t out_row = out_shape[rank - 1];
  const int64_t in_row = in_shape[rank - 1];
  const int64_t rows = out_size / out_row;
  const int64_t grain = std::max<int64_t>(1, kGrain / out_row);
  ApplyThreads();
  ParallelFor(rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t rest = r, src = 0;
      for (int d = rank - 2; d >= 0; --d) {
        src += ((rest % out_shape[d]) % in_shape[d]) * in_stride[d];
        rest /= out_shape[d];
      }
      const float* from = x.data + src;
      float* to = y.data + r * out_row;
      for (int64_t k = 0; k < out_row; k += in_row) {
        std::memcpy(to + k, from, static_cast<size_t>(in_row) * sizeof(float));
      }
    }
  });
  return info.Env().Undefined();
}

}  // namespace graft::cpu
