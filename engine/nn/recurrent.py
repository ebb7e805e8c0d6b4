"""Recurrent layers with PyTorch's interface and parameter names (weight_ih_l0, …_reverse), so
state dicts and results compare one to one. Sequence in; (sequence of outputs, last state) out."""
import math

from .. import functional as F
from ..errors import ArgumentError, ShapeError
from ..random import default_generator
from ..tensor import Tensor
from .init import uniform_
from .layers import _param
from .module import Module

_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


class _RNNBase(Module):
    kind = "RNN"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, nonlinearity="tanh", dtype="float32",
                 device=None, generator=None):
        super().__init__()
        if input_size < 1 or hidden_size < 1 or num_layers < 1:
            raise ArgumentError(f"{self.kind}: input_size, hidden_size and num_layers must be positive")
        if not 0.0 <= dropout < 1.0:
            raise ArgumentError(f"{self.kind}: dropout must be in [0, 1), got {dropout}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        self.bidirectional, self.nonlinearity = bidirectional, nonlinearity
        self.generator = generator
        self._config = dict(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers,
                            bias=bias, batch_first=batch_first, dropout=dropout,
                            nonlinearity=nonlinearity, dtype=dtype, device=device)
        g = generator or default_generator()
        gates, D = _GATES[self.kind], 2 if bidirectional else 1
        bound = 1.0 / math.sqrt(hidden_size)
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else hidden_size * D
            for suffix in ([""] if D == 1 else ["", "_reverse"]):
                shapes = {"weight_ih": (gates * hidden_size, in_size),
                          "weight_hh": (gates * hidden_size, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gates * hidden_size,), bias_hh=(gates * hidden_size,))
                for name, shape in shapes.items():
                    setattr(self, f"{name}_l{layer}{suffix}",
                            uniform_(_param(shape, dtype, device), -bound, bound, g))

    def _weights(self, layer, suffix):
        names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if self.bias else [])
        return [getattr(self, f"{n}_l{layer}{suffix}") for n in names]

    def _run(self, x, states, layer, suffix):
        """One direction of one layer over batch-first x; returns (outputs, (state, …))."""
        w = self._weights(layer, suffix)
        if self.kind == "LSTM":
            out, h, c = F.lstm_sequence(x, states[0], states[1], *w)
            return out, (h, c)
        if self.kind == "GRU":
            out, h = F.gru_sequence(x, states[0], *w)
        else:
            out, h = F.rnn_sequence(x, states[0], *w, nonlinearity=self.nonlinearity)
        return out, (h,)

    def forward(self, x, hx=None):
        if x.ndim != 3 or x.shape[2] != self.input_size:
            layout = "N×T×features" if self.batch_first else "T×N×features"
            raise ShapeError(f"{self.kind}: expects a sequence {layout} with {self.input_size} "
                             f"features, got {x.shape}")
        if not self.batch_first:
            x = F.transpose(x, 0, 1)
        N = x.shape[0]
        D = 2 if self.bidirectional else 1
        n_states = 2 if self.kind == "LSTM" else 1
        initial = self._initial_states(hx, N, D, n_states, x)
        finals = [[] for _ in range(n_states)]
        reverse = (slice(None), slice(None, None, -1))
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(["", "_reverse"][:D]):
                k = layer * D + d
                st = [s[k] for s in initial]
                if d == 0:
                    out, fin = self._run(x, st, layer, suffix)
                else:
                    out, fin = self._run(x[reverse], st, layer, suffix)
                    out = out[reverse]
                outs.append(out)
                for lst, f in zip(finals, fin):
                    lst.append(f)
            x = outs[0] if D == 1 else F.cat(outs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True, self.generator)
        out = x if self.batch_first else F.transpose(x, 0, 1)
        last = tuple(F.stack(lst, 0) for lst in finals)
        return out, (last if self.kind == "LSTM" else last[0])

    def _initial_states(self, hx, N, D, n_states, x):
        shape = (self.num_layers * D, N, self.hidden_size)
        if hx is None:
            xp = x.device.xp
            zero = [Tensor(xp.zeros(shape[1:], dtype=x.dtype))] * shape[0]
            return [zero] * n_states
        hx = hx if isinstance(hx, (tuple, list)) else (hx,)
        if len(hx) != n_states:
            raise ShapeError(f"{self.kind}: expects {n_states} initial state tensor(s), got {len(hx)}")
        for h in hx:
            if h.shape != shape:
                raise ShapeError(f"{self.kind}: initial state {h.shape} should be {shape}")
        return [[h[k] for k in range(shape[0])] for h in hx]

    def extra_repr(self):
        return (f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
                f"batch_first={self.batch_first}, bidirectional={self.bidirectional}")


class RNN(_RNNBase):
    """Elman RNN: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu)."""
    kind = "RNN"


class LSTM(_RNNBase):
    """Returns (output, (h_n, c_n)); gate order [i|f|g|o] as in PyTorch."""
    kind = "LSTM"

    def __init__(self, *args, **kwargs):
        kwargs.pop("nonlinearity", None)
        super().__init__(*args, **kwargs)


class GRU(_RNNBase):
    """Gate order [r|z|n] as in PyTorch."""
    kind = "GRU"

    def __init__(self, *args, **kwargs):
        kwargs.pop("nonlinearity", None)
        super().__init__(*args, **kwargs)


class Bidirectional(Module):
    """Keras-style wrapper: runs ``layer`` forward and a fresh twin of it over the reversed
    sequence, then merges the two output sequences ('concat', 'sum', 'mean' or 'mul').
    Returns (merged outputs, (state of the forward layer, state of the backward layer))."""

    MERGES = ("concat", "sum", "mean", "mul")

    def __init__(self, layer, merge_mode="concat", generator=None):
        super().__init__()
        if not isinstance(layer, _RNNBase) or layer.bidirectional:
            raise ArgumentError("Bidirectional wraps an RNN, LSTM or GRU layer built with bidirectional=False")
        if merge_mode not in self.MERGES:
            raise ArgumentError(f"Bidirectional: merge_mode must be one of {self.MERGES}, got {merge_mode!r}")
        self.merge_mode = merge_mode
        self.forward_layer = layer
        self.backward_layer = type(layer)(**layer._config, generator=generator)

    def forward(self, x, hx=None):
        t_axis = 1 if self.forward_layer.batch_first else 0
        rev = (slice(None),) * t_axis + (slice(None, None, -1),)
        hf, hb = (None, None) if hx is None else hx
        out_f, state_f = self.forward_layer(x, hf)
        out_b, state_b = self.backward_layer(x[rev], hb)
        out_b = out_b[rev]
        if self.merge_mode == "concat":
            out = F.cat([out_f, out_b], dim=2)
        elif self.merge_mode == "sum":
            out = out_f + out_b
        elif self.merge_mode == "mean":
            out = (out_f + out_b) * 0.5
        else:
            out = out_f * out_b
        return out, (state_f, state_b)


def last_step(output, batch_first=True):
    """The last time step of a sequence output: (N, T, H) → (N, H)."""
    return output[:, -1] if batch_first else output[-1]


