"""2-D convolution (cross-correlation, as in every framework) on NCHW arrays.

Forward: a strided window view of the padded input, copied once into im2col columns and
multiplied by the kernel in one batched GEMM. Backward: the weight gradient reuses the columns;
the input gradient multiplies back to columns and adds them onto the input (col2im).
"""
from ..backend import get_array_module
from ..errors import ShapeError
from ..parallel import contiguous, over_halves
from .util import as_strided, conv_out_size as out_size
from .base import Op

FLAT_FROM_CHANNELS = 4       # measured on benchmark (c): 1 channel is faster batched, 16 flat

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
        self.flat = c >= FLAT_FROM_CHANNELS
        if self.flat:
            # im2col as one (C·kh·kw, N·Ho·Wo) matrix: a single large GEMM here and for the
            # weight gradient, instead of N small ones and a sum over the batch
            cols = contiguous(win.transpose(1, 4, 5, 0, 2, 3)).reshape(c * kh * kw, n * ho * wo)
            y = contiguous((w.reshape(o, -1) @ cols).reshape(o, n, ho, wo).transpose(1, 0, 2, 3))
        else:
            # im2col as (N, C·kh·kw, Ho·Wo): with few channels the copy along contiguous output
            # rows and a batched GEMM that gives NCHW directly are faster
            cols = contiguous(win.transpose(0, 1, 4, 5, 2, 3)).reshape(n, c * kh * kw, ho * wo)
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
        # the output gradient as one (O, N·Ho·Wo) matrix where a single GEMM uses it
        gT = None
        if n[0] or (n[1] and self.flat):
            gT = contiguous(gy.transpose(1, 0, 2, 3)).reshape(O, N * ho * wo)
        gx = gw = gb = None
        if n[1]:
            if self.flat:
                gw = (self.cols @ gT.T).T          # this order is 1.3–1.7× faster in OpenBLAS (O=32, K=144)
            else:
                gw = xp.matmul(gy.reshape(N, O, ho * wo), self.cols.transpose(0, 2, 1)).sum(axis=0)
        if len(n) > 2 and n[2]:
            gb = gT.sum(axis=1) if gT is not None else gy.sum(axis=(0, 2, 3))
        if n[0]:
            gx = self._grad_input(xp, gT, N, ho, wo)
        if gw is not None:
            kh, kw = self.kernel
            gw = gw.reshape(O, self.xshape[1], kh, kw)
        return gx, gw, gb

    def _grad_input(self, xp, gT, N, ho, wo):
        """col2im: the column gradients (one GEMM) added back onto the (padded) input, one kernel
        tap at a time, in channel-major layout; the result is handed on as an NCHW view."""
        w = self.w
        _, C, H, W = self.xshape
        _, _, kh, kw = w.shape
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        gcols = (w.reshape(w.shape[0], -1).T @ gT).reshape(C, kh, kw, N, ho, wo)
        gxp = xp.empty((C, N, H + 2 * ph, W + 2 * pw), dtype=gT.dtype)

        def part(lo, hi):              # channels lo..hi
            g = gxp[lo:hi]
            g[...] = 0
            for i in range(kh):
                for j in range(kw):
                    g[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh,
                      j * dw:j * dw + sw * (wo - 1) + 1:sw] += gcols[lo:hi, i, j]
        over_halves(part, C, gcols.size, xp)
        gx = gxp.transpose(1, 0, 2, 3)
        if ph or pw:
            gx = gx[:, :, ph:ph + H, pw:pw + W]
        return contiguous(gx)
