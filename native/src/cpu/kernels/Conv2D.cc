// Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter on oneDNN (NHWC, HWIO).
//
// Layout (measured: native/bench/kernels.bench.ts, README "graft-cpu kernels"):
// activations stay NHWC, the JS tensors' own buffers, with no reorder; weights
// are `any`, so oneDNN picks its blocked layout and the HWIO filter is reordered
// into it (forward and backward data), or the blocked gradient is reordered back
// to HWIO (backward filter). Forward weights can be cached per `weightsKey`.
#include <algorithm>
#include <cstdint>
#include <string>

#include "cpu/args.h"
#include "cpu/context.h"
#include "cpu/kernels.h"

namespace graft::cpu {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

// p = [N, H, W, C, KH, KW, OC, OH, OW, strideH, strideW, dilationH, dilationW,
//      padTop, padLeft, padBottom, padRight]; dilation 1 means none, as in tfjs.
constexpr size_t kConvParams = 17;

struct ConvShape {
  int64_t n, h, w, c, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr;

  explicit ConvShape(const int32_t* p)
      : n(p[0]), h(p[1]), w(p[2]), c(p[3]), kh(p[4]), kw(p[5]), oc(p[6]), oh(p[7]), ow(p[8]),
        sh(p[9]), sw(p[10]), dh(p[11]), dw(p[12]), pt(p[13]), pl(p[14]), pb(p[15]), pr(p[16]) {}

  int64_t XSize() const { return n * h * w * c; }
  int64_t WSize() const { return kh * kw * c * oc; }
  int64_t YSize() const { return n * oh * ow * oc; }

  void Check(const char* op) const {
    CheckParams(op, {n, h, w, c, kh, kw, oc, oh, ow, pt, pl, pb, pr}, {sh, sw, dh, dw}, Describe());
  }

  std::string Describe() const {
    return "x " + Dims({n, h, w, c}) + ", filter " + Dims({kh, kw, c, oc}) + ", y " +
           Dims({n, oh, ow, oc}) + ", strides " + Dims({sh, sw}) + ", dilations " +
           Dims({dh, dw}) + ", pads [t,l,b,r] " + Dims({pt, pl, pb, pr});
  }

  memory::desc XDesc() const { return memory::desc({n, c, h, w}, f32, tag::nhwc); }
  memory::desc YDesc() const { return memory::desc({n, oc, oh, ow}, f32, tag::nhwc); }
  memory::desc WDesc() const { return memory::desc({oc, c, kh, kw}, f32, tag::hwio); }
  memory::desc WAny() const { return memory::desc({oc, c, kh, kw}, f32, tag::any); }
  memory::dims Strides() const { return {sh, sw}; }
  memory::dims Dilates() const { return {dh - 1, dw - 1}; }
  memory::dims PadL() const { return {pt, pl}; }
  // oneDNN wants out = (in - extent + padL + padR) / stride + 1 exactly (integer
  // division). tfjs's 'same' and 'valid' pads satisfy it; for anything else the
  // bottom/right pad is set to the value that gives tfjs's output size.
  memory::dims PadR() const {
    return {FitPad(h, kh, dh, sh, pt, pb, oh), FitPad(w, kw, dw, sw, pl, pr, ow)};
  }

  void Key(PlanKey& key) const {
    const int64_t v[kConvParams] = {n, h, w, c, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr};
    for (size_t i = 0; i < kConvParams; ++i) key.ints[i] = static_cast<int32_t>(v[i]);
  }

 private:
  static int64_t FitPad(int64_t in, int64_t k, int64_t d, int64_t s, int64_t lo, int64_t hi,
                        int64_t out) {
    const int64_t extent = (k - 1) * d + 1;
    if ((in - extent + lo + hi) / s + 1 == out && in - extent + lo + hi >= 0) return hi;
    return (out - 1) * s + extent - in - lo;
  }
};

dnnl::primitive_attr UserScratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

struct Reorder {
  dnnl::reorder primitive;
  memory::desc scratchpad;
};

Reorder MakeReorder(const dnnl::engine& engine, const memory::desc& from, const memory::desc& to) {
  dnnl::reorder::primitive_desc pd(engine, from, engine, to, UserScratchpad());
  return {dnnl::reorder(pd), pd.scratchpad_desc()};
}

void RunReorder(Context& ctx, const Reorder& r, const memory& from, const memory& to) {
  r.primitive.execute(ctx.stream(), {{DNNL_ARG_FROM, from},
                                     {DNNL_ARG_TO, to},
                                     {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(r.scratchpad)}});
}

// --- forward ---

struct ConvForwardPlan : Plan {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward conv;
  memory::desc x, w, y, bias;
  bool reorder_w = false;
  Reorder w_to_conv;
};

std::unique_ptr<ConvForwardPlan> MakeConvForward(const Context& ctx, const ConvShape& s,
                                                 bool has_bias, int activation, float alpha) {
  auto plan = std::make_unique<ConvForwardPlan>();
  plan->x = s.XDesc();
  plan->w = s.WDesc();
  plan->y = s.YDesc();
  plan->bias = memory::desc({s.oc}, f32, tag::x);
  const auto kind = dnnl::prop_kind::forward_inference;
  const auto alg = dnnl::algorithm::convolution_direct;
  auto desc = has_bias ? dnnl::convolution_forward::desc(kind, alg, plan->x, s.WAny(), plan->bias,
                                                         plan->y, s.Strides(), s.Dilates(),
                                                         s.PadL(), s.PadR())
                       : dnnl::convolution_forward::desc(kind, alg, plan->x, s.WAny(), plan->y,
                                                         s.Strides(), s.Dilates(), s.PadL(),
                                                         s.PadR());
  dnnl::primitive_attr attr = UserScratchpad();
  dnnl::post_ops ops;
  if (AppendActivation(ops, activation, alpha)) attr.set_post_ops(ops);
  plan->pd = dnnl::convolution_forward::primitive_desc(desc, attr, ctx.engine());
  plan->conv = dnnl::convolution_forward(plan->pd);
  plan->reorder_w = plan->pd.weights_desc() != plan->w;
  if (plan->reorder_w) plan->w_to_conv = MakeReorder(ctx.engine(), plan->w, plan->pd.weights_desc());
  return plan;
}

// Forward pass: the plan's conv on the user's NHWC buffers, with the filter in
// the conv's layout (reordered now, or taken from the weights cache).
void ConvForward(Context& ctx, const ConvForwardPlan& plan, const F32& x, const F32& w,
                 const F32& bias, const F32& y, uint64_t weights_key) {
  const dnnl::engine& engine = ctx.engine();
  memory w_user = Mem(plan.w, engine, w.data);
  memory w_conv = w_user;
  if (plan.reorder_w) {
    const memory::desc& md = plan.pd.weights_desc();
    const size_t w_bytes = static_cast<size_t>(w.size) * sizeof(float);
    void* cached = weights_key != 0 ? ctx.FindWeights(weights_key, w.data, w_bytes, md) : nullptr;
    if (cached != nullptr) {
      w_conv = Mem(md, engine, cached);
    } else {
      void* target = weights_key != 0 ? ctx.StoreWeights(weights_key, w.data, w_bytes, md) : nullptr;
      if (target == nullptr) target = ctx.Temp(0, md.get_size());
      w_conv = Mem(md, engine, target);
      RunReorder(ctx, plan.w_to_conv, w_user, w_conv);
    }
  }
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, Mem(plan.x, engine, x.data)},
      {DNNL_ARG_WEIGHTS, w_conv},
      {DNNL_ARG_DST, Mem(plan.y, engine, y.data)},
      {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(plan.pd.scratchpad_desc())},
  };
  if (bias.data != nullptr) args.emplace(DNNL_ARG_BIAS, Mem(plan.bias, engine, bias.data));
  plan.conv.execute(ctx.stream(), args);
  ctx.stream().wait();
}

// --- backward ---

dnnl::convolution_forward::primitive_desc ForwardHint(const Context& ctx, const ConvShape& s) {
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_training,
                                       dnnl::algorithm::convolution_direct, s.XDesc(), s.WAny(),
                                       s.YDesc(), s.Strides(), s.Dilates(), s.PadL(), s.PadR());
  return dnnl::convolution_forward::primitive_desc(desc, ctx.engine());
}

struct ConvBackwardDataPlan : Plan {
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data conv;
  memory::desc dx, w, dy;
  bool reorder_w = false;
  Reorder w_to_conv;
};

std::unique_ptr<ConvBackwardDataPlan> MakeConvBackwardData(const Context& ctx, const ConvShape& s) {
  auto plan = std::make_unique<ConvBackwardDataPlan>();
  plan->dx = s.XDesc();
  plan->w = s.WDesc();
  plan->dy = s.YDesc();
  dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, plan->dx,
                                             s.WAny(), plan->dy, s.Strides(), s.Dilates(),
                                             s.PadL(), s.PadR());
  plan->pd = dnnl::convolution_backward_data::primitive_desc(desc, UserScratchpad(), ctx.engine(),
                                                             ForwardHint(ctx, s));
  plan->conv = dnnl::convolution_backward_data(plan->pd);
  plan->reorder_w = plan->pd.weights_desc() != plan->w;
  if (plan->reorder_w) plan->w_to_conv = MakeReorder(ctx.engine(), plan->w, plan->pd.weights_desc());
  return plan;
}

struct ConvBackwardWeightsPlan : Plan {
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights conv;
  memory::desc x, dw, dy;
  bool reorder_dw = false;
  Reorder dw_from_conv;
};

std::unique_ptr<ConvBackwardWeightsPlan> MakeConvBackwardWeights(const Context& ctx,
                                                                 const ConvShape& s) {
  auto plan = std::make_unique<ConvBackwardWeightsPlan>();
  plan->x = s.XDesc();
  plan->dw = s.WDesc();
  plan->dy = s.YDesc();
  dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, plan->x,
                                                s.WAny(), plan->dy, s.Strides(), s.Dilates(),
                                                s.PadL(), s.PadR());
  plan->pd = dnnl::convolution_backward_weights::primitive_desc(desc, UserScratchpad(),
                                                                ctx.engine(), ForwardHint(ctx, s));
  plan->conv = dnnl::convolution_backward_weights(plan->pd);
  plan->reorder_dw = plan->pd.diff_weights_desc() != plan->dw;
  if (plan->reorder_dw) {
    plan->dw_from_conv = MakeReorder(ctx.engine(), plan->pd.diff_weights_desc(), plan->dw);
  }
  return plan;
}

void Fill(const F32& a, float v) { std::fill(a.data, a.data + a.size, v); }

}  // namespace

// conv2d(x, w, bias | null, y, p, activation, alpha, weightsKey?)
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  const char* op = "conv2d";
  const F32 x = ArgF32(info, 0);
  const F32 w = ArgF32(info, 1);
  const F32 bias = ArgF32OrNull(info, 2);
  const F32 y = ArgF32(info, 3);
  const ConvShape s(ArgParams(info, 4, kConvParams, op));
  s.Check(op);
  const int activation = ArgInt(info, 5);
  const float alpha = ArgFloat(info, 6);
  // weightsKey: an integer >= 0 names the filter values (e.g. a tfjs dataId's id);
  // 0 inside C++ means "do not cache", hence the + 1.
  const double key_arg = info.Length() > 7 && info[7].IsNumber() ? info[7].As<Napi::Number>().DoubleValue() : -1;
  const uint64_t weights_key = key_arg >= 0 ? static_cast<uint64_t>(key_arg) + 1 : 0;
  CheckSize(op, "x", x, s.XSize(), s.Describe());
  CheckSize(op, "filter", w, s.WSize(), s.Describe());
  CheckSize(op, "y", y, s.YSize(), s.Describe());
  if (bias.data != nullptr) CheckSize(op, "bias", bias, s.oc, s.Describe());
  if (s.YSize() == 0) return info.Env().Undefined();
  if (s.XSize() == 0 || s.WSize() == 0) {  // nothing to sum: y = act(bias)
    for (int64_t i = 0; i < s.YSize(); ++i) {
      y.data[i] = ApplyActivation(bias.data ? bias.data[i % s.oc] : 0.0f, activation, alpha);
    }
    return info.Env().Undefined();
  }
  ApplyThreads();
  Context& ctx = Context::Get();
  auto lock = ctx.Lock();
  try {
    PlanKey key = MakePlanKey(PlanOp::kConvForward);
    s.Key(key);
    key.ints[kConvParams] = activation;
    key.ints[kConvParams + 1] = activation == 5 ? FloatBits(alpha) : 0;
    key.ints[kConvParams + 2] = bias.data != nullptr;
    auto& plan = ctx.GetPlan<ConvForwardPlan>(
        key, [&] { return MakeConvForward(ctx, s, bias.data != nullptr, activation, alpha); });
    ConvForward(ctx, plan, x, w, bias, y, weights_key);
  } catch (const dnnl::error& e) {
    ThrowOneDnn(op, s.Describe(), e);
  }
  return info.Env().Undefined();
}

// conv2dBackpropInput(dy, w, dx, p)
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackpropInput";
  const F32 dy = ArgF32(info, 0);
  const F32 w = ArgF32(info, 1);
  const F32 dx = ArgF32(info, 2);
  const ConvShape s(ArgParams(info, 3, kConvParams, op));
  s.Check(op);
  CheckSize(op, "dy", dy, s.YSize(), s.Describe());
  CheckSize(op, "filter", w, s.WSize(), s.Describe());
  CheckSize(op, "dx", dx, s.XSize(), s.Describe());
  if (s.XSize() == 0) return info.Env().Undefined();
  if (s.YSize() == 0 || s.WSize() == 0) {
    Fill(dx, 0.0f);
    return info.Env().Undefined();
  }
  ApplyThreads();
  Context& ctx = Context::Get();
  auto lock = ctx.Lock();
  try {
    PlanKey key = MakePlanKey(PlanOp::kConvBackwardData);
    s.Key(key);
    auto& plan = ctx.GetPlan<ConvBackwardDataPlan>(key, [&] { return MakeConvBackwardData(ctx, s); });
    const dnnl::engine& engine = ctx.engine();
    memory w_conv = Mem(plan.w, engine, w.data);
    if (plan.reorder_w) {
      const memory::desc& md = plan.pd.weights_desc();
      memory target = Mem(md, engine, ctx.Temp(0, md.get_size()));
      RunReorder(ctx, plan.w_to_conv, w_conv, target);
      w_conv = target;
    }
    plan.conv.execute(ctx.stream(), {{DNNL_ARG_DIFF_DST, Mem(plan.dy, engine, dy.data)},
                                     {DNNL_ARG_WEIGHTS, w_conv},
                                     {DNNL_ARG_DIFF_SRC, Mem(plan.dx, engine, dx.data)},
                                     {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(plan.pd.scratchpad_desc())}});
    ctx.stream().wait();
  } catch (const dnnl::error& e) {
    ThrowOneDnn(op, s.Describe(), e);
  }
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, dw, p)
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackpropFilter";
  const F32 x = ArgF32(info, 0);
  const F32 dy = ArgF32(info, 1);
  const F32 dw = ArgF32(info, 2);
  const ConvShape s(ArgParams(info, 3, kConvParams, op));
  s.Check(op);
  CheckSize(op, "x", x, s.XSize(), s.Describe());
  CheckSize(op, "dy", dy, s.YSize(), s.Describe());
  CheckSize(op, "dw", dw, s.WSize(), s.Describe());
  if (s.WSize() == 0) return info.Env().Undefined();
  if (s.XSize() == 0 || s.YSize() == 0) {
    Fill(dw, 0.0f);
    return info.Env().Undefined();
  }
  ApplyThreads();
  Context& ctx = Context::Get();
  auto lock = ctx.Lock();
  try {
    PlanKey key = MakePlanKey(PlanOp::kConvBackwardWeights);
    s.Key(key);
    auto& plan =
        ctx.GetPlan<ConvBackwardWeightsPlan>(key, [&] { return MakeConvBackwardWeights(ctx, s); });
    const dnnl::engine& engine = ctx.engine();
    memory dw_user = Mem(plan.dw, engine, dw.data);
    memory dw_conv = dw_user;
    if (plan.reorder_dw) {
      const memory::desc& md = plan.pd.diff_weights_desc();
      dw_conv = Mem(md, engine, ctx.Temp(1, md.get_size()));
    }
    plan.conv.execute(ctx.stream(), {{DNNL_ARG_SRC, Mem(plan.x, engine, x.data)},
                                     {DNNL_ARG_DIFF_DST, Mem(plan.dy, engine, dy.data)},
                                     {DNNL_ARG_DIFF_WEIGHTS, dw_conv},
                                     {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(plan.pd.scratchpad_desc())}});
    if (plan.reorder_dw) RunReorder(ctx, plan.dw_from_conv, dw_conv, dw_user);
    ctx.stream().wait();
  } catch (const dnnl::error& e) {
    ThrowOneDnn(op, s.Describe(), e);
  }
  return info.Env().Undefined();
}

}  // namespace graft::cpu
