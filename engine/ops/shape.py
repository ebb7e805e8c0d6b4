"""Ops that move elements without arithmetic: reshape, transpose, indexing, cat/stack/split, pad."""
from ..backend import get_array_module
from .base import Op
from .util import sum_to


class Reshape(Op):
    name = "reshape"

    def __init__(self, shape):
        self.shape = shape

    def forward(self, a):
        self.in_shape = a.shape
        return a.reshape(self.shape)

    def backward(self, gy):
        return (gy.reshape(self.in_shape),)


class Permute(Op):
    name = "permute"

    def __init__(self, dims):
        self.dims = tuple(dims)
        inv = [0] * len(dims)
        for i, d in enumerate(dims):
            inv[d] = i
        self.inv = tuple(inv)

    def forward(self, a):
        return a.transpose(self.dims)

    def backward(self, gy):
        return (gy.transpose(self.inv),)


class BroadcastTo(Op):
    name = "expand"

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, a):
        self.in_shape = a.shape
        return get_array_module(a).broadcast_to(a, self.shape)

    def backward(self, gy):
        return (sum_to(gy, self.in_shape),)


def _is_basic(index):
    """True when ``index`` selects by slices/ints only, so each element is picked at most once."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in items)


class GetItem(Op):
    name = "getitem"

    def __init__(self, index):
        self.index = index

    def forward(self, a):
        self.shape, self.dtype = a.shape, a.dtype
        return a[self.index]

    def backward(self, gy):
        xp = get_array_module(gy)
        g = xp.zeros(self.shape, dtype=self.dtype)
        if _is_basic(self.index):
            g[self.index] = gy
        else:
            xp.add.at(g, self.index, gy)
        return (g,)


class Cat(Op):
    name = "cat"

    def __init__(self, dim=0):
        self.dim = dim

    def forward(self, *xs):
        self.sizes = [x.shape[self.dim] for x in xs]
        return get_array_module(*xs).concatenate(xs, axis=self.dim)

    def backward(self, gy):
        out, start = [], 0
        lead = (slice(None),) * self.dim
        for size, need in zip(self.sizes, self.needs):
            out.append(gy[lead + (slice(start, start + size),)] if need else None)
            start += size
        return tuple(out)


class Stack(Op):
    name = "stack"

    def __init__(self, dim=0):
        self.dim = dim

    def forward(self, *xs):
        return get_array_module(*xs).stack(xs, axis=self.dim)

    def backward(self, gy):
        lead = (slice(None),) * self.dim
        return tuple(gy[lead + (i,)] if need else None for i, need in enumerate(self.needs))


class Split(Op):
    """Outputs one array per section; sections given as sizes along ``dim``."""
    name = "split"

    def __init__(self, sizes, dim=0):
        self.sizes, self.dim = list(sizes), dim
        self.n_outputs = len(self.sizes)

    def forward(self, a):
        self.shape, self.dtype = a.shape, a.dtype
        out, start = [], 0
        lead = (slice(None),) * self.dim
        for s in self.sizes:
            out.append(a[lead + (slice(start, start + s),)])
            start += s
        return tuple(out)

    def backward(self, *gys):
        xp = get_array_module(*[g for g in gys if g is not None])
        parts = []
        for s, g in zip(self.sizes, gys):
            if g is None:
                shape = list(self.shape)
                shape[self.dim] = s
                g = xp.zeros(shape, dtype=self.dtype)
            parts.append(g)
        return (xp.concatenate(parts, axis=self.dim),)


class Pad(Op):
    """Constant padding; ``widths`` is numpy's ((before, after), ...) per axis."""
    name = "pad"

    def __init__(self, widths, value=0.0):
        self.widths, self.value = widths, value

    def forward(self, a):
        xp = get_array_module(a)
        self.crop = tuple(slice(b, a.shape[i] + b) for i, (b, _) in enumerate(self.widths))
        return xp.pad(a, self.widths, mode="constant", constant_values=self.value)

    def backward(self, gy):
        return (gy[self.crop],)
