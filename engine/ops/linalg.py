"""Matrix products: batched matmul with broadcasting, and the fused affine map of a Dense layer."""
from ..backend import get_array_module
from .util import sum_to
from .base import Op


class MatMul(Op):
    name = "matmul"

    def forward(self, a, b):
        self.a, self.b = a, b
        return get_array_module(a).matmul(a, b)

    def backward(self, gy):
        xp = get_array_module(gy)
        a, b = self.a, self.b
        a2 = a if a.ndim > 1 else a[None, :]
        b2 = b if b.ndim > 1 else b[:, None]
        g = gy
        if b.ndim == 1:
            g = xp.expand_dims(g, -1)
        if a.ndim == 1:
            g = xp.expand_dims(g, -2)
        ga = gb = None
        if self.needs[0]:
            ga = sum_to(xp.matmul(g, xp.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if self.needs[1]:
            gb = sum_to(xp.matmul(xp.swapaxes(a2, -1, -2), g), b2.shape).reshape(b.shape)
        return ga, gb


class Linear(Op):
    """y = x @ Wᵀ + b for x of shape (..., in), W (out, in), b (out,) or absent."""
    name = "linear"

    def forward(self, x, w, b=None):
        xp = get_array_module(x)
        self.x = x if self.needs[1] else None
        self.w = w if self.needs[0] else None
        y = xp.matmul(x, w.T)
        if b is not None:
            y += b
        return y

    def backward(self, gy):
        xp = get_array_module(gy)
        n = self.needs
        gx = xp.matmul(gy, self.w) if n[0] else None
        gw = gb = None
        if n[1] or (len(n) > 2 and n[2]):
            g2 = gy.reshape(-1, gy.shape[-1])
            if n[1]:
                x2 = self.x.reshape(-1, self.x.shape[-1])
                gw = xp.matmul(g2.T, x2)
            if len(n) > 2 and n[2]:
                gb = g2.sum(axis=0)
        return gx, gw, gb
