"""Recurrent layers with PyTorch's interface and parameter names (weight_ih_l0, …_reverse), so
state dicts and results compare one to one. Sequence in; (sequence of outputs, last state) out."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import math

from .. import functional as F
from ..errors import ArgumentError, ShapeError
from ..random import default_generator
from ..tensor import Tensor
from .init import uniform_
from .layers import _param
from .module import Module
from ..typing import TensorLike

if TYPE_CHECKING:
    from ..random import Generator

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
        bound = 1.0 / math.sqrt(hidden_size)
        for name, shape in recurrent_weight_shapes(self.kind, input_size, hidden_size, num_layers,
                                                   bidirectional, bias).items():
            setattr(self, name, uniform_(_param(shape, dtype, device), -bound, bound, g))

    def forward(self, x, hx=None):
        if x.ndim != 3 or x.shape[2] != self.input_size:
            layout = "N×T×features" if self.batch_first else "T×N×features"
            raise ShapeError(f"{self.kind}: expects a sequence {layout} with {self.input_size} "
                             f"features, got {x.shape}")
        if not self.batch_first:
            x = F.transpose(x, 0, 1)
        weights = {name: p for name, p in self._parameters.items()}
        out, last = run_recurrent(self.kind, x, weights, self.num_layers, self.bidirectional,
                                  self.bias, self.hidden_size, self.nonlinearity, self.dropout,
                                  self.training, self.generator, hx)
        if not self.batch_first:
            out = F.transpose(out, 0, 1)
        return out, (last if self.kind == "LSTM" else last[0])

    def extra_repr(self):
        return (f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
                f"batch_first={self.batch_first}, bidirectional={self.bidirectional}")


def recurrent_weight_shapes(kind: str, input_size: int, hidden_size: int, num_layers: int = 1,
                            bidirectional: bool = False, bias: bool = True) -> dict[str, tuple[int, ...]]:
    """PyTorch's parameter names and shapes for a recurrent stack, in PyTorch's order.
    All are initialized U(±1/√hidden_size)."""
    gates, D = _GATES[kind], 2 if bidirectional else 1
    shapes = {}
    for layer in range(num_layers):
        in_size = input_size if layer == 0 else hidden_size * D
        for suffix in ([""] if D == 1 else ["", "_reverse"]):
            shapes[f"weight_ih_l{layer}{suffix}"] = (gates * hidden_size, in_size)
            shapes[f"weight_hh_l{layer}{suffix}"] = (gates * hidden_size, hidden_size)
            if bias:
                shapes[f"bias_ih_l{layer}{suffix}"] = (gates * hidden_size,)
                shapes[f"bias_hh_l{layer}{suffix}"] = (gates * hidden_size,)
    return shapes


def run_recurrent(kind: str, x: Tensor, weights: Mapping[str, Tensor], num_layers: int, bidirectional: bool,
                  bias: bool, hidden_size: int, nonlinearity: str = "tanh", dropout: float = 0.0,
                  training: bool = False, generator: Generator | None = None,
                  hx: Tensor | tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Any]:
    """A stack of recurrent layers over batch-first ``x`` (N, T, I), both directions when
    ``bidirectional``. ``weights`` maps PyTorch's names (weight_ih_l0, bias_hh_l1_reverse, …) to
    tensors. Returns (outputs (N, T, D·H), tuple of final states each (layers·D, N, H)).
    Shared by the nn modules and the graph's recurrent nodes."""
    N = x.shape[0]
    D = 2 if bidirectional else 1
    n_states = 2 if kind == "LSTM" else 1
    initial = _initial_states(kind, hx, num_layers, hidden_size, N, D, n_states, x)
    finals = [[] for _ in range(n_states)]
    reverse = (slice(None), slice(None, None, -1))
    names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if bias else [])
    for layer in range(num_layers):
        outs = []
        for d, suffix in enumerate(["", "_reverse"][:D]):
            w = [weights[f"{n}_l{layer}{suffix}"] for n in names]
            st = [s[layer * D + d] for s in initial]
            seq = x if d == 0 else x[reverse]
            if kind == "LSTM":
                out, h, c = F.lstm_sequence(seq, st[0], st[1], *w)
                fin = (h, c)
            elif kind == "GRU":
                out, h = F.gru_sequence(seq, st[0], *w)
                fin = (h,)
            else:
                out, h = F.rnn_sequence(seq, st[0], *w, nonlinearity=nonlinearity)
                fin = (h,)
            outs.append(out if d == 0 else out[reverse])
            for lst, f in zip(finals, fin):
                lst.append(f)
        x = outs[0] if D == 1 else F.cat(outs, dim=2)
        if dropout and training and layer < num_layers - 1:
            x = F.dropout(x, dropout, True, generator=generator)
    return x, tuple(F.stack(lst, 0) for lst in finals)


def _initial_states(kind, hx, num_layers, hidden, N, D, n_states, x):
    shape = (num_layers * D, N, hidden)
    if hx is None:
        zero = [Tensor(x.device.xp.zeros(shape[1:], dtype=x.dtype))] * shape[0]
        return [zero] * n_states
    hx = hx if isinstance(hx, (tuple, list)) else (hx,)
    if len(hx) != n_states:
        raise ShapeError(f"{kind}: expects {n_states} initial state tensor(s), got {len(hx)}")
    for h in hx:
        if h.shape != shape:
            raise ShapeError(f"{kind}: initial state {h.shape} should be {shape}")
    return [[h[k] for k in range(shape[0])] for h in hx]


class RNN(_RNNBase):
    """Elman RNN: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu)."""
    kind = "RNN"


class LSTM(_RNNBase):
    """Returns (output, (h_n, c_n)); gate order [i|f|g|o] as in PyTorch."""
    kind = "LSTM"

    def __init__(self, *args, **kwargs) -> None:
        kwargs.pop("nonlinearity", None)
        super().__init__(*args, **kwargs)


class GRU(_RNNBase):
    """Gate order [r|z|n] as in PyTorch."""
    kind = "GRU"

    def __init__(self, *args, **kwargs) -> None:
        kwargs.pop("nonlinearity", None)
        super().__init__(*args, **kwargs)


class Bidirectional(Module):
    """Keras-style wrapper: runs ``layer`` forward and a fresh twin of it over the reversed
    sequence, then merges the two output sequences ('concat', 'sum', 'mean' or 'mul').
    Returns (merged outputs, (state of the forward layer, state of the backward layer))."""

    MERGES = ("concat", "sum", "mean", "mul")

    def __init__(self, layer: Module, merge_mode: str = "concat", generator: Generator | None = None) -> None:
        super().__init__()
        if not isinstance(layer, _RNNBase) or layer.bidirectional:
            raise ArgumentError("Bidirectional wraps an RNN, LSTM or GRU layer built with bidirectional=False")
        if merge_mode not in self.MERGES:
            raise ArgumentError(f"Bidirectional: merge_mode must be one of {self.MERGES}, got {merge_mode!r}")
        self.merge_mode = merge_mode
        self.forward_layer = layer
        self.backward_layer = type(layer)(**layer._config, generator=generator)

    def forward(self, x: TensorLike, hx: Any = None) -> tuple[Tensor, Any]:
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


def last_step(output: Tensor, batch_first: bool = True) -> Tensor:
    """The last time step of a sequence output: (N, T, H) → (N, H)."""
    return output[:, -1] if batch_first else output[-1]


