"""The functional API: every differentiable operation on Tensors, with PyTorch's names and
argument conventions. Each function checks its arguments, then records one op on the tape.

``engine.nn.functional`` is this same module. Where PyTorch takes a tensor these functions also
take a numpy array or a Python number (turned into a tensor without gradient); anything else is
refused with an ArgumentError naming the function. Floating operands of matmul, linear, conv2d,
the norms and the recurrent layers must share one dtype, as in PyTorch (DTypeError naming both);
elementwise arithmetic promotes (float32 with float64 gives float64)."""
from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from . import ops as O
from .backend import get_array_module
from .dtypes import as_dtype
from .errors import ArgumentError, DTypeError, EngineError, ShapeError
from .ops.util import norm_dim, norm_dims, pair, same_padding
from .random import Generator, default_generator
from .typing import Any, DTypeLike, Sequence, TensorLike
from .tensor import Tensor, apply

_python_abs, _python_max, _python_min, _python_sum = builtins.abs, builtins.max, builtins.min, builtins.sum


def _const(x, like):
    """A constant (no-grad) tensor from a Python number or array, matching ``like``'s device and,
    for floating ``like``, its dtype (so float32 stays float32, as with PyTorch's scalars)."""
    if isinstance(x, Tensor):
        return x
    xp = get_array_module(like.array)
    if like.array.dtype.kind == "f" and isinstance(x, (int, float, bool, np.number)):
        return Tensor(xp.asarray(x, dtype=like.array.dtype))
    arr = xp.asarray(x)
    if arr.dtype == np.float64 and like.array.dtype.kind == "f" and not isinstance(x, np.ndarray):
        arr = arr.astype(like.array.dtype)
    return Tensor(arr)


def _operands(a, b):
    """Two operands as tensors: a number or array beside a tensor takes its dtype and device."""
    if isinstance(a, Tensor):
        return a, _const(b, a)
    if isinstance(b, Tensor):
        return _const(a, b), b
    return Tensor(a), Tensor(b)


def _tensor(x, op="input"):
    """``x`` as a Tensor: arrays and numbers are wrapped (no gradient); other things refused."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (bool, int, float, np.number, np.ndarray, list, tuple)) or hasattr(x, "__cuda_array_interface__"):
        try:
            return Tensor(x)
        except (EngineError, TypeError, ValueError) as exc:
            raise ArgumentError(f"{op}: cannot use {type(x).__name__} as a tensor ({exc})") from None
    raise ArgumentError(f"{op}: expected a Tensor or an array, got {type(x).__name__}")


def _same_dtype(op, names, *tensors):
    """PyTorch's rule for products and layers: floating operands of one dtype, or a DTypeError
    naming them (``names``: "input weight bias", in the order of ``tensors``)."""
    first = tensors[0].array.dtype
    for t in tensors[1:]:
        if t is not None and t.array.dtype != first:
            break
    else:
        return
    named = {n: t.array.dtype for n, t in zip(names.split(), tensors) if t is not None and t.array.dtype.kind == "f"}
    if len(set(named.values())) > 1:
        (n0, d0), *rest = named.items()
        raise DTypeError(f"{op}: {n0} is {d0} but " + ", ".join(f"{n} is {d}" for n, d in rest if d != d0)
                         + "; convert one of them (.float() or .double())")


def _maybe_inplace(x, inplace, name, fn):
    """``fn(x)``, or written into ``x`` itself when ``inplace`` (PyTorch's ``inplace=True``)."""
    x = _tensor(x, name)
    return x._inplace(name + "_", fn) if inplace else fn(x)


# ---------------------------------------------------------------- arithmetic
def add(a: TensorLike, b: TensorLike) -> Tensor: return apply(O.Add(), *_operands(a, b))
def sub(a: TensorLike, b: TensorLike) -> Tensor: return apply(O.Sub(), *_operands(a, b))
def mul(a: TensorLike, b: TensorLike) -> Tensor: return apply(O.Mul(), *_operands(a, b))
def div(a: TensorLike, b: TensorLike) -> Tensor: return apply(O.Div(), *_operands(a, b))
def neg(a: TensorLike) -> Tensor: return apply(O.Neg(), _tensor(a, "neg"))
def exp(a: TensorLike) -> Tensor: return apply(O.Exp(), _tensor(a, "exp"))
def log(a: TensorLike) -> Tensor: return apply(O.Log(), _tensor(a, "log"))
def sqrt(a: TensorLike) -> Tensor: return apply(O.Sqrt(), _tensor(a, "sqrt"))
def abs(a: TensorLike) -> Tensor: return apply(O.Abs(), _tensor(a, "abs"))
def sin(a: TensorLike) -> Tensor: return apply(O.Sin(), _tensor(a, "sin"))
def cos(a: TensorLike) -> Tensor: return apply(O.Cos(), _tensor(a, "cos"))
def square(a: TensorLike) -> Tensor: return apply(O.PowScalar(2), _tensor(a, "square"))
def clone(a: TensorLike) -> Tensor: return apply(O.Clone(), _tensor(a, "clone"))


def where(condition: TensorLike, input: TensorLike, other: TensorLike) -> Tensor:
    """``input`` where ``condition`` is true, else ``other`` (both broadcast)."""
    cond = condition.array if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise DTypeError(f"where: the condition must be a bool tensor, got {cond.dtype}")
    a, b = _operands(input, other)
    return apply(O.Where(cond), a, b)
def maximum(a: TensorLike, b: TensorLike) -> Tensor: return apply(O.Maximum(), *_operands(a, b))
def minimum(a: TensorLike, b: TensorLike) -> Tensor: return apply(O.Minimum(), *_operands(a, b))


def pow(a: TensorLike, b: TensorLike) -> Tensor:
    if isinstance(a, np.ndarray):
        a = _tensor(a, "pow")
    if isinstance(a, Tensor) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return apply(O.PowScalar(b), a)
    return apply(O.Pow(), *_operands(a, b))


def clamp(a: TensorLike, min: float | None = None, max: float | None = None) -> Tensor:
    if min is None and max is None:
        raise ArgumentError("clamp: give at least one of min and max")
    return apply(O.Clamp(min, max), _tensor(a, "clamp"))


clip = clamp


def cast(a: TensorLike, dtype: DTypeLike) -> Tensor:
    a, dtype = _tensor(a, "cast"), as_dtype(dtype)
    if a.array.dtype == dtype:
        return a
    if dtype.kind != "f" or a.array.dtype.kind != "f":
        return Tensor(a.array.astype(dtype))
    return apply(O.Cast(dtype), a)


# ---------------------------------------------------------------- activations
def relu(x: TensorLike, inplace: bool = False) -> Tensor:
    if inplace or not isinstance(x, Tensor):
        return _maybe_inplace(x, inplace, "relu", lambda t: apply(O.ReLU(), t))
    return apply(O.ReLU(), x)


def leaky_relu(x: TensorLike, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _maybe_inplace(x, inplace, "leaky_relu", lambda t: apply(O.LeakyReLU(negative_slope), t))


def elu(x: TensorLike, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _maybe_inplace(x, inplace, "elu", lambda t: apply(O.ELU(alpha), t))


def sigmoid(x: TensorLike) -> Tensor: return apply(O.Sigmoid(), _tensor(x, "sigmoid"))
def tanh(x: TensorLike) -> Tensor: return apply(O.Tanh(), _tensor(x, "tanh"))
def softplus(x: TensorLike, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return apply(O.Softplus(beta, threshold), _tensor(x, "softplus"))


def gelu(x: TensorLike, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return apply(O.GELU(approximate), _tensor(x, "gelu"))


def softmax(x: TensorLike, dim: int = -1) -> Tensor:
    x = _tensor(x, "softmax")
    return apply(O.Softmax(norm_dim(dim, x.ndim, "softmax")), x)


def log_softmax(x: TensorLike, dim: int = -1) -> Tensor:
    x = _tensor(x, "log_softmax")
    return apply(O.LogSoftmax(norm_dim(dim, x.ndim, "log_softmax")), x)


# ---------------------------------------------------------------- reductions
MaxResult = namedtuple("MaxResult", "values indices")


def sum(x: TensorLike, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
    x = _tensor(x, "sum")
    return apply(O.Sum(None if dim is None else norm_dims(dim, x.ndim, "sum"), keepdim), x)


def mean(x: TensorLike, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
    x = _tensor(x, "mean")
    if x.array.dtype.kind != "f":
        raise DTypeError(f"mean: needs a floating-point tensor, got {x.array.dtype}; use .float() first")
    return apply(O.Mean(None if dim is None else norm_dims(dim, x.ndim, "mean"), keepdim), x)


def _extreme(cls, x, dim, keepdim):
    x = _tensor(x, cls.name)
    if isinstance(dim, Tensor):        # engine.max(a, b): the elementwise maximum, as in PyTorch
        return maximum(x, dim) if cls is O.Max else minimum(x, dim)
    if x.array.size == 0:
        raise ShapeError(f"{cls.name}: cannot reduce an empty tensor {x.shape}")
    if dim is None:
        return apply(cls(), x)
    return MaxResult(*apply(cls(norm_dim(dim, x.ndim, cls.name), keepdim), x))


def max(x: TensorLike, dim: int | Tensor | None = None, keepdim: bool = False) -> Tensor | MaxResult:
    """The largest value; with ``dim``, a (values, indices) pair as in PyTorch."""
    return _extreme(O.Max, x, dim, keepdim)


def min(x: TensorLike, dim: int | Tensor | None = None, keepdim: bool = False) -> Tensor | MaxResult:
    return _extreme(O.Min, x, dim, keepdim)


def var(x: TensorLike, dim: int | Sequence[int] | None = None, keepdim: bool = False,
        correction: int = 1) -> Tensor:
    x = _tensor(x, "var")
    dims = norm_dims(dim, x.ndim, "var")
    n = int(np.prod([x.shape[d] for d in dims])) if dims else 1
    d = x - mean(x, dims, keepdim=True)
    return sum(d * d, dims, keepdim) * (1.0 / _python_max(n - correction, 1))


def std(x: TensorLike, dim: int | Sequence[int] | None = None, keepdim: bool = False,
        correction: int = 1) -> Tensor:
    return sqrt(var(x, dim, keepdim, correction))


# ---------------------------------------------------------------- shape
def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def reshape(x: TensorLike, *shape: int) -> Tensor:
    x = _tensor(x, "reshape")
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    return apply(O.Reshape(shape), x)


def permute(x: TensorLike, *dims: int) -> Tensor:
    x = _tensor(x, "permute")
    dims = _shape_arg(dims)
    if x.ndim == 0 and not dims:
        return x
    if len(dims) != x.ndim or sorted(d % x.ndim for d in dims) != list(range(x.ndim)):
        raise ShapeError(f"permute: {dims} is not an ordering of the {x.ndim} dims of {x.shape}")
    return apply(O.Permute(tuple(d % x.ndim for d in dims)), x)


def transpose(x: TensorLike, dim0: int, dim1: int) -> Tensor:
    x = _tensor(x, "transpose")
    dims = list(range(x.ndim))
    a, b = norm_dim(dim0, x.ndim, "transpose"), norm_dim(dim1, x.ndim, "transpose")
    dims[a], dims[b] = dims[b], dims[a]
    return apply(O.Permute(tuple(dims)), x)


def flatten(x: TensorLike, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    x = _tensor(x, "flatten")
    if x.ndim == 0:
        return reshape(x, 1)
    s, e = norm_dim(start_dim, x.ndim, "flatten"), norm_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:]
    return reshape(x, shape)


def squeeze(x: TensorLike, dim: int | None = None) -> Tensor:
    x = _tensor(x, "squeeze")
    if dim is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        d = norm_dim(dim, x.ndim, "squeeze")
        shape = x.shape[:d] + x.shape[d + 1:] if x.shape[d] == 1 else x.shape
    return reshape(x, shape)


def unsqueeze(x: TensorLike, dim: int) -> Tensor:
    x = _tensor(x, "unsqueeze")
    d = norm_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def expand(x: TensorLike, *shape: int) -> Tensor:
    shape = _shape_arg(shape)
    lead = len(shape) - x.ndim
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    return apply(O.BroadcastTo(shape), x)


def _raw_index(index):
    if isinstance(index, Tensor):
        return index.array
    if isinstance(index, tuple):
        return tuple(i.array if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def getitem(x: TensorLike, index: Any) -> Tensor:
    x = _tensor(x, "getitem")
    return apply(O.GetItem(_raw_index(index)), x)


def cat(tensors: Sequence[TensorLike], dim: int = 0) -> Tensor:
    tensors = [_tensor(t, "cat") for t in tensors]
    if not tensors:
        raise ArgumentError("cat: needs at least one tensor")
    d = norm_dim(dim, tensors[0].ndim, "cat")
    ref = tensors[0].shape
    for t in tensors[1:]:
        if t.ndim != len(ref) or t.shape[:d] + t.shape[d + 1:] != ref[:d] + ref[d + 1:]:
            raise ShapeError(f"cat: shapes {[t.shape for t in tensors]} differ outside dim {dim}")
    return apply(O.Cat(d), *tensors)


def stack(tensors: Sequence[TensorLike], dim: int = 0) -> Tensor:
    tensors = [_tensor(t, "stack") for t in tensors]
    if not tensors:
        raise ArgumentError("stack: needs at least one tensor")
    if len({t.shape for t in tensors}) != 1:
        raise ShapeError(f"stack: all tensors need the same shape, got {[t.shape for t in tensors]}")
    return apply(O.Stack(norm_dim(dim, tensors[0].ndim + 1, "stack")), *tensors)


def split(x: TensorLike, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of ``x`` along ``dim``: of size ``split_size`` each (the last may be smaller), or of
    the listed sizes, which must add up to the dimension."""
    x = _tensor(x, "split")
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


def pad(x: TensorLike, pad: Sequence[int], value: float = 0.0) -> Tensor:
    """PyTorch's convention: ``pad`` lists (before, after) pairs starting from the last dim."""
    x = _tensor(x, "pad")
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
def matmul(a: TensorLike, b: TensorLike) -> Tensor:
    a, b = _operands(a, b)
    _same_dtype("matmul", "first second", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: both operands need at least 1 dimension, got {a.shape} and {b.shape}")
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != k_b:
        raise ShapeError(f"matmul: cannot multiply {a.shape} by {b.shape}: {a.shape[-1]} columns "
                         f"against {k_b} rows")
    return apply(O.MatMul(), a, b)


def linear(x: TensorLike, weight: TensorLike, bias: TensorLike | None = None) -> Tensor:
    """x @ weightᵀ + bias, for x (..., in_features), weight (out_features, in_features)."""
    if not isinstance(x, Tensor):
        x = _tensor(x, "linear")
    if not isinstance(weight, Tensor):
        weight = _tensor(weight, "linear")
    dt = x.array.dtype
    if weight.array.dtype != dt or (bias is not None and bias.array.dtype != dt):
        _same_dtype("linear", "input weight bias", x, weight, bias)
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
        return same_padding(kernel, dilation, stride, "conv2d")
    return pair(padding, "padding", "conv2d")


def conv2d(x: TensorLike, weight: TensorLike, bias: TensorLike | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] | str = 0,
           dilation: int | tuple[int, int] = 1) -> Tensor:
    """2-D cross-correlation of x (N, C, H, W) with weight (O, C, kH, kW); padding may be an int,
    a pair, 'valid' or 'same'."""
    x, weight = _tensor(x, "conv2d"), _tensor(weight, "conv2d")
    _same_dtype("conv2d", "input weight bias", x, weight, bias)
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


def max_pool2d(x: TensorLike, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None, padding: int | tuple[int, int] | str = 0,
               dilation: int | tuple[int, int] = 1) -> Tensor:
    k, s, p = _pool_args("max_pool2d", kernel_size, stride, padding)
    return apply(O.MaxPool2d(k, s, p, pair(dilation, "dilation", "max_pool2d")), _tensor(x, "max_pool2d"))


def avg_pool2d(x: TensorLike, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None, padding: int | tuple[int, int] | str = 0,
               count_include_pad: bool = True) -> Tensor:
    k, s, p = _pool_args("avg_pool2d", kernel_size, stride, padding)
    return apply(O.AvgPool2d(k, s, p, count_include_pad), _tensor(x, "avg_pool2d"))


def adaptive_avg_pool2d(x: TensorLike, output_size: int | tuple[int, int]) -> Tensor:
    x = _tensor(x, "adaptive_avg_pool2d")
    out = pair(output_size, "output_size", "adaptive_avg_pool2d")
    if x.ndim == 4 and out == (1, 1):
        return mean(x, (2, 3), keepdim=True)
    return apply(O.AdaptiveAvgPool2d(out), x)


def global_avg_pool2d(x: TensorLike) -> Tensor:
    """Mean over H and W: (N, C, H, W) → (N, C), Keras' GlobalAveragePooling2D."""
    x = _tensor(x, "global_avg_pool2d")
    if x.ndim != 4:
        raise ShapeError(f"global_avg_pool2d: expects an N×C×H×W input, got {x.shape}")
    return mean(x, (2, 3))


# ---------------------------------------------------------------- regularization and normalization
def dropout(x: TensorLike, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator: Generator | None = None) -> Tensor:
    """Inverted dropout; identity when not training or p == 0."""
    x = _tensor(x, "dropout")
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return _maybe_inplace(x, inplace, "dropout", lambda t: t * 0.0)
    return _maybe_inplace(x, inplace, "dropout", lambda t: apply(O.Dropout(p, generator or default_generator()), t))


def _raw(t):
    return t.array if isinstance(t, Tensor) else t


def batch_norm(x: TensorLike, running_mean: TensorLike, running_var: TensorLike,
               weight: TensorLike | None = None, bias: TensorLike | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-05) -> Tensor:
    x = _tensor(x, "batch_norm")
    _same_dtype("batch_norm", "input weight bias", x, weight, bias)
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


def layer_norm(x: TensorLike, normalized_shape: int | Sequence[int], weight: TensorLike | None = None,
               bias: TensorLike | None = None, eps: float = 1e-05) -> Tensor:
    x = _tensor(x, "layer_norm")
    _same_dtype("layer_norm", "input weight bias", x, weight, bias)
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    if weight is None and bias is not None:
        raise ArgumentError("layer_norm: a bias without a weight is not supported")
    args = [x] + [t for t in (weight, bias) if t is not None]
    return apply(O.LayerNorm(normalized_shape, eps), *args)


def embedding(indices: TensorLike, weight: TensorLike, padding_idx: int | None = None) -> Tensor:
    return apply(O.Embedding(padding_idx), _tensor(indices), weight)


# ---------------------------------------------------------------- recurrent sequences (batch-first)
def rnn_sequence(x: TensorLike, h0: TensorLike, w_ih: TensorLike, w_hh: TensorLike,
                 b_ih: TensorLike | None = None, b_hh: TensorLike | None = None,
                 nonlinearity: str = "tanh") -> tuple[Tensor, Tensor]:
    """One recurrent layer over x (N, T, I): returns (outputs (N, T, H), last state (N, H))."""
    x = _tensor(x, "rnn")
    _same_dtype("rnn", "input h0 w_ih w_hh", x, h0, w_ih, w_hh)
    args = [x, h0, w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None else [])
    return apply(O.RNNSeq(nonlinearity), *args)


def lstm_sequence(x: TensorLike, h0: TensorLike, c0: TensorLike, w_ih: TensorLike, w_hh: TensorLike,
                  b_ih: TensorLike | None = None,
                  b_hh: TensorLike | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """One LSTM layer over x (N, T, I): returns (outputs, last hidden state, last cell state)."""
    x = _tensor(x, "lstm")
    _same_dtype("lstm", "input h0 w_ih w_hh", x, h0, w_ih, w_hh)
    args = [x, h0, c0, w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None else [])
    return apply(O.LSTMSeq(), *args)


def gru_sequence(x: TensorLike, h0: TensorLike, w_ih: TensorLike, w_hh: TensorLike,
                 b_ih: TensorLike | None = None, b_hh: TensorLike | None = None) -> tuple[Tensor, Tensor]:
    x = _tensor(x, "gru")
    _same_dtype("gru", "input h0 w_ih w_hh", x, h0, w_ih, w_hh)
    args = [x, h0, w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None else [])
    return apply(O.GRUSeq(), *args)


# ---------------------------------------------------------------- losses
def _loss(op, x, target):
    if not isinstance(x, Tensor):
        x = _tensor(x, op.name)
    return apply(op, x, _const(target, x) if not isinstance(target, Tensor) else target)


def mse_loss(input: TensorLike, target: TensorLike, reduction: str = "mean") -> Tensor:
    return _loss(O.MSELoss(reduction), input, target)
def msle_loss(input: TensorLike, target: TensorLike, reduction: str = "mean") -> Tensor:
    return _loss(O.MSLELoss(reduction), input, target)
def l1_loss(input: TensorLike, target: TensorLike, reduction: str = "mean") -> Tensor:
    return _loss(O.L1Loss(reduction), input, target)
def huber_loss(input: TensorLike, target: TensorLike, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    return _loss(O.HuberLoss(reduction, delta), input, target)


def smooth_l1_loss(input: TensorLike, target: TensorLike, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """PyTorch's smooth L1: the Huber loss divided by ``beta`` (the L1 loss when beta is 0)."""
    if beta == 0:
        return l1_loss(input, target, reduction)
    if not beta > 0:
        raise ArgumentError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    return huber_loss(input, target, reduction, beta) * (1.0 / beta)
def hinge_loss(input: TensorLike, target: TensorLike, reduction: str = "mean") -> Tensor:
    return _loss(O.HingeLoss(reduction), input, target)
def squared_hinge_loss(input: TensorLike, target: TensorLike, reduction: str = "mean") -> Tensor:
    return _loss(O.SquaredHingeLoss(reduction), input, target)


def binary_cross_entropy(input: TensorLike, target: TensorLike, reduction: str = "mean") -> Tensor:
    return _loss(O.BCELoss(reduction), input, target)


def binary_cross_entropy_with_logits(input: TensorLike, target: TensorLike, reduction: str = "mean",
                                     pos_weight: TensorLike | None = None) -> Tensor:
    return _loss(O.BCEWithLogitsLoss(reduction, _raw(pos_weight)), input, target)


def cross_entropy(input: TensorLike, target: TensorLike, weight: TensorLike | None = None,
                  ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """From logits (N, C[, d…]); target: integer labels (sparse categorical cross-entropy) or class
    probabilities of the input's shape."""
    return _loss(O.CrossEntropyLoss(_raw(weight), ignore_index, reduction), input, _tensor(target))


def nll_loss(input: TensorLike, target: TensorLike, weight: TensorLike | None = None,
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    return _loss(O.NLLLoss(_raw(weight), ignore_index, reduction), input, _tensor(target))


def categorical_cross_entropy(input: TensorLike, target: TensorLike, from_logits: bool = False,
                              reduction: str = "mean", eps: float = 1e-07) -> Tensor:
    """Keras' categorical cross-entropy: predicted probabilities (or logits) with one-hot or
    probability targets, class axis last."""
    if from_logits:
        if input.ndim > 2:
            input, target = movedim_last_to_1(input), movedim_last_to_1(_const(target, input))
        return cross_entropy(input, _const(target, input), reduction=reduction)
    return _loss(O.CategoricalCrossEntropy(eps, reduction), input, target)


def movedim_last_to_1(x: TensorLike) -> Tensor:
    return permute(x, 0, x.ndim - 1, *range(1, x.ndim - 1))


def kl_div(input: TensorLike, target: TensorLike, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    return _loss(O.KLDivLoss(reduction, log_target), input, target)


# Keras / lesson names
mae_loss = l1_loss
sparse_categorical_cross_entropy = cross_entropy
