"""Reductions: sum, mean, max, min over some or all dimensions."""
from ..backend import get_array_module
from .base import Op


def _keep(gy, dims, keepdim):
    """Put back the reduced axes of ``gy`` (size 1) so it broadcasts against the input."""
    if keepdim or dims is None:
        return gy
    xp = get_array_module(gy)
    return xp.expand_dims(gy, dims)


class Sum(Op):
    name = "sum"

    def __init__(self, dims=None, keepdim=False):
        self.dims, self.keepdim = dims, keepdim   # dims: sorted tuple or None

    def forward(self, a):
        self.shape = a.shape
        return a.sum(axis=self.dims, keepdims=self.keepdim)

    def backward(self, gy):
        xp = get_array_module(gy)
        return (xp.broadcast_to(_keep(gy, self.dims, self.keepdim), self.shape),)


class Mean(Sum):
    name = "mean"

    def forward(self, a):
        self.shape = a.shape
        dims = self.dims if self.dims is not None else range(a.ndim)
        self.count = 1
        for d in dims:
            self.count *= a.shape[d]
        return a.mean(axis=self.dims, keepdims=self.keepdim)

    def backward(self, gy):
        xp = get_array_module(gy)
        g = _keep(gy, self.dims, self.keepdim) * (1.0 / max(self.count, 1))
        return (xp.broadcast_to(g, self.shape),)


class Max(Op):
    """Over all elements: ties share the gradient evenly. Along ``dim``: the gradient goes to the
    index returned (the first maximum), as in PyTorch. Outputs (values, indices) when dim is set."""
    name = "max"
    largest = True

    def __init__(self, dim=None, keepdim=False):
        self.dim, self.keepdim = dim, keepdim
        self.n_outputs = 1 if dim is None else 2

    def forward(self, a):
        xp = get_array_module(a)
        self.a = a
        if self.dim is None:
            self.y = a.max() if self.largest else a.min()
            return xp.asarray(self.y)
        arg = a.argmax(axis=self.dim) if self.largest else a.argmin(axis=self.dim)
        idx = xp.expand_dims(arg, self.dim)
        self.idx = idx
        y = xp.take_along_axis(a, idx, axis=self.dim)
        if not self.keepdim:
            y, idx = y.squeeze(self.dim), arg
        return y, idx

    def backward(self, gy, gidx=None):
        xp = get_array_module(gy)
        a = self.a
        if self.dim is None:
            mask = a == self.y
            return (mask * (gy / mask.sum()),)
        g = gy if self.keepdim else xp.expand_dims(gy, self.dim)
        shape = [1] * a.ndim
        shape[self.dim] = a.shape[self.dim]
        hit = xp.arange(a.shape[self.dim]).reshape(shape) == self.idx
        return (xp.where(hit, g, 0).astype(a.dtype, copy=False),)


class Min(Max):
    name = "min"
    largest = False
