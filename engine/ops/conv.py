"""2-D convolution (cross-correlation, as in every framework) on NCHW arrays.

Forward: a strided window view of the padded input, copied once into im2col columns and
multiplied by the kernel in one batched GEMM. Backward: the weight gradient reuses the columns;
the input gradient multiplies back to columns and adds them onto the input (col2im).
"""
from ..backend import get_array_module
from ..errors import ShapeError
from .util import as_strided, conv_out_size as out_size
from .base import Op


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
        xp = get_array_module(x)
        win = windows(pad2d(x, ph, pw), kh, kw, sh, sw, dh, dw, ho, wo)
        # im2col as (N, C·kh·kw, Ho·Wo): the copy runs along contiguous output rows, one batched
        # GEMM gives NCHW directly, and backward reuses it for the weight gradient.
        cols = xp.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3)).reshape(n, c * kh * kw, ho * wo)
        y = xp.matmul(w.reshape(o, -1), cols).reshape(n, o, ho, wo)
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        self.cols = cols if self.needs[1] else None
        self.w = w if self.needs[0] else None
        self.xshape, self.kernel = x.shape, (kh, kw)
        return y

    def backward(self, gy):
        xp = get_array_module(gy)
        n = self.needs
        N, O, ho, wo = gy.shape
        g3 = gy.reshape(N, O, ho * wo)
        gx = gw = gb = None
        if n[1]:
            gw = xp.matmul(g3, self.cols.transpose(0, 2, 1)).sum(axis=0)
        if len(n) > 2 and n[2]:
            gb = gy.sum(axis=(0, 2, 3))
        if n[0]:
            gx = self._grad_input(xp, g3, ho, wo)
        if gw is not None:
            kh, kw = self.kernel
            gw = gw.reshape(O, self.xshape[1], kh, kw)
        return gx, gw, gb

    def _grad_input(self, xp, g3, ho, wo):
        """col2im: the column gradients added back onto the (padded) input, one kernel tap at a time."""
        w = self.w
        N, C, H, W = self.xshape
        _, _, kh, kw = w.shape
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        gcols = xp.matmul(w.reshape(w.shape[0], -1).T, g3).reshape(N, C, kh, kw, ho, wo)
        gxp = xp.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=g3.dtype)
        for i in range(kh):
            for j in range(kw):
                gxp[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh,
                    j * dw:j * dw + sw * (wo - 1) + 1:sw] += gcols[:, :, i, j]
        if ph or pw:
            return gxp[:, :, ph:ph + H, pw:pw + W]
        return gxp
