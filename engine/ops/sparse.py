"""Ops with a random or integer-indexed side: dropout and embedding lookup."""
import numpy as np

from ..backend import get_array_module
from ..errors import DTypeError, ShapeError
from ..grad_mode import validating
from .base import Op


class Dropout(Op):
    """Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p),
    so evaluation needs no rescaling. The mask comes from the given engine Generator, always from
    float32 draws: the same seed gives the same mask whatever the tensor's precision (the chain
    rule panel replays a float32 step in float64)."""
    name = "dropout"

    def __init__(self, p, generator):
        self.p, self.generator = float(p), generator

    def forward(self, x):
        xp = get_array_module(x)
        keep = self.generator.random(x.shape, np.float32, xp) >= self.p
        self.mask = keep * (1.0 / (1.0 - self.p))
        self.mask = self.mask.astype(x.dtype, copy=False)
        return x * self.mask

    def backward(self, gy):
        return (gy * self.mask,)


class Embedding(Op):
    """Rows of ``weight`` picked by integer ``indices``; the gradient is scattered back with add.at.
    Rows at ``padding_idx`` get no gradient (as in PyTorch)."""
    name = "embedding"

    def __init__(self, padding_idx=None):
        self.padding_idx = padding_idx

    def forward(self, idx, w):
        if idx.dtype.kind not in "iu":
            raise DTypeError(f"embedding: indices must be integers, got {idx.dtype}")
        if idx.size and validating(idx):
            lo, hi = int(idx.min()), int(idx.max())
            if lo < 0 or hi >= w.shape[0]:
                bad = lo if lo < 0 else hi
                raise ShapeError(f"embedding: index {bad} is out of range for {w.shape[0]} embeddings")
        self.idx, self.wshape, self.dtype = idx, w.shape, w.dtype
        return w[idx]

    def backward(self, gy):
        xp = get_array_module(gy)
        gw = xp.zeros(self.wshape, dtype=self.dtype)
        xp.add.at(gw, self.idx.reshape(-1), gy.reshape(-1, self.wshape[1]))
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return None, gw
