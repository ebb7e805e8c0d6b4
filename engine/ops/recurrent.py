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
    """Kept time-major inside ((T, N, ·) buffers, allocated once per call), so every step works
    on contiguous rows with ``out=`` and no temporaries; the four gates are activated in four
    whole-row passes: σ(z) = ½·tanh(z/2) + ½ for i, f, o and tanh(z) for g, by per-column scales."""
    name = "lstm"
    n_outputs = 3

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = get_array_module(x)
        H = _check(self.name, x, h0, w_ih, w_hh, 4)
        N, T, I = x.shape
        dt = x.dtype
        xt = xp.ascontiguousarray(x.transpose(1, 0, 2))
        xw = (xt.reshape(T * N, I) @ w_ih.T).reshape(T, N, 4 * H)
        if b_ih is not None:
            xw += b_ih + b_hh
        inner = xp.full(4 * H, 0.5, dtype=dt)          # z/2 for the sigmoid gates, z for g
        inner[2 * H:3 * H] = 1.0
        shift = inner.copy()                            # ½·tanh + ½ for the sigmoid gates, tanh for g
        shift[2 * H:3 * H] = 0.0
        acts = xp.empty((T, N, 4 * H), dtype=dt)
        hs = xp.empty((T, N, H), dtype=dt)
        cs = xp.empty_like(hs)
        tcs = xp.empty_like(hs)
        tmp = xp.empty((N, H), dtype=dt)
        w_hh_t = w_hh.T
        h, c = h0, c0
        for t in range(T):
            a = acts[t]
            xp.matmul(h, w_hh_t, out=a)
            a += xw[t]
            a *= inner
            xp.tanh(a, out=a)
            a *= inner
            a += shift
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            ct, tc, ht = cs[t], tcs[t], hs[t]
            xp.multiply(f, c, out=ct)
            xp.multiply(i, g, out=tmp)
            ct += tmp
            xp.tanh(ct, out=tc)
            xp.multiply(o, tc, out=ht)
            h, c = ht, ct
        self.xt, self.h0, self.c0, self.w_ih, self.w_hh = xt, h0, c0, w_ih, w_hh
        self.acts, self.hs, self.cs, self.tcs = acts, hs, cs, tcs
        return xp.ascontiguousarray(hs.transpose(1, 0, 2)), h.copy(), c.copy()

    def backward(self, gout, gh, gc):
        xp = get_array_module(self.hs)
        hs, cs, tcs, acts, w_hh = self.hs, self.cs, self.tcs, self.acts, self.w_hh
        T, N, H = hs.shape
        dt = hs.dtype
        gout_t = gout.transpose(1, 0, 2) if gout is not None else None
        dz_all = xp.empty_like(acts)
        dh = gh.copy() if gh is not None else xp.zeros((N, H), dtype=dt)
        dc = gc.copy() if gc is not None else xp.zeros((N, H), dtype=dt)
        m2 = xp.zeros(4 * H, dtype=dt)                  # derivative (1 − a)(a + m2): a(1 − a) or 1 − a²
        m2[2 * H:3 * H] = 1.0
        d1, d2 = xp.empty((N, 4 * H), dtype=dt), xp.empty((N, 4 * H), dtype=dt)
        tmp = xp.empty((N, H), dtype=dt)
        for t in range(T - 1, -1, -1):
            if gout_t is not None:
                dh += gout_t[t]
            a = acts[t]
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            tc = tcs[t]
            c_prev = cs[t - 1] if t > 0 else self.c0
            xp.multiply(tc, tc, out=tmp)                # dc += dh·o·(1 − tanh²c)
            xp.subtract(1.0, tmp, out=tmp)
            tmp *= o
            tmp *= dh
            dc += tmp
            xp.subtract(1.0, a, out=d1)                 # the gates' derivatives, one row pass each
            xp.add(a, m2, out=d2)
            d1 *= d2
            xp.multiply(dc, g, out=d2[:, :H])           # what each gate's output is multiplied by
            xp.multiply(dc, c_prev, out=d2[:, H:2 * H])
            xp.multiply(dc, i, out=d2[:, 2 * H:3 * H])
            xp.multiply(dh, tc, out=d2[:, 3 * H:])
            dz = dz_all[t]
            xp.multiply(d1, d2, out=dz)
            xp.matmul(dz, w_hh, out=dh)
            dc *= f
        dz2 = dz_all.reshape(T * N, 4 * H)
        n = self.needs
        gx = xp.ascontiguousarray((dz_all @ self.w_ih).transpose(1, 0, 2)) if n[0] else None
        gw_ih = dz2.T @ self.xt.reshape(T * N, -1) if n[3] else None
        gw_hh = None
        if n[4]:
            h_prev = xp.concatenate([self.h0[None], hs[:-1]]).reshape(T * N, H)
            gw_hh = dz2.T @ h_prev
        gb = dz2.sum(axis=0) if len(n) > 5 and (n[5] or n[6]) else None
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
