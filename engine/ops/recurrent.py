"""Whole-sequence recurrent ops (one layer, one direction) with backpropagation through time.

Arrays are batch-first: x is (N, T, I), hidden states (N, H). Weights follow PyTorch's layout and
gate order so state dicts move between the two: LSTM [i|f|g|o], GRU [r|z|n].
Outputs: the sequence of hidden states (N, T, H) and the last hidden state (and cell state).
Running the whole loop inside one op keeps the tape to one node per layer and lets a compiled
plan call it directly.
"""
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from .base import Op
from .elementwise import sigmoid


def _check(name, x, h0, w_ih, w_hh, gates):
    if x.ndim != 3:
        raise ShapeError(f"{name}: expects a sequence N×T×features, got {tuple(x.shape)}")
    hidden = w_hh.shape[1]
    if w_ih.shape != (gates * hidden, x.shape[2]):
        raise ShapeError(f"{name}: input has {x.shape[2]} features but weight_ih is {tuple(w_ih.shape)}")
    if h0.shape != (x.shape[0], hidden):
        raise ShapeError(f"{name}: initial state {tuple(h0.shape)} should be {(x.shape[0], hidden)}")
    return hidden


def _input_grads(self, dxw, x, w_ih, nb):
    """Gradients reaching x, W_ih and the input-side bias from the per-step pre-activations."""
    xp = get_array_module(dxw)
    n = self.needs
    N, T, G = dxw.shape
    d2 = dxw.reshape(N * T, G)
    gx = xp.matmul(dxw, w_ih) if n[0] else None
    gw_ih = xp.matmul(d2.T, x.reshape(N * T, -1)) if n[nb] else None
    gb_ih = d2.sum(axis=0) if len(n) > nb + 2 and n[nb + 2] else None
    return gx, gw_ih, gb_ih


class RNNSeq(Op):
    name = "rnn"
    n_outputs = 2

    def __init__(self, nonlinearity="tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ArgumentError(f"rnn: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = get_array_module(x)
        H = _check(self.name, x, h0, w_ih, w_hh, 1)
        N, T, _ = x.shape
        xw = xp.matmul(x, w_ih.T)
        if b_ih is not None:
            xw += b_ih + b_hh
        hs = xp.empty((N, T, H), dtype=xw.dtype)
        h = h0
        for t in range(T):
            a = xw[:, t] + xp.matmul(h, w_hh.T)
            h = xp.tanh(a) if self.nonlinearity == "tanh" else xp.maximum(a, 0)
            hs[:, t] = h
        self.x, self.h0, self.hs, self.w_ih, self.w_hh = x, h0, hs, w_ih, w_hh
        return hs, h

    def backward(self, gout, gh):
        xp = get_array_module(self.hs)
        hs, w_hh = self.hs, self.w_hh
        N, T, H = hs.shape
        dxw = xp.empty_like(hs)
        gw_hh = xp.zeros_like(w_hh)
        dh = gh if gh is not None else xp.zeros((N, H), dtype=hs.dtype)
        for t in range(T - 1, -1, -1):
            if gout is not None:
                dh = dh + gout[:, t]
            h = hs[:, t]
            da = dh * (1.0 - h * h) if self.nonlinearity == "tanh" else dh * (h > 0)
            dxw[:, t] = da
            h_prev = hs[:, t - 1] if t > 0 else self.h0
            gw_hh += xp.matmul(da.T, h_prev)
            dh = xp.matmul(da, w_hh)
        gx, gw_ih, gb = _input_grads(self, dxw, self.x, self.w_ih, 2)
        return gx, dh, gw_ih, gw_hh, gb, gb


class LSTMSeq(Op):
    name = "lstm"
    n_outputs = 3

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = get_array_module(x)
        H = _check(self.name, x, h0, w_ih, w_hh, 4)
        N, T, _ = x.shape
        xw = xp.matmul(x, w_ih.T)
        if b_ih is not None:
            xw += b_ih + b_hh
        acts = xp.empty((N, T, 4 * H), dtype=xw.dtype)
        hs = xp.empty((N, T, H), dtype=xw.dtype)
        cs = xp.empty_like(hs)
        tcs = xp.empty_like(hs)
        h, c = h0, c0
        for t in range(T):
            z = xw[:, t] + xp.matmul(h, w_hh.T)
            a = acts[:, t]
            a[:, :2 * H] = sigmoid(xp, z[:, :2 * H])
            a[:, 2 * H:3 * H] = xp.tanh(z[:, 2 * H:3 * H])
            a[:, 3 * H:] = sigmoid(xp, z[:, 3 * H:])
            c = a[:, H:2 * H] * c + a[:, :H] * a[:, 2 * H:3 * H]
            tc = xp.tanh(c)
            h = a[:, 3 * H:] * tc
            hs[:, t], cs[:, t], tcs[:, t] = h, c, tc
        self.x, self.h0, self.c0, self.w_ih, self.w_hh = x, h0, c0, w_ih, w_hh
        self.acts, self.hs, self.cs, self.tcs = acts, hs, cs, tcs
        return hs, h, c

    def backward(self, gout, gh, gc):
        xp = get_array_module(self.hs)
        hs, cs, tcs, acts, w_hh = self.hs, self.cs, self.tcs, self.acts, self.w_hh
        N, T, H = hs.shape
        dz_all = xp.empty_like(acts)
        gw_hh = xp.zeros_like(w_hh)
        dh = gh if gh is not None else xp.zeros((N, H), dtype=hs.dtype)
        dc = gc if gc is not None else xp.zeros((N, H), dtype=hs.dtype)
        for t in range(T - 1, -1, -1):
            if gout is not None:
                dh = dh + gout[:, t]
            a = acts[:, t]
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            tc = tcs[:, t]
            c_prev = cs[:, t - 1] if t > 0 else self.c0
            dc = dc + dh * o * (1.0 - tc * tc)
            dz = dz_all[:, t]
            dz[:, :H] = dc * g * i * (1.0 - i)
            dz[:, H:2 * H] = dc * c_prev * f * (1.0 - f)
            dz[:, 2 * H:3 * H] = dc * i * (1.0 - g * g)
            dz[:, 3 * H:] = dh * tc * o * (1.0 - o)
            h_prev = hs[:, t - 1] if t > 0 else self.h0
            gw_hh += xp.matmul(dz.T, h_prev)
            dh = xp.matmul(dz, w_hh)
            dc = dc * f
        gx, gw_ih, gb = _input_grads(self, dz_all, self.x, self.w_ih, 3)
        return gx, dh, dc, gw_ih, gw_hh, gb, gb


class GRUSeq(Op):
    name = "gru"
    n_outputs = 2

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = get_array_module(x)
        H = _check(self.name, x, h0, w_ih, w_hh, 3)
        N, T, _ = x.shape
        xw = xp.matmul(x, w_ih.T)
        if b_ih is not None:
            xw += b_ih
        hs = xp.empty((N, T, H), dtype=xw.dtype)
        rzn = xp.empty((N, T, 3 * H), dtype=xw.dtype)
        hwn = xp.empty_like(hs)
        h = h0
        for t in range(T):
            hw = xp.matmul(h, w_hh.T)
            if b_hh is not None:
                hw += b_hh
            g = rzn[:, t]
            g[:, :2 * H] = sigmoid(xp, xw[:, t, :2 * H] + hw[:, :2 * H])
            r, z = g[:, :H], g[:, H:2 * H]
            g[:, 2 * H:] = xp.tanh(xw[:, t, 2 * H:] + r * hw[:, 2 * H:])
            n = g[:, 2 * H:]
            h = n + z * (h - n)
            hs[:, t], hwn[:, t] = h, hw[:, 2 * H:]
        self.x, self.h0, self.w_ih, self.w_hh = x, h0, w_ih, w_hh
        self.hs, self.rzn, self.hwn = hs, rzn, hwn
        return hs, h

    def backward(self, gout, gh):
        xp = get_array_module(self.hs)
        hs, rzn, w_hh = self.hs, self.rzn, self.w_hh
        N, T, H = hs.shape
        dxw = xp.empty_like(rzn)
        dhw = xp.empty((N, 3 * H), dtype=hs.dtype)
        gw_hh = xp.zeros_like(w_hh)
        gb_hh = xp.zeros((3 * H,), dtype=hs.dtype)
        dh = gh if gh is not None else xp.zeros((N, H), dtype=hs.dtype)
        for t in range(T - 1, -1, -1):
            if gout is not None:
                dh = dh + gout[:, t]
            g = rzn[:, t]
            r, z, n = g[:, :H], g[:, H:2 * H], g[:, 2 * H:]
            h_prev = hs[:, t - 1] if t > 0 else self.h0
            dn = dh * (1.0 - z) * (1.0 - n * n)
            dr = dn * self.hwn[:, t] * r * (1.0 - r)
            dz = dh * (h_prev - n) * z * (1.0 - z)
            d = dxw[:, t]
            d[:, :H], d[:, H:2 * H], d[:, 2 * H:] = dr, dz, dn
            dhw[:, :H], dhw[:, H:2 * H], dhw[:, 2 * H:] = dr, dz, dn * r
            gw_hh += xp.matmul(dhw.T, h_prev)
            gb_hh += dhw.sum(axis=0)
            dh = dh * z + xp.matmul(dhw, w_hh)
        gx, gw_ih, gb_ih = _input_grads(self, dxw, self.x, self.w_ih, 2)
        return gx, dh, gw_ih, gw_hh, gb_ih, gb_hh
