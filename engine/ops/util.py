"""Small helpers used by many ops."""
import numpy as np

from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError


def sum_to(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, so it gets ``shape``.

    The one place where broadcasting is undone (Chainer's ``sum_to``)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def norm_dim(dim, ndim, op):
    """A dimension index in range(ndim) from a possibly negative one, or a ShapeError."""
    if not -ndim <= dim < max(ndim, 1):
        raise ShapeError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dimension(s)")
    return dim % ndim if ndim else 0


def norm_dims(dim, ndim, op):
    """A sorted tuple of non-negative dims (None → all)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        dim = (dim,)
    dims = tuple(sorted(norm_dim(d, ndim, op) for d in dim))
    if len(set(dims)) != len(dims):
        raise ShapeError(f"{op}: dim {tuple(dim)} names an axis twice")
    return dims


def pair(v, name, op):
    """(a, b) from an int, a 1-sequence (the same for both) or a 2-sequence of ints: kernel
    sizes, strides, paddings and dilations of 2-D layers, in the engine and in the graph."""
    if isinstance(v, (list, tuple)) and len(v) == 1:
        v = v[0]
    if isinstance(v, (int, np.integer)):
        v = (int(v), int(v))
    try:
        a, b = (int(u) for u in v)
    except Exception:
        raise ShapeError(f"{op}: {name} must be an int or a pair of ints, got {v!r}") from None
    return a, b


def conv_out_size(size, k, s, p, d):
    """Output length of a convolution or pooling window along one axis."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def same_padding(kernel, dilation, stride, op):
    """The padding that keeps a stride-1 convolution's output the size of its input."""
    if tuple(stride) != (1, 1):
        raise ArgumentError(f"{op}: padding 'same' needs stride 1, got {tuple(stride)}")
    eff = [d * (k - 1) for k, d in zip(kernel, dilation)]
    if any(e % 2 for e in eff):
        raise ArgumentError(f"{op}: padding 'same' needs an odd (effective) kernel size, got {tuple(kernel)}")
    return (eff[0] // 2, eff[1] // 2)


def as_strided(x, shape, strides):
    xp = get_array_module(x)
    if xp is np:
        return np.lib.stride_tricks.as_strided(x, shape=shape, strides=strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)


def erf(xp, x):
    """erf(x) to ~1.2e-7 relative error (Numerical Recipes' erfc Chebyshev fit); numpy has no erf."""
    z = xp.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277))))))))
    erfc = t * xp.exp(-z * z + poly)
    return xp.where(x >= 0, 1.0 - erfc, erfc - 1.0)
