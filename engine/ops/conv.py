"""2-D convolution (cross-correlation, as in every framework) on NCHW arrays.

Forward: a strided window view of the padded input (no copy), contracted with the kernel by one
BLAS-backed einsum. Backward to the input: for stride 1 a single correlation of the padded output
gradient with the flipped kernel; for larger strides a scatter over the kernel positions.
"""
from ..backend import get_array_module
from ..errors import ShapeError
from ._util import as_strided, einsum2
from .base import Op


def out_size(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def windows(x, kh, kw, sh, sw, dh, dw, ho, wo):
    """(N, C, Ho, Wo, kh, kw) view of the (already padded) NCHW array ``x``."""
    s0, s1, s2, s3 = x.strides
    return as_strided(x, (x.shape[0], x.shape[1], ho, wo, kh, kw),
                      (s0, s1, s2 * sh, s3 * sw, s2 * dh, s3 * dw))


def pad2d(x, ph, pw, value=0.0):
    if ph == 0 and pw == 0:
        return x
    xp = get_array_module(x)
    return xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode="constant", constant_values=value)


class Conv2d(Op):
    name = "conv2d"

    def __init__(self, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        self.stride, self.padding, self.dilation = stride, padding, dilation

    def forward(self, x, w, b=None):
        if x.ndim != 4 or w.ndim != 4:
            raise ShapeError(f"conv2d: expects input N×C×H×W and weight O×C×kH×kW, got input "
                             f"{tuple(x.shape)} and weight {tuple(w.shape)}")
        n, c, h, wd = x.shape
        o, cw, kh, kw = w.shape
        if c != cw:
            raise ShapeError(f"conv2d: input has {c} channels {tuple(x.shape)} but the weight "
                             f"{tuple(w.shape)} expects {cw}")
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        ho, wo = out_size(h, kh, sh, ph, dh), out_size(wd, kw, sw, pw, dw)
        if ho <= 0 or wo <= 0:
            raise ShapeError(f"conv2d: a {kh}×{kw} kernel (dilation {dh},{dw}, padding {ph},{pw}) "
                             f"does not fit the {h}×{wd} input {tuple(x.shape)}")
        xpad = pad2d(x, ph, pw)
        win = windows(xpad, kh, kw, sh, sw, dh, dw, ho, wo)
        y = einsum2("nchwij,ocij->nohw", win, w)
        xp = get_array_module(x)
        y = xp.ascontiguousarray(y)
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        self.win = win if self.needs[1] else None
        self.w = w if self.needs[0] else None
        self.xshape, self.dtype = x.shape, x.dtype
        return y

    def backward(self, gy):
        n = self.needs
        gx = gw = gb = None
        if n[1]:
            gw = einsum2("nchwij,nohw->ocij", self.win, gy)
        if len(n) > 2 and n[2]:
            gb = gy.sum(axis=(0, 2, 3))
        if n[0]:
            gx = self._grad_input(gy)
        return gx, gw, gb

    def _grad_input(self, gy):
        xp = get_array_module(gy)
        w = self.w
        N, C, H, W = self.xshape
        _, _, kh, kw = w.shape
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        ho, wo = gy.shape[2], gy.shape[3]
        if sh == 1 and sw == 1:
            # Full correlation of the output gradient with the flipped kernel.
            qh, qw = dh * (kh - 1) - ph, dw * (kw - 1) - pw
            g = pad2d(gy, max(qh, 0), max(qw, 0))
            if qh < 0 or qw < 0:
                g = g[:, :, max(-qh, 0):g.shape[2] - max(-qh, 0), max(-qw, 0):g.shape[3] - max(-qw, 0)]
            win = windows(g, kh, kw, 1, 1, dh, dw, H, W)
            return xp.ascontiguousarray(einsum2("nohwij,ocij->nchw", win, w[:, :, ::-1, ::-1]))
        hp, wp = H + 2 * ph, W + 2 * pw
        gxp = xp.zeros((N, C, hp, wp), dtype=gy.dtype)
        for i in range(kh):
            for j in range(kw):
                part = einsum2("nohw,oc->nchw", gy, w[:, :, i, j])
                gxp[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh, j * dw:j * dw + sw * (wo - 1) + 1:sw] += part
        return gxp[:, :, ph:ph + H, pw:pw + W]
