"""Whole-sequence recurrent ops (one layer, one direction) with backpropagation through time.

Arrays are batch-first: x is (N, T, I), hidden states (N, H). Weights follow PyTorch's layout and
gate order so state dicts move between the two: LSTM [i|f|g|o], GRU [r|z|n].
Outputs: the sequence of hidden states (N, T, H) and the last hidden state (and cell state).
Running the whole loop inside one op keeps the tape to one node per layer and lets a compiled
plan call it directly.
"""
from ..backend import get_array_module
from ..errors import ArgumentError, ShapeError
from ..parallel import over_halves
from .base import Op


def _check(name, x, h0, w_ih, w_hh, gates):
    if x.ndim != 3:
        raise ShapeError(f"{name}: expects a sequence N×T×features, got {tuple(x.shape)}")
    hidden = w_hh.shape[1]
    if w_ih.shape != (gates * hidden, x.shape[2]):
        raise ShapeError(f"{name}: input has {x.shape[2]} features but weight_ih is {tuple(w_ih.shape)}")
    if h0.shape != (x.shape[0], hidden):
        raise ShapeError(f"{name}: initial state {tuple(h0.shape)} should be {(x.shape[0], hidden)}")
    return hidden


def _time_major(xp, x, w_ih):
    """x as (T, N, I) contiguous, and its projection x·W_ihᵀ as (T, N, G) in one GEMM."""
    N, T, I = x.shape
    xt = xp.ascontiguousarray(x.transpose(1, 0, 2))
    return xt, (xt.reshape(T * N, I) @ w_ih.T).reshape(T, N, -1)


def _previous_states(xp, h0, hs):
    """The state each step started from, (T·N, H): h0, then every state but the last."""
    T, N, H = hs.shape
    return xp.concatenate([h0[None], hs[:-1]]).reshape(T * N, H)


def _from_time_major(xp, d_all, xt, w_ih, need_x, need_w):
    """Gradients reaching x (batch-first) and W_ih from the per-step pre-activation gradients
    (T, N, G): one GEMM each."""
    T, N, G = d_all.shape
    d2 = d_all.reshape(T * N, G)
    gx = xp.ascontiguousarray((d2 @ w_ih).reshape(T, N, -1).transpose(1, 0, 2)) if need_x else None
    gw = d2.T @ xt.reshape(T * N, -1) if need_w else None
    return gx, gw


class RNNSeq(Op):
    name = "rnn"
    n_outputs = 2

    def __init__(self, nonlinearity="tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ArgumentError(f"rnn: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = get_array_module(x)
        _check(self.name, x, h0, w_ih, w_hh, 1)
        xt, xw = _time_major(xp, x, w_ih)
        if b_ih is not None:
            xw += b_ih + b_hh
        hs = xp.empty_like(xw)                          # (T, N, H)
        w_hh_t = xp.ascontiguousarray(w_hh.T)       # a contiguous right operand: ~19% faster GEMM per step
        h = h0
        for t in range(xw.shape[0]):
            a = hs[t]
            xp.matmul(h, w_hh_t, out=a)
            xp.add(xw[t], a, out=a)
            if self.nonlinearity == "tanh":
                xp.tanh(a, out=a)
            else:
                xp.maximum(a, 0, out=a)
            h = a
        self.xt, self.h0, self.hs, self.w_ih, self.w_hh = xt, h0, hs, w_ih, w_hh
        return xp.ascontiguousarray(hs.transpose(1, 0, 2)), h.copy()

    def backward(self, gout, gh):
        xp = get_array_module(self.hs)
        hs, w_hh = self.hs, self.w_hh
        T, N, H = hs.shape
        gout_t = gout.transpose(1, 0, 2) if gout is not None else None
        dxw = xp.empty_like(hs)
        dh = gh.copy() if gh is not None else xp.zeros((N, H), dtype=hs.dtype)
        for t in range(T - 1, -1, -1):
            if gout_t is not None:
                dh += gout_t[t]
            h, da = hs[t], dxw[t]
            if self.nonlinearity == "tanh":
                xp.multiply(h, h, out=da)
                xp.subtract(1.0, da, out=da)
                da *= dh
            else:
                xp.multiply(dh, h > 0, out=da)
            xp.matmul(da, w_hh, out=dh)
        n = self.needs
        gx, gw_ih = _from_time_major(xp, dxw, self.xt, self.w_ih, n[0], n[2])
        gw_hh = dxw.reshape(T * N, H).T @ _previous_states(xp, self.h0, hs) if n[3] else None
        gb = dxw.reshape(T * N, H).sum(axis=0) if len(n) > 4 and (n[4] or n[5]) else None
        return gx, dh, gw_ih, gw_hh, gb, gb


class LSTMSeq(Op):
    """Kept time-major inside ((T, N, ·) buffers, allocated once per call), so every step works
    on contiguous rows with ``out=`` and no temporaries; the four gates are activated in three
    whole-row passes: σ(z) = ½·tanh(z/2) + ½ for i, f, o and tanh(z) for g, by per-column scales
    (z/2 comes out of the GEMMs so, from weights scaled once per call)."""
    name = "lstm"
    n_outputs = 3

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = get_array_module(x)
        H = _check(self.name, x, h0, w_ih, w_hh, 4)
        N, T, _ = x.shape
        dt = x.dtype
        inner = xp.full(4 * H, 0.5, dtype=dt)          # z/2 for the sigmoid gates, z for g
        inner[2 * H:3 * H] = 1.0
        shift = inner.copy()                            # ½·tanh + ½ for the sigmoid gates, tanh for g
        shift[2 * H:3 * H] = 0.0
        # z·inner comes out of the GEMMs directly: the weights' columns and the bias are scaled
        # instead (by ½ or 1, exact in floating point), one pass fewer per step
        xt, xw = _time_major(xp, x, w_ih * inner[:, None])
        if b_ih is not None:
            xw += (b_ih + b_hh) * inner
        acts = xp.empty((T, N, 4 * H), dtype=dt)
        hs = xp.empty((T, N, H), dtype=dt)
        cs = xp.empty_like(hs)
        tcs = xp.empty_like(hs)
        tmp = xp.empty((N, H), dtype=dt)
        w_hh_t = w_hh.T * inner                  # contiguous (a faster GEMM per step than w_hh.T's view)
        h, c = h0, c0
        for t in range(T):
            a = acts[t]
            xp.matmul(h, w_hh_t, out=a)
            a += xw[t]
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
        otc = xp.empty_like(tcs)

        def local(lo, hi):
            """What does not depend on the recursion, for steps lo..hi at once: the gates'
            derivatives into dz_all, and o·(1 − tanh²c)."""
            a, d, tc, ot = acts[lo:hi], dz_all[lo:hi], tcs[lo:hi], otc[lo:hi]
            xp.subtract(1.0, a, out=d)
            d *= a + m2
            xp.multiply(tc, tc, out=ot)
            xp.subtract(1.0, ot, out=ot)
            ot *= a[:, :, 3 * H:]
        over_halves(local, T, acts.size, xp)
        d2 = xp.empty((N, 4 * H), dtype=dt)
        tmp = xp.empty((N, H), dtype=dt)
        for t in range(T - 1, -1, -1):
            if gout_t is not None:
                dh += gout_t[t]
            a = acts[t]
            i, f, g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H]
            tc = tcs[t]
            c_prev = cs[t - 1] if t > 0 else self.c0
            xp.multiply(otc[t], dh, out=tmp)            # dc += dh·o·(1 − tanh²c)
            dc += tmp
            xp.multiply(dc, g, out=d2[:, :H])           # what each gate's output is multiplied by
            xp.multiply(dc, c_prev, out=d2[:, H:2 * H])
            xp.multiply(dc, i, out=d2[:, 2 * H:3 * H])
            xp.multiply(dh, tc, out=d2[:, 3 * H:])
            dz = dz_all[t]
            dz *= d2
            xp.matmul(dz, w_hh, out=dh)
            dc *= f
        dz2 = dz_all.reshape(T * N, 4 * H)
        n = self.needs
        gx, gw_ih = _from_time_major(xp, dz_all, self.xt, self.w_ih, n[0], n[3])
        gw_hh = dz2.T @ _previous_states(xp, self.h0, hs) if n[4] else None
        gb = dz2.sum(axis=0) if len(n) > 5 and (n[5] or n[6]) else None
        return gx, dh, dc, gw_ih, gw_hh, gb, gb


class GRUSeq(Op):
    """Time-major inside, as the LSTM: contiguous per-step rows, ``out=`` and no temporaries."""
    name = "gru"
    n_outputs = 2

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = get_array_module(x)
        H = _check(self.name, x, h0, w_ih, w_hh, 3)
        N = x.shape[0]
        xt, xw = _time_major(xp, x, w_ih)
        if b_ih is not None:
            xw += b_ih
        T, dt = xw.shape[0], xw.dtype
        hs = xp.empty((T, N, H), dtype=dt)
        rzn = xp.empty((T, N, 3 * H), dtype=dt)
        hwn = xp.empty_like(hs)
        hw = xp.empty((N, 3 * H), dtype=dt)
        w_hh_t = xp.ascontiguousarray(w_hh.T)       # a contiguous right operand: ~19% faster GEMM per step
        h = h0
        for t in range(T):
            xp.matmul(h, w_hh_t, out=hw)
            if b_hh is not None:
                hw += b_hh
            g = rzn[t]
            rz = g[:, :2 * H]
            xp.add(xw[t, :, :2 * H], hw[:, :2 * H], out=rz)     # σ(a) = ½·tanh(a/2) + ½
            rz *= 0.5
            xp.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            r, z, n = g[:, :H], g[:, H:2 * H], g[:, 2 * H:]
            xp.multiply(r, hw[:, 2 * H:], out=n)
            n += xw[t, :, 2 * H:]
            xp.tanh(n, out=n)
            hwn[t] = hw[:, 2 * H:]
            ht = hs[t]                                          # n + z·(h − n)
            xp.subtract(h, n, out=ht)
            ht *= z
            ht += n
            h = ht
        self.xt, self.h0, self.w_ih, self.w_hh = xt, h0, w_ih, w_hh
        self.hs, self.rzn, self.hwn = hs, rzn, hwn
        return xp.ascontiguousarray(hs.transpose(1, 0, 2)), h.copy()

    def backward(self, gout, gh):
        xp = get_array_module(self.hs)
        hs, rzn, w_hh = self.hs, self.rzn, self.w_hh
        T, N, H = hs.shape
        dt = hs.dtype
        gout_t = gout.transpose(1, 0, 2) if gout is not None else None
        dxw = xp.empty_like(rzn)
        dhw_all = xp.empty_like(rzn)
        a1, a2 = xp.empty((N, H), dtype=dt), xp.empty((N, H), dtype=dt)
        back = xp.empty((N, H), dtype=dt)
        dh = gh.copy() if gh is not None else xp.zeros((N, H), dtype=dt)
        for t in range(T - 1, -1, -1):
            if gout_t is not None:
                dh += gout_t[t]
            g = rzn[t]
            r, z, n = g[:, :H], g[:, H:2 * H], g[:, 2 * H:]
            h_prev = hs[t - 1] if t > 0 else self.h0
            d = dxw[t]
            dr, dz, dn = d[:, :H], d[:, H:2 * H], d[:, 2 * H:]
            xp.multiply(n, n, out=a1)                   # dn = dh·(1 − z)·(1 − n²)
            xp.subtract(1.0, a1, out=a1)
            xp.subtract(1.0, z, out=a2)
            a2 *= dh
            xp.multiply(a2, a1, out=dn)
            xp.multiply(dn, self.hwn[t], out=dr)        # dr = dn·hw_n·r·(1 − r)
            dr *= r
            xp.subtract(1.0, r, out=a1)
            dr *= a1
            xp.subtract(h_prev, n, out=dz)              # dz = dh·(h_prev − n)·z·(1 − z)
            dz *= dh
            dz *= z
            xp.subtract(1.0, z, out=a1)
            dz *= a1
            dhw = dhw_all[t]
            dhw[:, :2 * H] = d[:, :2 * H]
            xp.multiply(dn, r, out=dhw[:, 2 * H:])
            xp.matmul(dhw, w_hh, out=back)              # dh·z + dhw·W_hh
            dh *= z
            dh += back
        n = self.needs
        gx, gw_ih = _from_time_major(xp, dxw, self.xt, self.w_ih, n[0], n[2])
        dhw2 = dhw_all.reshape(T * N, 3 * H)
        gw_hh = dhw2.T @ _previous_states(xp, self.h0, hs) if n[3] else None
        gb_ih = dxw.reshape(T * N, 3 * H).sum(axis=0) if len(n) > 4 and n[4] else None
        gb_hh = dhw2.sum(axis=0) if len(n) > 5 and n[5] else None
        return gx, dh, gw_ih, gw_hh, gb_ih, gb_hh
