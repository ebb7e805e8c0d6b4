"""Pooling over NCHW arrays as a max/sum over the kernel's strided slices.

numpy reductions over small strided inner axes are very slow; combining the kh·kw strided slices
with elementwise maximum/add is over ten times faster at these sizes.
"""
from ..backend import get_array_module
from ..errors import ShapeError
from ..parallel import over_halves
from .base import Op
from .conv import out_size, pad2d


class _Pool2d(Op):
    def __init__(self, kernel_size, stride, padding=(0, 0), dilation=(1, 1)):
        self.k, self.s, self.p, self.d = kernel_size, stride, padding, dilation

    def _geometry(self, x):
        if x.ndim != 4:
            raise ShapeError(f"{self.name}: expects an N×C×H×W input, got {tuple(x.shape)}")
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = self.k, self.s, self.p, self.d
        if ph > kh // 2 or pw > kw // 2:
            raise ShapeError(f"{self.name}: padding {self.p} must be at most half the kernel {self.k}")
        ho, wo = out_size(x.shape[2], kh, sh, ph, dh), out_size(x.shape[3], kw, sw, pw, dw)
        if ho <= 0 or wo <= 0:
            raise ShapeError(f"{self.name}: a {kh}×{kw} window does not fit the input {tuple(x.shape)}")
        self.ho, self.wo = ho, wo
        self.slices = [(slice(None), slice(None),
                        slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
                        slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))
                       for i in range(kh) for j in range(kw)]


class MaxPool2d(_Pool2d):
    name = "max_pool2d"

    def forward(self, x):
        self._geometry(x)
        xp = get_array_module(x)
        ph, pw = self.p
        xpad = pad2d(x, ph, pw, value=-float("inf"))
        first, rest = self.slices[0], self.slices[1:]
        y = xp.empty(xpad[first].shape, dtype=xpad.dtype)

        def part(lo, hi):
            xs, ys = xpad[lo:hi], y[lo:hi]
            if not rest:
                ys[...] = xs[first]
                return
            xp.maximum(xs[first], xs[rest[0]], out=ys)
            for sl in rest[1:]:
                xp.maximum(ys, xs[sl], out=ys)
        over_halves(part, len(y), xpad.size, xp)
        self.xpad, self.y, self.xshape = xpad, y, x.shape
        return y

    def backward(self, gy):
        xp = get_array_module(gy)
        xpad, y = self.xpad, self.y
        (kh, kw), (sh, sw), (dh, dw) = self.k, self.s, self.d
        disjoint = sh > (kh - 1) * dh and sw > (kw - 1) * dw
        # windows that tile the input exactly write every element below: no zeroing pass
        tiled = disjoint and (sh, sw) == (kh, kw) and (dh, dw) == (1, 1) \
            and xpad.shape[2:] == (self.ho * kh, self.wo * kw)
        gx = xp.empty(xpad.shape, dtype=gy.dtype)
        last = len(self.slices) - 1

        def part(lo, hi):
            xs, ys, gys, gxs = xpad[lo:hi], y[lo:hi], gy[lo:hi], gx[lo:hi]
            if not tiled:
                gxs[...] = 0
            taken = None   # the first maximum in each window gets the gradient, as in PyTorch
            for k, sl in enumerate(self.slices):
                hit = xs[sl] == ys
                if taken is None:
                    taken = hit
                else:
                    hit = hit > taken          # on booleans: hit and not taken
                    if k < last:
                        taken |= hit
                if disjoint:
                    xp.multiply(gys, hit, out=gxs[sl])
                else:
                    gxs[sl] += gys * hit
        over_halves(part, len(gx), gx.size, xp)
        ph, pw = self.p
        return (gx[:, :, ph:ph + self.xshape[2], pw:pw + self.xshape[3]],)


class AvgPool2d(_Pool2d):
    name = "avg_pool2d"

    def __init__(self, kernel_size, stride, padding=(0, 0), count_include_pad=True):
        super().__init__(kernel_size, stride, padding)
        self.count_include_pad = count_include_pad

    def forward(self, x):
        self._geometry(x)
        xp = get_array_module(x)
        ph, pw = self.p
        xpad = pad2d(x, ph, pw)
        y = xpad[self.slices[0]].copy()
        for sl in self.slices[1:]:
            y += xpad[sl]
        if self.count_include_pad or (ph == 0 and pw == 0):
            self.div = float(len(self.slices))
        else:
            ones = pad2d(xp.ones((1, 1) + x.shape[2:], dtype=x.dtype), ph, pw)
            cnt = ones[self.slices[0]].copy()
            for sl in self.slices[1:]:
                cnt += ones[sl]
            self.div = cnt
        y /= self.div
        self.padshape, self.xshape = xpad.shape, x.shape
        return y

    def backward(self, gy):
        xp = get_array_module(gy)
        g = gy / self.div
        gx = xp.zeros(self.padshape, dtype=gy.dtype)
        for sl in self.slices:
            gx[sl] += g
        ph, pw = self.p
        return (gx[:, :, ph:ph + self.xshape[2], pw:pw + self.xshape[3]],)


class AdaptiveAvgPool2d(Op):
    """PyTorch's bins: cell i covers [floor(i·H/out), ceil((i+1)·H/out))."""
    name = "adaptive_avg_pool2d"

    def __init__(self, output_size):
        self.out = output_size

    def forward(self, x):
        if x.ndim != 4:
            raise ShapeError(f"{self.name}: expects an N×C×H×W input, got {tuple(x.shape)}")
        xp = get_array_module(x)
        (oh, ow), (h, w) = self.out, x.shape[2:]
        rows = [(i * h // oh, -(-(i + 1) * h // oh)) for i in range(oh)]
        cols = [(j * w // ow, -(-(j + 1) * w // ow)) for j in range(ow)]
        self.cells, self.xshape, self.dtype = (rows, cols), x.shape, x.dtype
        y = xp.empty(x.shape[:2] + (oh, ow), dtype=x.dtype)
        for i, (r0, r1) in enumerate(rows):
            for j, (c0, c1) in enumerate(cols):
                y[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
        return y

    def backward(self, gy):
        xp = get_array_module(gy)
        rows, cols = self.cells
        gx = xp.zeros(self.xshape, dtype=gy.dtype)
        for i, (r0, r1) in enumerate(rows):
            for j, (c0, c1) in enumerate(cols):
                gx[:, :, r0:r1, c0:c1] += (gy[:, :, i, j] / ((r1 - r0) * (c1 - c0)))[:, :, None, None]
        return (gx,)
