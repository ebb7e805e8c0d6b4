"""Batch and layer normalization."""
from ..backend import get_array_module
from ..errors import ShapeError
from .base import Op


def _affine_backward(gy, xhat, axes, n, w):
    """Gradients of y = xhat·w + b for w and b, and the gradient reaching xhat."""
    gw = (gy * xhat).sum(axis=axes) if len(n) > 1 and n[1] else None
    gb = gy.sum(axis=axes) if len(n) > 2 and n[2] else None
    gxhat = gy * w if w is not None else gy
    return gxhat, gw, gb


class BatchNorm(Op):
    """Normalizes over every axis but the channel axis 1. ``running_mean``/``running_var`` are
    updated in place in training mode (momentum as PyTorch: new = (1-m)·old + m·batch; the
    running variance uses the unbiased batch variance)."""
    name = "batch_norm"

    def __init__(self, running_mean=None, running_var=None, training=True, momentum=0.1, eps=1e-5):
        self.rm, self.rv = running_mean, running_var
        self.training, self.momentum, self.eps = training, momentum, eps

    def forward(self, x, w=None, b=None):
        xp = get_array_module(x)
        if x.ndim < 2:
            raise ShapeError(f"batch_norm: expects an input N×C[×…], got {tuple(x.shape)}")
        axes = (0,) + tuple(range(2, x.ndim))
        bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        m = x.size // x.shape[1]
        if w is not None and w.shape != (x.shape[1],):
            raise ShapeError(f"batch_norm: weight {tuple(w.shape)} does not match {x.shape[1]} channels")
        if self.training:
            if m < 2:
                raise ShapeError(f"batch_norm: training needs more than one value per channel, "
                                 f"got input {tuple(x.shape)}")
            mean = x.mean(axis=axes)
            xc = x - mean.reshape(bshape)
            var = (xc * xc).mean(axis=axes)
            if self.rm is not None:
                mo = self.momentum
                self.rm *= 1.0 - mo
                self.rm += mo * mean
                self.rv *= 1.0 - mo
                self.rv += (mo * m / (m - 1)) * var
        else:
            xc = x - self.rm.reshape(bshape)
            var = self.rv
        inv = (1.0 / xp.sqrt(var + self.eps)).astype(x.dtype, copy=False).reshape(bshape)
        xhat = xc * inv
        self.xhat, self.inv, self.axes, self.m = xhat, inv, axes, m
        self.w = w.reshape(bshape) if w is not None else None
        y = xhat * self.w if w is not None else xhat
        if b is not None:
            y = y + b.reshape(bshape)
        return y

    def backward(self, gy):
        n, xhat, axes = self.needs, self.xhat, self.axes
        gxhat, gw, gb = _affine_backward(gy, xhat, axes, n, self.w)
        gx = None
        if n[0]:
            if self.training:
                gx = self.inv * (gxhat - gxhat.mean(axis=axes, keepdims=True)
                                 - xhat * (gxhat * xhat).mean(axis=axes, keepdims=True))
            else:
                gx = gxhat * self.inv
        return gx, gw, gb


class LayerNorm(Op):
    """Normalizes over the last ``ndim`` axes, with elementwise affine of that shape."""
    name = "layer_norm"

    def __init__(self, normalized_shape, eps=1e-5):
        self.normalized_shape, self.eps = tuple(normalized_shape), eps

    def forward(self, x, w=None, b=None):
        xp = get_array_module(x)
        k = len(self.normalized_shape)
        if tuple(x.shape[x.ndim - k:]) != self.normalized_shape:
            raise ShapeError(f"layer_norm: input {tuple(x.shape)} does not end with the normalized "
                             f"shape {self.normalized_shape}")
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        xc = x - mean
        var = (xc * xc).mean(axis=axes, keepdims=True)
        self.inv = 1.0 / xp.sqrt(var + self.eps)
        self.xhat = xhat = xc * self.inv
        self.axes, self.lead = axes, tuple(range(x.ndim - k))
        self.w = w
        y = xhat * w if w is not None else xhat
        if b is not None:
            y = y + b
        return y

    def backward(self, gy):
        n, xhat = self.needs, self.xhat
        gxhat, gw, gb = _affine_backward(gy, xhat, self.lead, n, self.w)
        gx = None
        if n[0]:
            a = self.axes
            gx = self.inv * (gxhat - gxhat.mean(axis=a, keepdims=True)
                             - xhat * (gxhat * xhat).mean(axis=a, keepdims=True))
        return gx, gw, gb
