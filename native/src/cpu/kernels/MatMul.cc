// Batched matmul (BatchMatMul, _FusedMatMul) on oneDNN's matmul primitive.
// Transposes are strides over the user's buffers, a batch of 1 broadcasts, and
// the bias and activation are fused (bias, then post-op), so nothing is copied.
//
// bf16 mode (math_mode.h): a is converted to bf16 with its strides kept, b to
// bf16 in the layout oneDNN prefers (cached per `weightsKey` from its second
// use, as conv2d's filters are); y and the bias stay f32, summed in f32.
#include <algorithm>
#include <cstdint>
#include <string>

#include "cpu/args.h"
#include "cpu/context.h"
#include "cpu/kernels.h"
#include "cpu/math_mode.h"

namespace graft::cpu {

namespace {

using dnnl::memory;
using dt = memory::data_type;
constexpr auto f32 = dt::f32;

// Temporary buffers (Context::Temp): b in the matmul's layout, a in bf16.
constexpr int kTempB = 0;
constexpr int kTempA = 2;

// p: boundary.h's MatMulParam layout.
constexpr size_t kMatMulParams = kMatMulParamCount;

struct MatMulShape {
  int64_t batch_a, batch_b, m, k, n;
  bool transpose_a, transpose_b;

  explicit MatMulShape(const int32_t* p)
      : batch_a(p[kMatMulBatchA]), batch_b(p[kMatMulBatchB]), m(p[kMatMulM]), k(p[kMatMulK]),
        n(p[kMatMulN]), transpose_a(p[kMatMulTransposeA] != 0),
        transpose_b(p[kMatMulTransposeB] != 0) {}

  int64_t Batch() const { return std::max(batch_a, batch_b); }
  int64_t ASize() const { return batch_a * m * k; }
  int64_t BSize() const { return batch_b * k * n; }
  int64_t YSize() const { return Batch() * m * n; }

  std::string Describe() const {
    return std::string("a ") + (transpose_a ? Dims({batch_a, k, m}) + " transposed"
                                            : Dims({batch_a, m, k})) +
           ", b " + (transpose_b ? Dims({batch_b, n, k}) + " transposed" : Dims({batch_b, k, n})) +
           ", y " + Dims({Batch(), m, n});
  }

  // a is [batchA, M, K] row-major, or [batchA, K, M] when transposed.
  memory::desc ADesc(dt t = f32) const {
    return memory::desc({batch_a, m, k}, t,
                        transpose_a ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
  }
  // b is [batchB, K, N], or [batchB, N, K] when transposed.
  memory::desc BDesc() const {
    return memory::desc({batch_b, k, n}, f32,
                        transpose_b ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
  }
  memory::desc BAny(dt t) const { return memory::desc({batch_b, k, n}, t, memory::format_tag::any); }
  memory::desc YDesc() const {
    return memory::desc({Batch(), m, n}, f32, memory::format_tag::abc);
  }
  memory::desc BiasDesc() const { return memory::desc({1, 1, n}, f32, memory::format_tag::abc); }
};

struct MatMulPlan : Plan {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul matmul;
  bool bf16 = false;
  Convert a;
  memory::desc b, y, bias;
  bool reorder_b = false;
  Reorder b_to_matmul;
};

std::unique_ptr<MatMulPlan> MakeMatMul(const Context& ctx, const MatMulShape& s, bool has_bias,
                                       int activation, float alpha, bool want_bf16) {
  auto plan = std::make_unique<MatMulPlan>();
  plan->b = s.BDesc();
  plan->y = s.YDesc();
  plan->bias = s.BiasDesc();
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::post_ops ops;
  if (AppendActivation(ops, activation, alpha)) attr.set_post_ops(ops);
  auto make = [&](bool bf16) {
    const memory::desc a = bf16 ? s.ADesc(dt::bf16) : s.ADesc();
    const memory::desc b = bf16 ? s.BAny(dt::bf16) : plan->b;
    auto desc = has_bias ? dnnl::matmul::desc(a, b, plan->bias, plan->y)
                         : dnnl::matmul::desc(a, b, plan->y);
    return dnnl::matmul::primitive_desc(desc, attr, ctx.engine());
  };
  if (want_bf16) {
    // In fp32 instead where oneDNN has only its reference bf16 matmul.
    try {
      plan->pd = make(true);
      plan->bf16 = !IsReferenceImpl(plan->pd);
    } catch (const dnnl::error& e) {
      if (e.status != dnnl_unimplemented) throw;
    }
  }
  if (!plan->bf16) plan->pd = make(false);
  plan->matmul = dnnl::matmul(plan->pd);
  plan->a = Convert(ctx.engine(), s.ADesc(), plan->pd.src_desc());
  plan->reorder_b = plan->pd.weights_desc() != plan->b;
  if (plan->reorder_b) {
    plan->b_to_matmul = MakeReorder(ctx.engine(), plan->b, plan->pd.weights_desc());
  }
  return plan;
}

}  // namespace

// matmul(a, b, bias | null, y, p, activation, alpha, weightsKey?)
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  const char* op = "matmul";
  const F32 a = ArgF32(info, 0);
  const F32 b = ArgF32(info, 1);
  const F32 bias = ArgF32OrNull(info, 2);
  const F32 y = ArgF32(info, 3);
  const MatMulShape s(ArgParams(info, 4, kMatMulParams, op));
  CheckParams(op, {s.batch_a, s.batch_b, s.m, s.k, s.n}, {}, s.Describe());
  const int activation = ArgInt(info, 5);
  const float alpha = ArgFloat(info, 6);
  // weightsKey names b's values, as conv2d's names its filter (+ 1: 0 is "none").
  const double key_arg =
      info.Length() > 7 && info[7].IsNumber() ? info[7].As<Napi::Number>().DoubleValue() : -1;
  const uint64_t weights_key = key_arg >= 0 ? static_cast<uint64_t>(key_arg) + 1 : 0;
  CheckSize(op, "a", a, s.ASize(), s.Describe());
  CheckSize(op, "b", b, s.BSize(), s.Describe());
  CheckSize(op, "y", y, s.YSize(), s.Describe());
  if (bias.data != nullptr) CheckSize(op, "bias", bias, s.n, s.Describe());
  if (s.YSize() == 0) return info.Env().Undefined();
  if (s.k == 0) {  // an empty sum: y = act(bias)
    for (int64_t i = 0; i < s.YSize(); ++i) {
      y.data[i] = ApplyActivation(bias.data ? bias.data[i % s.n] : 0.0f, activation, alpha);
    }
    return info.Env().Undefined();
  }
  const MathMode math = CurrentMathMode();
  ApplyThreads();
  Context& ctx = Context::Get();
  auto lock = ctx.Lock();
  try {
    PlanKey key = MakePlanKey(PlanOp::kMatMul);
    key.math = static_cast<int32_t>(math);
    const int64_t v[] = {s.batch_a, s.batch_b, s.m, s.k, s.n, s.transpose_a, s.transpose_b,
                         activation, activation == kActLeakyRelu ? FloatBits(alpha) : 0, bias.data != nullptr};
    for (size_t i = 0; i < std::size(v); ++i) key.ints[i] = static_cast<int32_t>(v[i]);
    auto& plan = ctx.GetPlan<MatMulPlan>(key, [&] {
      return MakeMatMul(ctx, s, bias.data != nullptr, activation, alpha, math == MathMode::kBf16);
    });
    if (math == MathMode::kBf16) CountMathRun(plan.bf16);
    const dnnl::engine& engine = ctx.engine();
    memory b_user = Mem(plan.b, engine, b.data);
    memory b_matmul = b_user;
    if (plan.reorder_b) {
      const memory::desc& md = plan.pd.weights_desc();
      const size_t b_bytes = static_cast<size_t>(b.size) * sizeof(float);
      void* cached = weights_key != 0 ? ctx.FindWeights(weights_key, b.data, b_bytes, md) : nullptr;
      if (cached != nullptr) {
        b_matmul = Mem(md, engine, cached);
      } else {
        void* target =
            weights_key != 0 ? ctx.StoreWeights(weights_key, b.data, b_bytes, md) : nullptr;
        if (target == nullptr) target = ctx.Temp(kTempB, md.get_size());
        b_matmul = Mem(md, engine, target);
        RunReorder(ctx, plan.b_to_matmul, b_user, b_matmul);
      }
    }
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, plan.a.Run(ctx, a.data, kTempA)},
        {DNNL_ARG_WEIGHTS, b_matmul},
        {DNNL_ARG_DST, Mem(plan.y, engine, y.data)},
        {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(plan.pd.scratchpad_desc())},
    };
    if (bias.data != nullptr) args.emplace(DNNL_ARG_BIAS, Mem(plan.bias, engine, bias.data));
    plan.matmul.execute(ctx.stream(), args);
    ctx.stream().wait();
  } catch (const dnnl::error& e) {
    ThrowOneDnn(op, s.Describe(), e);
  }
  return info.Env().Undefined();
}

}  // namespace graft::cpu
