"""One table of op cases shared by the finite-difference tests (test_gradcheck.py) and the
PyTorch comparison (test_vs_torch.py). A case's ``fn(M, *inputs)`` is written once against a
namespace ``M``: ``engine.functional`` or a PyTorch shim with the same names."""
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable

import numpy as np


@dataclass
class Case:
    name: str
    fn: Callable
    inputs: Callable          # rng -> list of (array, requires_grad)
    torch: bool = True        # has a PyTorch equivalent
    tol: float = 1e-9         # float64 tolerance against PyTorch

    def __str__(self):
        return self.name


# ---------------------------------------------------------------- input makers
def f(*shape):
    return lambda rng: (rng.standard_normal(shape), True)


def pos(*shape):
    return lambda rng: (rng.uniform(0.5, 2.0, shape), True)


def away(*shape):
    """Values at least 0.1 from zero (away from kinks of relu/abs)."""
    def make(rng):
        v = rng.standard_normal(shape)
        return np.sign(v) * (0.1 + np.abs(v)), True
    return make


def distinct(*shape):
    """All values different by ≥ 0.05 (no ties for max)."""
    def make(rng):
        n = int(np.prod(shape))
        return (rng.permutation(n).reshape(shape) * 0.05 - n * 0.025), True
    return make


def probs_in(*shape):
    return lambda rng: (rng.uniform(0.05, 0.95, shape), True)


def const(maker):
    def make(rng):
        v, _ = maker(rng)
        return v, False
    return make


def grad(maker):
    """The same values, requiring grad (targets that take a gradient, as in PyTorch)."""
    def make(rng):
        v, _ = maker(rng)
        return v, True
    return make


def labels(shape, classes):
    return lambda rng: (rng.integers(0, classes, shape).astype(np.int64), False)


def binary(*shape, signed=False):
    def make(rng):
        v = rng.integers(0, 2, shape).astype(np.float64)
        return (2 * v - 1 if signed else v), False
    return make


def distribution(*shape, zeros=False):
    def make(rng):
        v = rng.uniform(0.1, 1.0, shape)
        if zeros:
            v[..., 0] = 0.0
        return v / v.sum(axis=-1, keepdims=True), False
    return make


def array(values, grad=False):
    return lambda rng: (np.asarray(values), grad)


def pair_offset(shape, scale=1.0, target_grad=False):
    """(x, t) with x − t at least 0.1 from zero, for |x − t| losses."""
    def make(rng):
        t = rng.standard_normal(shape)
        d = rng.standard_normal(shape)
        return [(t + scale * np.sign(d) * (0.1 + np.abs(d)), True), (t, target_grad)]
    return make


def _inputs(*makers):
    def make(rng):
        out = []
        for m in makers:
            r = m(rng)
            out.extend(r if isinstance(r, list) else [r])
        return out
    return make


def C(name, fn, *makers, **kw):
    return Case(name, fn, _inputs(*makers), **kw)


# ---------------------------------------------------------------- the cases
CASES = [
    # arithmetic with broadcasting
    C("add_broadcast", lambda M, a, b: a + b, f(3, 4), f(4)),
    C("add_broadcast_both", lambda M, a, b: a + b, f(2, 1, 3), f(4, 1)),
    C("sub", lambda M, a, b: a - b, f(3, 4), f(3, 1)),
    C("mul", lambda M, a, b: a * b, f(2, 3, 4), f(3, 1)),
    C("div", lambda M, a, b: a / b, f(3, 4), pos(4)),
    C("scalars", lambda M, a: (2.0 - a) * 3.0 / (a * a + 1.0) + 1.5 ** a, f(3, 4)),
    C("pow_tensors", lambda M, a, b: M.pow(a, b), pos(3, 4), f(3, 4)),
    C("pow_3", lambda M, a: M.pow(a, 3), f(3, 4)),
    C("pow_half", lambda M, a: a ** 0.5, pos(5)),
    C("square", lambda M, a: a ** 2, f(2, 3)),
    C("neg", lambda M, a: -a, f(2, 3)),
    C("exp", lambda M, a: M.exp(a), f(3, 4)),
    C("log", lambda M, a: M.log(a), pos(3, 4)),
    C("sqrt", lambda M, a: M.sqrt(a), pos(3, 4)),
    C("abs", lambda M, a: M.abs(a), away(3, 4)),
    C("clamp", lambda M, a: M.clamp(a, min=-0.5, max=0.5), f(4, 5)),
    C("clamp_min", lambda M, a: M.clamp(a, min=0.2), f(4, 5)),
    C("maximum", lambda M, a, b: M.maximum(a, b), f(3, 4), f(4)),
    C("minimum", lambda M, a, b: M.minimum(a, b), f(3, 4), f(3, 4)),
    # matmul
    C("matmul_2d", lambda M, a, b: a @ b, f(3, 4), f(4, 5)),
    C("matmul_batched", lambda M, a, b: M.matmul(a, b), f(2, 3, 4), f(4, 5)),
    C("matmul_broadcast", lambda M, a, b: a @ b, f(2, 1, 3, 4), f(3, 4, 2)),
    C("matmul_vec_mat", lambda M, a, b: a @ b, f(4), f(4, 3)),
    C("matmul_mat_vec", lambda M, a, b: a @ b, f(3, 4), f(4)),
    C("matmul_vec_vec", lambda M, a, b: a @ b, f(4), f(4)),
    C("matmul_batched_vec", lambda M, a, b: a @ b, f(2, 3, 4), f(4)),
    # shapes and indexing
    C("cat", lambda M, a, b: M.cat([a, b], dim=1), f(2, 3), f(2, 2)),
    C("stack", lambda M, a, b: M.stack([a, b], dim=1), f(2, 3), f(2, 3)),
    C("split_sections", lambda M, a: M.split(a, [2, 3], dim=1), f(2, 5)),
    C("split_size", lambda M, a: M.split(a, 2, dim=0), f(5, 3)),
    C("pad", lambda M, a: M.pad(a, (1, 2, 0, 1), value=0.5), f(2, 3, 4)),
    C("getitem_slices", lambda M, a: a[1:, ::2], f(4, 5)),
    C("getitem_int", lambda M, a: a[1], f(3, 4)),
    C("getitem_repeated_rows", lambda M, a: a[[0, 2, 0]], f(3, 4)),
    C("getitem_columns", lambda M, a: a[:, [1, 1, 3]], f(3, 4)),
    C("reshape", lambda M, a: a.reshape(3, -1), f(2, 3, 4)),
    C("permute", lambda M, a: a.permute(2, 0, 1), f(2, 3, 4)),
    C("transpose", lambda M, a: a.transpose(0, 2), f(2, 3, 4)),
    C("flatten", lambda M, a: a.flatten(1), f(2, 3, 4)),
    C("squeeze", lambda M, a: a.squeeze(1), f(3, 1, 4)),
    C("unsqueeze", lambda M, a: a.unsqueeze(1), f(3, 4)),
    C("expand", lambda M, a: a.expand(2, 3, 4), f(3, 1)),
    C("T", lambda M, a: a.T, f(3, 4)),
    # reductions
    C("sum_all", lambda M, a: a.sum(), f(3, 4)),
    C("sum_dim_keep", lambda M, a: a.sum(dim=1, keepdim=True), f(3, 4)),
    C("sum_dims", lambda M, a: M.sum(a, dim=(0, 2)), f(2, 3, 4)),
    C("mean_dim", lambda M, a: a.mean(dim=-1), f(3, 4)),
    C("mean_all", lambda M, a: a.mean(), f(3, 4)),
    C("max_all", lambda M, a: a.max(), distinct(3, 4)),
    C("max_dim", lambda M, a: M.max(a, dim=1).values, distinct(3, 4)),
    C("min_dim_keep", lambda M, a: M.min(a, dim=0, keepdim=True).values, distinct(3, 4)),
    C("var", lambda M, a: a.var(dim=1), f(3, 5)),
    C("std", lambda M, a: a.std(dim=0), f(4, 3)),
    # activations
    C("relu", lambda M, a: M.relu(a), away(3, 4)),
    C("leaky_relu", lambda M, a: M.leaky_relu(a, 0.1), away(3, 4)),
    C("elu", lambda M, a: M.elu(a, alpha=0.7), away(3, 4)),
    C("gelu", lambda M, a: M.gelu(a), f(3, 4), tol=2e-7),
    C("gelu_tanh", lambda M, a: M.gelu(a, approximate="tanh"), f(3, 4)),
    C("sigmoid", lambda M, a: M.sigmoid(a), f(3, 4)),
    C("tanh", lambda M, a: M.tanh(a), f(3, 4)),
    C("softplus", lambda M, a: M.softplus(a * 3.0, beta=2.0, threshold=5.0), f(3, 4)),
    C("softmax", lambda M, a: M.softmax(a, dim=1), f(3, 4)),
    C("log_softmax", lambda M, a: M.log_softmax(a, dim=0), f(3, 4)),
    # layers as functions
    C("linear", lambda M, x, w, b: M.linear(x, w, b), f(4, 3), f(5, 3), f(5)),
    C("linear_no_bias", lambda M, x, w: M.linear(x, w), f(4, 3), f(5, 3)),
    C("linear_3d_input", lambda M, x, w, b: M.linear(x, w, b), f(2, 4, 3), f(5, 3), f(5)),
    C("conv2d", lambda M, x, w, b: M.conv2d(x, w, b), f(2, 3, 6, 6), f(4, 3, 3, 3), f(4)),
    C("conv2d_stride_pad", lambda M, x, w, b: M.conv2d(x, w, b, stride=2, padding=1),
      f(2, 2, 7, 7), f(3, 2, 3, 3), f(3)),
    C("conv2d_dilation_rect", lambda M, x, w: M.conv2d(x, w, None, stride=(1, 2), padding=(2, 1),
                                                       dilation=(2, 1)), f(1, 2, 7, 6), f(2, 2, 3, 2)),
    C("conv2d_1x1", lambda M, x, w: M.conv2d(x, w), f(2, 3, 4, 4), f(5, 3, 1, 1)),
    # stride 1 runs the "wide rows" im2col: padding, dilation and a non-square kernel there
    C("conv2d_wide_rows_pad_dilation", lambda M, x, w, b: M.conv2d(x, w, b, padding=(1, 2), dilation=(2, 1)),
      f(3, 2, 7, 5), f(4, 2, 2, 3), f(4)),
    C("conv2d_one_channel_padded", lambda M, x, w: M.conv2d(x, w, padding=1), f(2, 1, 5, 6), f(3, 1, 3, 3)),
    C("max_pool2d", lambda M, x: M.max_pool2d(x, 2), distinct(2, 3, 6, 6)),
    C("max_pool2d_overlap_pad", lambda M, x: M.max_pool2d(x, 3, stride=2, padding=1), distinct(1, 2, 7, 7)),
    C("max_pool2d_uneven", lambda M, x: M.max_pool2d(x, 2), distinct(1, 2, 5, 7)),
    C("avg_pool2d", lambda M, x: M.avg_pool2d(x, 2), f(2, 3, 6, 6)),
    C("avg_pool2d_pad_excluded", lambda M, x: M.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
      f(1, 2, 7, 7)),
    C("adaptive_avg_pool2d", lambda M, x: M.adaptive_avg_pool2d(x, (3, 2)), f(2, 3, 7, 5)),
    C("global_avg_pool2d", lambda M, x: M.global_avg_pool2d(x), f(2, 3, 4, 5)),
    C("batch_norm_train", lambda M, x, rm, rv, w, b: M.batch_norm(x, rm, rv, w, b, training=True),
      f(4, 3), const(f(3)), const(pos(3)), f(3), f(3)),
    C("batch_norm_train_4d", lambda M, x, rm, rv, w, b: M.batch_norm(x, rm, rv, w, b, training=True),
      f(2, 3, 4, 4), const(f(3)), const(pos(3)), f(3), f(3)),
    C("batch_norm_eval", lambda M, x, rm, rv, w, b: M.batch_norm(x, rm, rv, w, b, training=False),
      f(2, 3, 4), const(f(3)), const(pos(3)), f(3), f(3)),
    C("layer_norm", lambda M, x, w, b: M.layer_norm(x, (4,), w, b), f(2, 3, 4), f(4), f(4)),
    C("layer_norm_2d", lambda M, x, w, b: M.layer_norm(x, (3, 4), w, b), f(2, 3, 4), f(3, 4), f(3, 4)),
    C("embedding", lambda M, i, w: M.embedding(i, w), array([[0, 2, 2], [4, 1, 0]]), f(5, 4)),
    # recurrent sequences (compared with PyTorch through the nn modules in test_nn.py)
    C("rnn_tanh", lambda M, x, h, wi, wh, bi, bh: M.rnn_sequence(x, h, wi, wh, bi, bh),
      f(2, 3, 4), f(2, 5), f(5, 4), f(5, 5), f(5), f(5), torch=False),
    C("rnn_relu", lambda M, x, h, wi, wh: M.rnn_sequence(x, h, wi, wh, nonlinearity="relu"),
      f(2, 3, 4), f(2, 5), f(5, 4), f(5, 5), torch=False),
    C("lstm", lambda M, x, h, c, wi, wh, bi, bh: M.lstm_sequence(x, h, c, wi, wh, bi, bh),
      f(2, 3, 4), f(2, 5), f(2, 5), f(20, 4), f(20, 5), f(20), f(20), torch=False),
    C("gru", lambda M, x, h, wi, wh, bi, bh: M.gru_sequence(x, h, wi, wh, bi, bh),
      f(2, 3, 4), f(2, 5), f(15, 4), f(15, 5), f(15), f(15), torch=False),
]

for red in ("mean", "sum", "none"):
    CASES += [
        C(f"mse_{red}", lambda M, x, t, r=red: M.mse_loss(x, t, reduction=r), f(4, 3), const(f(4, 3))),
        C(f"msle_{red}", lambda M, x, t, r=red: M.msle_loss(x, t, reduction=r), pos(4, 3), const(pos(4, 3))),
        C(f"l1_{red}", lambda M, x, t, r=red: M.l1_loss(x, t, reduction=r), pair_offset((4, 3))),
        C(f"huber_{red}", lambda M, x, t, r=red: M.huber_loss(x, t, reduction=r, delta=0.5), f(4, 3), const(f(4, 3))),
        C(f"bce_{red}", lambda M, p, t, r=red: M.binary_cross_entropy(p, t, reduction=r), probs_in(4, 3), binary(4, 3)),
        C(f"bce_logits_{red}", lambda M, x, t, r=red: M.binary_cross_entropy_with_logits(x, t, reduction=r),
          f(4, 3), const(probs_in(4, 3))),
        C(f"hinge_{red}", lambda M, x, t, r=red: M.hinge_loss(x, t, reduction=r), f(4, 3), binary(4, 3, signed=True)),
        C(f"squared_hinge_{red}", lambda M, x, t, r=red: M.squared_hinge_loss(x, t, reduction=r),
          f(4, 3), binary(4, 3, signed=True)),
        C(f"cross_entropy_{red}", lambda M, x, t, r=red: M.cross_entropy(x, t, reduction=r), f(5, 4), labels((5,), 4)),
        C(f"nll_{red}", lambda M, x, t, r=red: M.nll_loss(x, t, reduction=r), f(5, 4), labels((5,), 4)),
        C(f"kl_div_{red}", lambda M, x, t, r=red: M.kl_div(M.log_softmax(x, dim=1), t, reduction=r),
          f(3, 4), distribution(3, 4, zeros=True)),
        C(f"categorical_ce_{red}", lambda M, x, t, r=red: M.categorical_cross_entropy(M.softmax(x, dim=-1), t, reduction=r),
          f(4, 3), distribution(4, 3)),
    ]

# targets that require grad get PyTorch's gradient (siamese, consistency and distillation losses)
for red in ("mean", "sum", "none"):
    CASES += [
        C(f"mse_target_grad_{red}", lambda M, x, t, r=red: M.mse_loss(x, t, reduction=r), f(4, 3), f(4, 3)),
        C(f"l1_target_grad_{red}", lambda M, x, t, r=red: M.l1_loss(x, t, reduction=r),
          pair_offset((4, 3), target_grad=True)),
        C(f"huber_target_grad_{red}", lambda M, x, t, r=red: M.huber_loss(x, t, reduction=r, delta=0.5),
          f(4, 3), f(4, 3)),
        C(f"smooth_l1_target_grad_{red}", lambda M, x, t, r=red: M.smooth_l1_loss(x, t, reduction=r, beta=0.5),
          f(4, 3), f(4, 3)),
        C(f"bce_target_grad_{red}", lambda M, p, t, r=red: M.binary_cross_entropy(p, t, reduction=r),
          probs_in(4, 3), grad(probs_in(4, 3))),
        C(f"bce_logits_target_grad_{red}", lambda M, x, t, r=red: M.binary_cross_entropy_with_logits(x, t, reduction=r),
          f(4, 3), grad(probs_in(4, 3))),
        C(f"kl_div_target_grad_{red}", lambda M, x, t, r=red: M.kl_div(M.log_softmax(x, dim=1), t, reduction=r),
          f(3, 4), grad(distribution(3, 4))),
        C(f"msle_target_grad_{red}", lambda M, x, t, r=red: M.msle_loss(x, t, reduction=r), pos(4, 3), pos(4, 3)),
        C(f"categorical_ce_target_grad_{red}",
          lambda M, x, t, r=red: M.categorical_cross_entropy(M.softmax(x, dim=-1), t, reduction=r),
          f(4, 3), grad(distribution(4, 3))),
        C(f"cross_entropy_probabilities_target_grad_{red}", lambda M, x, t, r=red: M.cross_entropy(x, t, reduction=r),
          f(5, 4), grad(distribution(5, 4))),
    ]

CASES += [
    C("bce_logits_pos_weight_target_grad", lambda M, x, t, w: M.binary_cross_entropy_with_logits(x, t, pos_weight=w),
      f(4, 3), grad(probs_in(4, 3)), const(pos(3))),
    C("kl_div_log_target_grad", lambda M, x, t: M.kl_div(x, t, reduction="batchmean", log_target=True),
      f(3, 4), f(3, 4)),
    C("cross_entropy_probabilities_weight_target_grad", lambda M, x, t, w: M.cross_entropy(x, t, weight=w),
      f(5, 4), grad(distribution(5, 4)), const(pos(4))),
    C("where", lambda M, a, b: M.where(a > 0, a, b), away(3, 4), f(4)),
    C("sin_cos", lambda M, a: M.sin(a) * M.cos(a * 2.0), f(3, 4)),
    C("square_fn", lambda M, a: M.square(a), f(3, 4)),
    C("clone", lambda M, a: M.clone(a) * 2.0, f(3, 4)),
    C("hinge_01_labels", lambda M, x, t: M.hinge_loss(x, t), f(4, 3), binary(4, 3)),
    C("bce_logits_pos_weight", lambda M, x, t, w: M.binary_cross_entropy_with_logits(x, t, pos_weight=w),
      f(4, 3), const(probs_in(4, 3)), const(pos(3))),
    C("cross_entropy_weight_ignore", lambda M, x, t, w: M.cross_entropy(x, t, weight=w, ignore_index=1),
      f(6, 4), array([0, 1, 2, 3, 1, 2]), const(pos(4))),
    C("cross_entropy_spatial", lambda M, x, t: M.cross_entropy(x, t), f(2, 4, 3), labels((2, 3), 4)),
    C("cross_entropy_probabilities", lambda M, x, t: M.cross_entropy(x, t), f(5, 4), distribution(5, 4)),
    C("nll_weight", lambda M, x, t, w: M.nll_loss(x, t, weight=w), f(5, 4), labels((5,), 4), const(pos(4))),
    # labels the loss ignores, without class weights (the general path beside the usual one)
    C("cross_entropy_ignore_negative", lambda M, x, t: M.cross_entropy(x, t, ignore_index=-1),
      f(6, 4), array([0, -1, 2, 3, -1, 2])),
    C("nll_ignore_sum", lambda M, x, t: M.nll_loss(x, t, ignore_index=2, reduction="sum"),
      f(6, 4), array([0, 1, 2, 3, 1, 2])),
    C("kl_div_batchmean", lambda M, x, t: M.kl_div(M.log_softmax(x, dim=1), t, reduction="batchmean"),
      f(3, 4), distribution(3, 4)),
    C("kl_div_log_target", lambda M, x, t: M.kl_div(x, M.log(t), reduction="sum", log_target=True),
      f(3, 4), distribution(3, 4)),
    C("categorical_ce_from_logits", lambda M, x, t: M.categorical_cross_entropy(x, t, from_logits=True),
      f(4, 3), distribution(4, 3)),
]


def torch_namespace(torch):
    """PyTorch with engine.functional's names, for running the same case functions on both."""
    F = torch.nn.functional
    ns = SimpleNamespace(**{k: getattr(F, k) for k in dir(F) if not k.startswith("_")})
    for name in ("exp", "log", "sqrt", "abs", "clamp", "maximum", "minimum", "matmul", "cat", "stack",
                 "split", "sum", "mean", "max", "min", "pow", "sigmoid", "tanh", "where", "sin", "cos",
                 "square", "clone"):
        setattr(ns, name, getattr(torch, name))

    def reduce(v, reduction):
        return v.mean() if reduction == "mean" else v.sum() if reduction == "sum" else v

    def signed(t):
        return 2 * t - 1 if bool((t >= 0).all()) else t

    ns.global_avg_pool2d = lambda x: x.mean((2, 3))
    ns.msle_loss = lambda x, t, reduction="mean": F.mse_loss(torch.log1p(x), torch.log1p(t), reduction=reduction)
    ns.hinge_loss = lambda x, t, reduction="mean": reduce(torch.clamp(1 - signed(t) * x, min=0), reduction)
    ns.squared_hinge_loss = lambda x, t, reduction="mean": reduce(torch.clamp(1 - signed(t) * x, min=0) ** 2, reduction)

    def categorical_cross_entropy(p, t, from_logits=False, reduction="mean", eps=1e-7):
        if from_logits:
            return F.cross_entropy(p, t, reduction=reduction)
        return reduce(-(t * torch.log(p.clamp(eps, 1 - eps))).sum(-1), reduction)
    ns.categorical_cross_entropy = categorical_cross_entropy
    return ns
