"""Optimizers with PyTorch's update rules (same hyperparameter names and defaults), updating
parameters in place. Hyperparameters are kept as Python floats so float32 stays float32."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable

import math

import numpy as np

from ..backend import get_array_module, to_host
from ..errors import ArgumentError, EngineError
from ..parallel import SPLIT_AT, in_halves

if TYPE_CHECKING:
    from ..tensor import Tensor


_SPEED_FLAGS = ("foreach", "fused", "capturable", "differentiable", "maximize")


class Optimizer:
    """Base class. Hyperparameters may be given by keyword or, after ``params``, by position in
    PyTorch's order (``Adam(params, 0.01)``; ``defaults`` lists them in that order). PyTorch's
    implementation switches (``foreach``, ``fused``, …) are accepted when off or None."""
    defaults = {}

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], *args, **hyper) -> None:
        name = type(self).__name__
        if len(args) > len(self.defaults):
            raise TypeError(f"{name}: takes at most {len(self.defaults)} hyperparameters by position "
                            f"({', '.join(self.defaults)}), got {len(args)}")
        for key, value in zip(self.defaults, args):
            if key in hyper:
                raise TypeError(f"{name}: got {key} both by position and by keyword")
            hyper[key] = value
        for flag in _SPEED_FLAGS:
            if flag in hyper:
                if hyper.pop(flag):
                    raise ArgumentError(f"{name}: {flag}=True is not supported")
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected arguments {sorted(unknown)}")
        params = list(params)
        if not params:
            raise ArgumentError(f"{type(self).__name__}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        for g in groups:
            group = {**self.defaults, **hyper, **g}
            group["params"] = list(group["params"])
            self._check(group)
            group["initial_lr"] = group.get("initial_lr", group["lr"])
            self.param_groups.append(group)
        self.state = {}
        self.step_count = 0

    def _check(self, group):
        for key in ("lr", "weight_decay", "eps"):
            if key in group and (not isinstance(group[key], (int, float)) or group[key] < 0):
                raise ArgumentError(f"{type(self).__name__}: {key} must be a non-negative number, got {group[key]!r}")
        for p in group["params"]:
            if not getattr(p, "requires_grad", False):
                raise ArgumentError(f"{type(self).__name__}: can only optimize tensors with requires_grad=True")

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad.array[...] = 0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient. ``closure`` (PyTorch's) recomputes
        and returns the loss; its value is returned."""
        loss = None
        if closure is not None:
            from ..grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        self._step()
        return loss

    def _step(self):
        self.step_count += 1
        for group in self.param_groups:
            for p, st in self._due(group):
                self.update(p.array, p.grad.array, st, group)
                p.array_changed()

    def _due(self, group):
        """(parameter, its state with the step count advanced) for each parameter of ``group``
        that has a gradient."""
        for p in group["params"]:
            if p.grad is None:
                continue
            st = self.state.get(p)
            if st is None:
                st = self.state[p] = {"step": 0}
            st["step"] += 1
            yield p, st

    def update(self, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        raise NotImplementedError

    def _scratch(self, p):
        """A work array of ``p``'s size and dtype, kept between steps: a fresh temporary of a
        large parameter costs page faults on every step. One per size and dtype (updates run one
        parameter at a time)."""
        key = (p.size, p.dtype, type(p))
        buf = self.__dict__.setdefault("_scratch_arrays", {}).get(key)
        if buf is None:
            buf = self._scratch_arrays[key] = get_array_module(p).empty(p.shape, p.dtype)
        return buf.reshape(p.shape)

    def state_dict(self) -> dict[str, Any]:
        """Hyperparameters and per-parameter state (host copies of the arrays), by parameter index."""
        index = {}
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
        groups = [{k: v for k, v in g.items() if k != "params"} | {"params": [index[id(p)] for p in g["params"]]}
                  for g in self.param_groups]
        state = {index[id(p)]: {k: (np.array(to_host(v)) if hasattr(v, "shape") else v) for k, v in s.items()}
                 for p, s in self.state.items()}
        return {"param_groups": groups, "state": state, "step_count": self.step_count}

    def load_state_dict(self, sd: dict[str, Any]) -> None:
        params = [p for g in self.param_groups for p in g["params"]]
        if len(sd["param_groups"]) != len(self.param_groups):
            raise EngineError("optimizer state: number of parameter groups differs")
        for g, saved in zip(self.param_groups, sd["param_groups"]):
            g.update({k: v for k, v in saved.items() if k != "params"})
        self.state = {}
        for i, s in sd["state"].items():
            p = params[int(i)]
            self.state[p] = {k: int(v) if k == "step" else
                             p.device.asarray(np.array(to_host(v), dtype=p.array.dtype, order="C")) if hasattr(v, "shape")
                             else v for k, v in s.items()}
        self.step_count = sd.get("step_count", 0)


def _zeros(p, state, key):
    buf = state.get(key)
    if buf is None:
        buf = state[key] = get_array_module(p).zeros_like(p)
    return buf


class SGD(Optimizer):
    """Plain, momentum and Nesterov SGD. Batch, stochastic or mini-batch depends only on the
    batch the gradient came from."""
    defaults = dict(lr=0.01, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False)

    def _check(self, group):
        super()._check(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ArgumentError("SGD: Nesterov momentum needs momentum > 0 and dampening 0")

    def update(self, p: Any, g: Any, st: dict[str, Any], h: dict[str, Any]) -> None:
        if h["weight_decay"]:
            g = g + h["weight_decay"] * p
        mu = h["momentum"]
        if mu:
            buf = st.get("momentum_buffer")
            if buf is None:
                buf = st["momentum_buffer"] = g.copy()
            else:
                buf *= mu
                buf += (1.0 - h["dampening"]) * g
            g = g + mu * buf if h["nesterov"] else buf
        p -= h["lr"] * g


class Adam(Optimizer):
    defaults = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False)
    decoupled = False

    def update(self, p: Any, g: Any, st: dict[str, Any], h: dict[str, Any]) -> None:
        xp = get_array_module(p)
        lr, wd = h["lr"], h["weight_decay"]
        if wd:
            if self.decoupled:
                p *= 1.0 - lr * wd
            else:
                g = g + wd * p
        m, v = _zeros(p, st, "exp_avg"), _zeros(p, st, "exp_avg_sq")
        vmax = _zeros(p, st, "max_exp_avg_sq") if h["amsgrad"] else None
        in_halves(self._passes(xp, st["step"], h), p, g, m, v, self._scratch(p),
                  *([vmax] if vmax is not None else []))

    def _passes(self, xp, t, h):
        """The Adam update of step ``t`` as in-place passes over (p, g, m, v, work[, vmax])."""
        lr, (b1, b2), eps = h["lr"], h["betas"], h["eps"]
        c1, c2 = 1.0 - b1, 1.0 - b2
        inv_bc2, step = 1.0 / math.sqrt(1.0 - b2 ** t), lr / (1.0 - b1 ** t)

        def passes(p, g, m, v, tmp, vmax=None):
            xp.multiply(g, c1, out=tmp)
            m *= b1
            m += tmp
            xp.multiply(g, g, out=tmp)
            tmp *= c2
            v *= b2
            v += tmp
            if vmax is not None:
                xp.maximum(vmax, v, out=vmax)
                v = vmax
            xp.sqrt(v, out=tmp)
            tmp *= inv_bc2
            tmp += eps
            xp.divide(m, tmp, out=tmp)
            tmp *= step
            p -= tmp
        return passes

    def _step(self):
        """Small parameters (numpy, below parallel.SPLIT_AT elements, at the same step) update
        together: their gradients gathered into one flat array, one set of passes over it, the
        moments kept in flat arrays whose pieces are the per-parameter state. A small MLP has
        four parameters; this makes its update one set of ufunc calls instead of four."""
        self.step_count += 1
        for group in self.param_groups:
            packs = {}
            for p, st in self._due(group):
                a = p.array
                if type(a) is np.ndarray and a.size < SPLIT_AT and not group["amsgrad"] and a.dtype == p.grad.array.dtype:
                    packs.setdefault((int(st["step"]), a.dtype), []).append((p, st))
                    continue
                self.update(a, p.grad.array, st, group)
                p.array_changed()
            for (t, _), pack in packs.items():
                if len(pack) > 1:
                    self._update_packed(pack, t, group)
                else:
                    p, st = pack[0]
                    self.update(p.array, p.grad.array, st, group)
                    p.array_changed()

    def _update_packed(self, pack, t, h):
        key = tuple(id(p) for p, _ in pack)
        flat = self.__dict__.setdefault("_packs", {}).get(key)
        if flat is None or any(st.get("exp_avg") is not mv or st.get("exp_avg_sq") is not vv
                               for (_, st), mv, vv in zip(pack, flat["m_views"], flat["v_views"])):
            members = set(key)           # packs sharing a parameter with this one are out of date
            for old in [k for k in self._packs if members.intersection(k)]:
                del self._packs[old]
            flat = self._packs[key] = self._pack(pack)
        arrays = [p.array for p, _ in pack]
        g = flat["g"]
        np.concatenate([p.grad.array.reshape(-1) for p, _ in pack], out=g)
        lr, wd = h["lr"], h["weight_decay"]
        if wd and self.decoupled:
            for a in arrays:
                a *= 1.0 - lr * wd
        elif wd:
            np.concatenate([a.reshape(-1) for a in arrays], out=flat["p"])
            flat["p"] *= wd
            g += flat["p"]
        # the passes run on a zero "parameter" whose result is −(the step), then added to each piece
        delta = flat["p"]
        delta[...] = 0.0
        self._passes(np, t, h)(delta, g, flat["m"], flat["v"], flat["work"])
        for (p, _), a, (lo, hi) in zip(pack, arrays, flat["spans"]):
            a += delta[lo:hi].reshape(a.shape)
            p.array_changed()

    @staticmethod
    def _pack(pack):
        """Flat moment arrays for ``pack``, filled from the per-parameter state where there is
        some (a loaded state dict), which then becomes views into them."""
        sizes = [p.array.size for p, _ in pack]
        total, dtype = sum(sizes), pack[0][0].array.dtype
        flat = {k: np.zeros(total, dtype) for k in ("m", "v", "g", "p", "work")}
        flat["spans"], flat["m_views"], flat["v_views"] = [], [], []
        lo = 0
        for (p, st), n in zip(pack, sizes):
            span = (lo, lo + n)
            for key, name in (("m", "exp_avg"), ("v", "exp_avg_sq")):
                piece = flat[key][lo:lo + n].reshape(p.array.shape)
                if st.get(name) is not None:
                    piece[...] = st[name]
                st[name] = piece
                flat[key + "_views"].append(piece)
            flat["spans"].append(span)
            lo += n
        return flat


class AdamW(Adam):
    """Adam with decoupled weight decay (p ← p·(1 − lr·wd) before the Adam step)."""
    defaults = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False)
    decoupled = True


class Adamax(Optimizer):
    defaults = dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)

    def update(self, p: Any, g: Any, st: dict[str, Any], h: dict[str, Any]) -> None:
        xp = get_array_module(p)
        lr, (b1, b2), eps = h["lr"], h["betas"], h["eps"]
        if h["weight_decay"]:
            g = g + h["weight_decay"] * p
        m, u = _zeros(p, st, "exp_avg"), _zeros(p, st, "exp_inf")
        m *= b1
        m += (1.0 - b1) * g
        u *= b2
        xp.maximum(u, abs(g) + eps, out=u)
        p -= (lr / (1.0 - b1 ** st["step"])) * (m / u)


class RMSprop(Optimizer):
    defaults = dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False)

    def update(self, p: Any, g: Any, st: dict[str, Any], h: dict[str, Any]) -> None:
        xp = get_array_module(p)
        lr, a, eps = h["lr"], h["alpha"], h["eps"]
        if h["weight_decay"]:
            g = g + h["weight_decay"] * p
        sq = _zeros(p, st, "square_avg")
        sq *= a
        sq += (1.0 - a) * (g * g)
        if h["centered"]:
            ga = _zeros(p, st, "grad_avg")
            ga *= a
            ga += (1.0 - a) * g
            avg = xp.sqrt(sq - ga * ga)
        else:
            avg = xp.sqrt(sq)
        avg += eps
        if h["momentum"] > 0:
            buf = _zeros(p, st, "momentum_buffer")
            buf *= h["momentum"]
            buf += g / avg
            p -= lr * buf
        else:
            p -= lr * (g / avg)


class Adagrad(Optimizer):
    defaults = dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10)

    def update(self, p: Any, g: Any, st: dict[str, Any], h: dict[str, Any]) -> None:
        xp = get_array_module(p)
        if h["weight_decay"]:
            g = g + h["weight_decay"] * p
        s = st.get("sum")
        if s is None:
            s = st["sum"] = xp.full_like(p, h["initial_accumulator_value"])
        clr = h["lr"] / (1.0 + (st["step"] - 1) * h["lr_decay"])
        s += g * g
        p -= clr * (g / (xp.sqrt(s) + h["eps"]))


class Adadelta(Optimizer):
    defaults = dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0)

    def update(self, p: Any, g: Any, st: dict[str, Any], h: dict[str, Any]) -> None:
        xp = get_array_module(p)
        rho, eps = h["rho"], h["eps"]
        if h["weight_decay"]:
            g = g + h["weight_decay"] * p
        sq, acc = _zeros(p, st, "square_avg"), _zeros(p, st, "acc_delta")
        sq *= rho
        sq += (1.0 - rho) * (g * g)
        delta = xp.sqrt(acc + eps) / xp.sqrt(sq + eps) * g
        acc *= rho
        acc += (1.0 - rho) * (delta * delta)
        p -= h["lr"] * delta
