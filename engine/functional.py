"""The functional API: every differentiable operation on Tensors, with PyTorch's names and
argument conventions. Each function checks its arguments, then records one op on the tape."""
import builtins
from collections import namedtuple

import numpy as np

from . import ops as O
from .backend import get_array_module
from .dtypes import as_dtype
from .errors import ArgumentError, ShapeError
from .ops._util import norm_dim, norm_dims, pair
from .random import default_generator
from .tensor import Tensor, apply

_python_abs, _python_max, _python_min, _python_sum = builtins.abs, builtins.max, builtins.min, builtins.sum


def _const(x, like):
    """A constant (no-grad) tensor from a Python number or array, matching ``like``'s device and,
    for floating ``like``, its dtype (so float32 stays float32, as with PyTorch's scalars)."""
    if isinstance(x, Tensor):
        return x
    xp = get_array_module(like.data)
    if like.data.dtype.kind == "f" and isinstance(x, (int, float, bool, np.number)):
        return Tensor(xp.asarray(x, dtype=like.data.dtype))
    arr = xp.asarray(x)
    if arr.dtype == np.float64 and like.data.dtype.kind == "f" and not isinstance(x, np.ndarray):
        arr = arr.astype(like.data.dtype)
    return Tensor(arr)


def _pair(a, b):
    if isinstance(a, Tensor):
        return a, _const(b, a)
    if isinstance(b, Tensor):
        return _const(a, b), b
    return Tensor(a), Tensor(b)


def _tensor(x, name="input"):
    if isinstance(x, Tensor):
        return x
    return Tensor(x)


# ---------------------------------------------------------------- arithmetic
def add(a, b): return apply(O.Add(), *_pair(a, b))
def sub(a, b): return apply(O.Sub(), *_pair(a, b))
def mul(a, b): return apply(O.Mul(), *_pair(a, b))
def div(a, b): return apply(O.Div(), *_pair(a, b))
def neg(a): return apply(O.Neg(), _tensor(a))
def exp(a): return apply(O.Exp(), _tensor(a))
def log(a): return apply(O.Log(), _tensor(a))
def sqrt(a): return apply(O.Sqrt(), _tensor(a))
def abs(a): return apply(O.Abs(), _tensor(a))
def maximum(a, b): return apply(O.Maximum(), *_pair(a, b))
def minimum(a, b): return apply(O.Minimum(), *_pair(a, b))


def pow(a, b):
    if isinstance(a, Tensor) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return apply(O.PowScalar(b), a)
    return apply(O.Pow(), *_pair(a, b))


def clamp(a, min=None, max=None):
    if min is None and max is None:
        raise ArgumentError("clamp: give at least one of min and max")
    return apply(O.Clamp(min, max), _tensor(a))


def cast(a, dtype):
    dtype = as_dtype(dtype)
    if a.data.dtype == dtype:
        return a
    if dtype.kind != "f" or a.data.dtype.kind != "f":
        return Tensor(a.data.astype(dtype))
    return apply(O.Cast(dtype), a)


# ---------------------------------------------------------------- activations
def relu(x): return apply(O.ReLU(), x)
def leaky_relu(x, negative_slope=0.01): return apply(O.LeakyReLU(negative_slope), x)
def elu(x, alpha=1.0): return apply(O.ELU(alpha), x)
def sigmoid(x): return apply(O.Sigmoid(), x)
def tanh(x): return apply(O.Tanh(), x)
def softplus(x, beta=1.0, threshold=20.0): return apply(O.Softplus(beta, threshold), x)


def gelu(x, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return apply(O.GELU(approximate), x)


def softmax(x, dim=-1):
    return apply(O.Softmax(norm_dim(dim, x.ndim, "softmax")), x)


def log_softmax(x, dim=-1):
    return apply(O.LogSoftmax(norm_dim(dim, x.ndim, "log_softmax")), x)


# ---------------------------------------------------------------- reductions
MaxResult = namedtuple("MaxResult", "values indices")


def sum(x, dim=None, keepdim=False):
    return apply(O.Sum(None if dim is None else norm_dims(dim, x.ndim, "sum"), keepdim), x)


def mean(x, dim=None, keepdim=False):
    return apply(O.Mean(None if dim is None else norm_dims(dim, x.ndim, "mean"), keepdim), x)


def _extreme(cls, x, dim, keepdim):
    if x.data.size == 0:
        raise ShapeError(f"{cls.name}: cannot reduce an empty tensor {x.shape}")
    if dim is None:
        return apply(cls(), x)
    return MaxResult(*apply(cls(norm_dim(dim, x.ndim, cls.name), keepdim), x))


def max(x, dim=None, keepdim=False):
    """The largest value; with ``dim``, a (values, indices) pair as in PyTorch."""
    return _extreme(O.Max, x, dim, keepdim)


def min(x, dim=None, keepdim=False):
    return _extreme(O.Min, x, dim, keepdim)


def var(x, dim=None, keepdim=False, correction=1):
    dims = norm_dims(dim, x.ndim, "var")
    n = int(np.prod([x.shape[d] for d in dims])) if dims else 1
    d = x - mean(x, dims, keepdim=True)
    return sum(d * d, dims, keepdim) * (1.0 / _python_max(n - correction, 1))


def std(x, dim=None, keepdim=False, correction=1):
    return sqrt(var(x, dim, keepdim, correction))


# ---------------------------------------------------------------- shape
def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def reshape(x, *shape):
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    return apply(O.Reshape(shape), x)


def permute(x, *dims):
    dims = _shape_arg(dims)
    if x.ndim == 0 and not dims:
        return x
    if len(dims) != x.ndim or sorted(d % x.ndim for d in dims) != list(range(x.ndim)):
        raise ShapeError(f"permute: {dims} is not an ordering of the {x.ndim} dims of {x.shape}")
    return apply(O.Permute(tuple(d % x.ndim for d in dims)), x)


def transpose(x, dim0, dim1):
    dims = list(range(x.ndim))
    a, b = norm_dim(dim0, x.ndim, "transpose"), norm_dim(dim1, x.ndim, "transpose")
    dims[a], dims[b] = dims[b], dims[a]
    return apply(O.Permute(tuple(dims)), x)


def flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return reshape(x, 1)
    s, e = norm_dim(start_dim, x.ndim, "flatten"), norm_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:]
    return reshape(x, shape)


def squeeze(x, dim=None):
    if dim is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        d = norm_dim(dim, x.ndim, "squeeze")
        shape = x.shape[:d] + x.shape[d + 1:] if x.shape[d] == 1 else x.shape
    return reshape(x, shape)


def unsqueeze(x, dim):
    d = norm_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def expand(x, *shape):
    shape = _shape_arg(shape)
    lead = len(shape) - x.ndim
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    return apply(O.BroadcastTo(shape), x)


def _raw_index(index):
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def getitem(x, index):
    return apply(O.GetItem(_raw_index(index)), x)


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ArgumentError("cat: needs at least one tensor")
    d = norm_dim(dim, tensors[0].ndim, "cat")
    ref = tensors[0].shape
    for t in tensors[1:]:
        if t.ndim != len(ref) or t.shape[:d] + t.shape[d + 1:] != ref[:d] + ref[d + 1:]:
            raise ShapeError(f"cat: shapes {[t.shape for t in tensors]} differ outside dim {dim}")
    return apply(O.Cat(d), *tensors)


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ArgumentError("stack: needs at least one tensor")
    if len({t.shape for t in tensors}) != 1:
        raise ShapeError(f"stack: all tensors need the same shape, got {[t.shape for t in tensors]}")
    return apply(O.Stack(norm_dim(dim, tensors[0].ndim + 1, "stack")), *tensors)


def split(x, split_size_or_sections, dim=0):
    """Pieces of ``x`` along ``dim``: of size ``split_size`` each (the last may be smaller), or of
    the listed sizes, which must add up to the dimension."""
    d = norm_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ArgumentError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if _python_sum(sizes) != n:
            raise ShapeError(f"split: sections {sizes} add up to {_python_sum(sizes)}, not {n} (dim {dim} of {x.shape})")
    out = apply(O.Split(sizes, d), x)
    return out if isinstance(out, tuple) else (out,)


def pad(x, pad, value=0.0):
    """PyTorch's convention: ``pad`` lists (before, after) pairs starting from the last dim."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ShapeError(f"pad: needs pairs for at most {x.ndim} dims, got {pad}")
    if _python_min(pad, default=0) < 0:
        raise ArgumentError(f"pad: negative padding {pad} is not supported")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return apply(O.Pad(tuple(widths), value), x)


# ---------------------------------------------------------------- linear algebra
def matmul(a, b):
    a, b = _pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: both operands need at least 1 dimension, got {a.shape} and {b.shape}")
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != k_b:
        raise ShapeError(f"matmul: cannot multiply {a.shape} by {b.shape}: {a.shape[-1]} columns "
                         f"against {k_b} rows")
    return apply(O.MatMul(), a, b)


def linear(x, weight, bias=None):
    """x @ weightᵀ + bias, for x (..., in_features), weight (out_features, in_features)."""
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ShapeError(f"linear: input {x.shape} does not fit weight {weight.shape}: the input's "
                         f"last dim must be in_features = {weight.shape[-1] if weight.ndim else '?'}")
    if bias is None:
        return apply(O.Linear(), x, weight)
    if bias.shape != (weight.shape[0],):
        raise ShapeError(f"linear: bias {bias.shape} does not fit weight {weight.shape}")
    return apply(O.Linear(), x, weight, bias)


# ---------------------------------------------------------------- convolution and pooling
def _conv_padding(padding, kernel, dilation, stride):
    if padding == "valid":
        return (0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise ArgumentError("conv2d: padding='same' needs stride 1")
        eff = [d * (k - 1) for k, d in zip(kernel, dilation)]
        if any(e % 2 for e in eff):
            raise ArgumentError(f"conv2d: padding='same' needs an odd effective kernel size, got {kernel}")
        return (eff[0] // 2, eff[1] // 2)
    return pair(padding, "padding", "conv2d")


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """2-D cross-correlation of x (N, C, H, W) with weight (O, C, kH, kW); padding may be an int,
    a pair, 'valid' or 'same'."""
    stride, dilation = pair(stride, "stride", "conv2d"), pair(dilation, "dilation", "conv2d")
    if _python_min(stride) < 1 or _python_min(dilation) < 1:
        raise ArgumentError(f"conv2d: stride {stride} and dilation {dilation} must be at least 1")
    padding = _conv_padding(padding, weight.shape[2:], dilation, stride)
    op = O.Conv2d(stride, padding, dilation)
    if bias is None:
        return apply(op, x, weight)
    if bias.shape != (weight.shape[0],):
        raise ShapeError(f"conv2d: bias {bias.shape} does not fit {weight.shape[0]} output channels")
    return apply(op, x, weight, bias)


def _pool_args(name, kernel_size, stride, padding):
    k = pair(kernel_size, "kernel_size", name)
    s = k if stride is None else pair(stride, "stride", name)
    if _python_min(k) < 1 or _python_min(s) < 1:
        raise ArgumentError(f"{name}: kernel_size {k} and stride {s} must be at least 1")
    return k, s, pair(padding, "padding", name)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    k, s, p = _pool_args("max_pool2d", kernel_size, stride, padding)
    return apply(O.MaxPool2d(k, s, p, pair(dilation, "dilation", "max_pool2d")), x)


def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    k, s, p = _pool_args("avg_pool2d", kernel_size, stride, padding)
    return apply(O.AvgPool2d(k, s, p, count_include_pad), x)


def adaptive_avg_pool2d(x, output_size):
    out = pair(output_size, "output_size", "adaptive_avg_pool2d")
    if x.ndim == 4 and out == (1, 1):
        return mean(x, (2, 3), keepdim=True)
    return apply(O.AdaptiveAvgPool2d(out), x)


def global_avg_pool2d(x):
    """Mean over H and W: (N, C, H, W) → (N, C), Keras' GlobalAveragePooling2D."""
    if x.ndim != 4:
        raise ShapeError(f"global_avg_pool2d: expects an N×C×H×W input, got {x.shape}")
    return mean(x, (2, 3))


# ---------------------------------------------------------------- regularization and normalization
def dropout(x, p=0.5, training=True, generator=None):
    """Inverted dropout; identity when not training or p == 0."""
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    return apply(O.Dropout(p, generator or default_generator()), x)


def _raw(t):
    return t.data if isinstance(t, Tensor) else t


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    c = x.shape[1] if x.ndim >= 2 else None
    for name, s in (("running_mean", running_mean), ("running_var", running_var)):
        if s is not None and tuple(_raw(s).shape) != (c,):
            raise ShapeError(f"batch_norm: {name} {tuple(_raw(s).shape)} does not match input {x.shape}")
    if not training and running_mean is None:
        raise ArgumentError("batch_norm: evaluation mode needs running statistics")
    op = O.BatchNorm(_raw(running_mean), _raw(running_var), training, momentum, eps)
    args = [x] + [t for t in (weight, bias) if t is not None]
    if weight is None and bias is not None:
        raise ArgumentError("batch_norm: a bias without a weight is not supported")
    return apply(op, *args)


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    if weight is None and bias is not None:
        raise ArgumentError("layer_norm: a bias without a weight is not supported")
    args = [x] + [t for t in (weight, bias) if t is not None]
    return apply(O.LayerNorm(normalized_shape, eps), *args)


def embedding(indices, weight, padding_idx=None):
    return apply(O.Embedding(padding_idx), _tensor(indices), weight)


# ---------------------------------------------------------------- recurrent sequences (batch-first)
def rnn_sequence(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """One recurrent layer over x (N, T, I): returns (outputs (N, T, H), last state (N, H))."""
    args = [x, h0, w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None else [])
    return apply(O.RNNSeq(nonlinearity), *args)


def lstm_sequence(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM layer over x (N, T, I): returns (outputs, last hidden state, last cell state)."""
    args = [x, h0, c0, w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None else [])
    return apply(O.LSTMSeq(), *args)


def gru_sequence(x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
    args = [x, h0, w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None else [])
    return apply(O.GRUSeq(), *args)


# ---------------------------------------------------------------- losses
def _loss(op, x, target):
    return apply(op, x, _const(target, x) if not isinstance(target, Tensor) else target)


def mse_loss(input, target, reduction="mean"): return _loss(O.MSELoss(reduction), input, target)
def msle_loss(input, target, reduction="mean"): return _loss(O.MSLELoss(reduction), input, target)
def l1_loss(input, target, reduction="mean"): return _loss(O.L1Loss(reduction), input, target)
def huber_loss(input, target, reduction="mean", delta=1.0): return _loss(O.HuberLoss(reduction, delta), input, target)
def hinge_loss(input, target, reduction="mean"): return _loss(O.HingeLoss(reduction), input, target)
def squared_hinge_loss(input, target, reduction="mean"): return _loss(O.SquaredHingeLoss(reduction), input, target)


def binary_cross_entropy(input, target, reduction="mean"):
    return _loss(O.BCELoss(reduction), input, target)


def binary_cross_entropy_with_logits(input, target, reduction="mean", pos_weight=None):
    return _loss(O.BCEWithLogitsLoss(reduction, _raw(pos_weight)), input, target)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """From logits (N, C[, d…]); target: integer labels (sparse categorical cross-entropy) or class
    probabilities of the input's shape."""
    return _loss(O.CrossEntropyLoss(_raw(weight), ignore_index, reduction), input, _tensor(target))


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    return _loss(O.NLLLoss(_raw(weight), ignore_index, reduction), input, _tensor(target))


def categorical_cross_entropy(input, target, from_logits=False, reduction="mean", eps=1e-7):
    """Keras' categorical cross-entropy: predicted probabilities (or logits) with one-hot or
    probability targets, class axis last."""
    if from_logits:
        if input.ndim > 2:
            input, target = movedim_last_to_1(input), movedim_last_to_1(_const(target, input))
        return cross_entropy(input, _const(target, input), reduction=reduction)
    return _loss(O.CategoricalCrossEntropy(eps, reduction), input, target)


def movedim_last_to_1(x):
    return permute(x, 0, x.ndim - 1, *range(1, x.ndim - 1))


def kl_div(input, target, reduction="mean", log_target=False):
    return _loss(O.KLDivLoss(reduction, log_target), input, target)


# Keras / lesson names
mae_loss = l1_loss
sparse_categorical_cross_entropy = cross_entropy
