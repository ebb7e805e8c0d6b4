"""Losses: the regression, binary and multi-class families of the lesson, PyTorch's semantics.

A target that requires grad gets PyTorch's gradient (mse, l1, huber, msle, both binary
cross-entropies, kl_div, and the probability targets of the cross-entropies): a consistency or
distillation loss trains both of its branches. Class labels and hinge labels get none. ``reduction`` is 'mean' (over all elements),
'sum' or 'none'; the multi-class losses average over samples.
"""
import numpy as np

from ..backend import get_array_module
from ..grad_mode import validating
from ..errors import ArgumentError, DTypeError, ShapeError
from .base import Op
from .elementwise import sigmoid

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(name, reduction, allowed=REDUCTIONS):
    if reduction not in allowed:
        raise ArgumentError(f"{name}: reduction must be one of {', '.join(allowed)}; got {reduction!r}")


class _ElementwiseLoss(Op):
    """Subclasses give the per-element ``value`` and its ``deriv`` with respect to the input."""

    def __init__(self, reduction="mean"):
        _check_reduction(self.name, reduction)
        self.reduction = reduction

    def forward(self, x, t):
        if x.shape != t.shape:
            raise ShapeError(
                f"{self.name}: input {tuple(x.shape)} and target {tuple(t.shape)} must have the same "
                "shape (broadcasting them would silently compare every sample with every target)")
        xp = get_array_module(x)
        if t.dtype != x.dtype:
            t = t.astype(x.dtype)
        self.check(xp, x, t)
        self.x, self.t = x, t
        el = self.value(xp, x, t)
        if self.reduction == "mean":
            return xp.asarray(el.mean())
        if self.reduction == "sum":
            return xp.asarray(el.sum())
        return el

    def check(self, xp, x, t):
        pass

    def backward(self, gy):
        xp = get_array_module(gy)
        scale = gy / max(self.x.size, 1) if self.reduction == "mean" else gy
        gx = gt = None
        if self.needs[0]:
            gx = (self.deriv(xp, self.x, self.t) * scale).astype(self.x.dtype, copy=False)
        if self.needs[1] and self.t.dtype.kind == "f":
            d = self.deriv_target(xp, self.x, self.t)
            gt = None if d is None else (d * scale).astype(self.t.dtype, copy=False)
        return gx, gt

    def deriv_target(self, xp, x, t):
        """d(value)/d(target); None where the target is a label that takes no gradient."""
        return -self.deriv(xp, x, t)


class MSELoss(_ElementwiseLoss):
    name = "mse_loss"

    def value(self, xp, x, t):
        d = x - t
        return d * d

    def deriv(self, xp, x, t):
        return 2.0 * (x - t)


class MSLELoss(_ElementwiseLoss):
    """(log(1+x) − log(1+t))²; inputs and targets must be > −1."""
    name = "msle_loss"

    def value(self, xp, x, t):
        d = xp.log1p(x) - xp.log1p(t)
        return d * d

    def deriv(self, xp, x, t):
        return 2.0 * (xp.log1p(x) - xp.log1p(t)) / (1.0 + x)

    def deriv_target(self, xp, x, t):
        return -2.0 * (xp.log1p(x) - xp.log1p(t)) / (1.0 + t)


class L1Loss(_ElementwiseLoss):
    name = "l1_loss"

    def value(self, xp, x, t):
        return abs(x - t)

    def deriv(self, xp, x, t):
        return xp.sign(x - t)


class HuberLoss(_ElementwiseLoss):
    name = "huber_loss"

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        if not delta > 0:
            raise ArgumentError(f"huber_loss: delta must be positive, got {delta}")
        self.delta = float(delta)

    def value(self, xp, x, t):
        d = abs(x - t)
        return xp.where(d <= self.delta, 0.5 * d * d, self.delta * (d - 0.5 * self.delta))

    def deriv(self, xp, x, t):
        return xp.clip(x - t, -self.delta, self.delta)


class BCELoss(_ElementwiseLoss):
    """On probabilities; logs are clamped at −100 as in PyTorch so a saturated output stays finite."""
    name = "binary_cross_entropy"

    def check(self, xp, x, t):
        if x.size and validating(x) and (float(x.min()) < 0.0 or float(x.max()) > 1.0):
            raise ArgumentError(
                f"binary_cross_entropy: input must hold probabilities in [0, 1], found values in "
                f"[{float(x.min()):.4g}, {float(x.max()):.4g}]; put a Sigmoid before it or use "
                "binary_cross_entropy_with_logits")

    def value(self, xp, x, t):
        with np.errstate(divide="ignore"):
            return -(t * xp.maximum(xp.log(x), -100.0) + (1.0 - t) * xp.maximum(xp.log1p(-x), -100.0))

    def deriv(self, xp, x, t):
        return (x - t) / xp.maximum((1.0 - x) * x, 1e-12)

    def deriv_target(self, xp, x, t):
        with np.errstate(divide="ignore"):
            return xp.maximum(xp.log1p(-x), -100.0) - xp.maximum(xp.log(x), -100.0)


class BCEWithLogitsLoss(_ElementwiseLoss):
    name = "binary_cross_entropy_with_logits"

    def __init__(self, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.pos_weight = pos_weight

    def value(self, xp, x, t):
        soft = xp.log1p(xp.exp(-abs(x))) + xp.maximum(-x, 0)
        if self.pos_weight is None:
            return (1.0 - t) * x + soft
        return (1.0 - t) * x + (1.0 + (self.pos_weight - 1.0) * t) * soft

    def deriv(self, xp, x, t):
        s = sigmoid(xp, x)
        if self.pos_weight is None:
            return s - t
        return (1.0 - t) - (1.0 + (self.pos_weight - 1.0) * t) * (1.0 - s)

    def deriv_target(self, xp, x, t):
        if self.pos_weight is None:
            return -x
        return -x + (self.pos_weight - 1.0) * (xp.log1p(xp.exp(-abs(x))) + xp.maximum(-x, 0))


def _signed(xp, t):
    """Hinge targets in {−1, 1}; {0, 1} labels are mapped to {−1, 1} as Keras does (decided on
    the device, without a round trip to the host)."""
    if not t.size:
        return t
    return xp.where(t.min() >= 0, 2.0 * t - 1.0, t)


class HingeLoss(_ElementwiseLoss):
    name = "hinge_loss"

    def value(self, xp, x, t):
        return xp.maximum(1.0 - _signed(xp, t) * x, 0)

    def deriv(self, xp, x, t):
        s = _signed(xp, t)
        return -s * (1.0 - s * x > 0)

    def deriv_target(self, xp, x, t):
        return None


class SquaredHingeLoss(_ElementwiseLoss):
    name = "squared_hinge_loss"

    def value(self, xp, x, t):
        m = xp.maximum(1.0 - _signed(xp, t) * x, 0)
        return m * m

    def deriv(self, xp, x, t):
        s = _signed(xp, t)
        return -2.0 * s * xp.maximum(1.0 - s * x, 0)

    def deriv_target(self, xp, x, t):
        return None


def _to_rows(x):
    """(N, C, d1…) → (N·d1…, C) with the class axis last; identity for (N, C)."""
    if x.ndim == 2:
        return x
    xp = get_array_module(x)
    return xp.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _from_rows(g, shape):
    if len(shape) == 2:
        return g
    xp = get_array_module(g)
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    return xp.ascontiguousarray(xp.moveaxis(g.reshape(moved), -1, 1))


class NLLLoss(Op):
    """Negative log-likelihood of integer class labels given log-probabilities (N, C[, d…]).
    With class ``weight``s the mean divides by the summed weights of the targets, as in PyTorch."""
    name = "nll_loss"
    from_logits = False

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        _check_reduction(self.name, reduction)
        self.weight, self.ignore_index, self.reduction = weight, ignore_index, reduction

    def forward(self, x, t):
        xp = get_array_module(x)
        if x.ndim < 2:
            raise ShapeError(f"{self.name}: input must be N×C (scores per class), got {tuple(x.shape)}")
        C = x.shape[1]
        if t.dtype.kind == "f" and t.shape == x.shape:
            return self._forward_soft(xp, x, t)
        if t.dtype.kind not in "iu":
            raise DTypeError(f"{self.name}: target must hold integer class labels (or class "
                             f"probabilities of the input's shape {tuple(x.shape)}), got {t.dtype} "
                             f"{tuple(t.shape)}")
        if t.shape != (x.shape[0],) + x.shape[2:]:
            raise ShapeError(f"{self.name}: input {tuple(x.shape)} needs a target of shape "
                             f"{(x.shape[0],) + x.shape[2:]}, got {tuple(t.shape)}")
        logp = self._logp(xp, _to_rows(x))
        tm = t.reshape(-1)
        rows = xp.arange(tm.shape[0])
        if self.weight is None and self.ignore_index < 0 and tm.size and validating(tm) \
                and int(tm.min()) >= 0 and int(tm.max()) < C:
            # the usual case: every label a class, none ignored, no class weights — no
            # per-sample weights to make, apply and sum (w None stands for all ones)
            return self._reduce(xp, -logp[rows, tm], x, t, logp, tm, None, rows, tm.shape[0])
        valid = tm != self.ignore_index
        tsafe = xp.where(valid, tm, 0)
        if tm.size and validating(tm) and (int(tsafe.min()) < 0 or int(tsafe.max()) >= C):
            bad = int(tsafe.min()) if int(tsafe.min()) < 0 else int(tsafe.max())
            raise ShapeError(f"{self.name}: target label {bad} is out of range for {C} classes")
        w = valid.astype(x.dtype)
        if self.weight is not None:
            w = w * self.weight[tsafe]
        return self._reduce(xp, -logp[rows, tsafe] * w, x, t, logp, tsafe, w, rows,
                            None if self.reduction != "mean" else w.sum())

    def _reduce(self, xp, el, x, t, logp, tsafe, w, rows, wsum):
        """The per-sample losses ``el`` reduced; what backward needs kept."""
        self.soft, self.shape, self.tsafe, self.w, self.rows, self.tshape = False, x.shape, tsafe, w, rows, t.shape
        self.logp = logp
        if self.reduction == "none":
            return el.reshape(t.shape)
        if self.reduction == "sum":
            return xp.asarray(el.sum())
        self.wsum = wsum
        return xp.asarray(el.sum() / wsum)

    def _forward_soft(self, xp, x, t):
        logp = self._logp(xp, _to_rows(x))
        tm = _to_rows(t)
        if self.weight is not None:
            tm = tm * self.weight
        el = -(tm * logp).sum(axis=1)
        self.soft, self.shape, self.tm, self.logp = True, x.shape, tm, logp
        self.tshape = (x.shape[0],) + x.shape[2:]
        if self.reduction == "none":
            return el.reshape(self.tshape)
        if self.reduction == "sum":
            return xp.asarray(el.sum())
        self.wsum = max(el.size, 1)
        return xp.asarray(el.sum() / self.wsum)

    def _logp(self, xp, rows):
        return rows

    def _scale(self, gy):
        if self.reduction == "none":
            return gy.reshape(-1, 1)
        if self.reduction == "sum":
            return gy
        return gy / self.wsum

    def backward(self, gy):
        xp = get_array_module(gy)
        gx = gt = None
        if self.needs[0]:
            g = self._soft_grad(xp) if self.soft else self._hard_grad(xp)
            g = g * self._scale(gy)
            gx = _from_rows(g.astype(self.logp.dtype, copy=False), self.shape)
        if self.needs[1] and self.soft:
            g = -self.logp if self.weight is None else -self.logp * self.weight
            gt = _from_rows((g * self._scale(gy)).astype(self.logp.dtype, copy=False), self.shape)
        return gx, gt

    def _hard_grad(self, xp):
        g = xp.zeros_like(self.logp)
        g[self.rows, self.tsafe] = -1.0 if self.w is None else -self.w
        return g

    def _soft_grad(self, xp):
        return -self.tm


class CrossEntropyLoss(NLLLoss):
    """log_softmax + nll on logits: integer labels ("sparse categorical") or class probabilities."""
    name = "cross_entropy"

    def _logp(self, xp, rows):
        s = rows - rows.max(axis=1, keepdims=True)
        return s - xp.log(xp.exp(s).sum(axis=1, keepdims=True))

    def _hard_grad(self, xp):
        g = xp.exp(self.logp)
        g[self.rows, self.tsafe] -= 1.0
        return g if self.w is None else g * self.w[:, None]

    def _soft_grad(self, xp):
        return xp.exp(self.logp) * self.tm.sum(axis=1, keepdims=True) - self.tm


class CategoricalCrossEntropy(Op):
    """Keras' categorical cross-entropy on predicted probabilities (class axis last) and one-hot or
    probability targets: −Σ t·log(clip(p, eps, 1−eps)), averaged over samples."""
    name = "categorical_cross_entropy"

    def __init__(self, eps=1e-7, reduction="mean"):
        _check_reduction(self.name, reduction)
        self.eps, self.reduction = eps, reduction

    def forward(self, p, t):
        xp = get_array_module(p)
        if p.shape != t.shape:
            raise ShapeError(f"{self.name}: predictions {tuple(p.shape)} and one-hot/probability "
                             f"targets {tuple(t.shape)} must have the same shape")
        t = t.astype(p.dtype, copy=False)
        pc = xp.clip(p, self.eps, 1.0 - self.eps)
        el = -(t * xp.log(pc)).sum(axis=-1)
        self.p, self.t, self.pc, self.n = p, t, pc, el.size
        if self.reduction == "none":
            return el
        return xp.asarray(el.sum() if self.reduction == "sum" else el.mean())

    def backward(self, gy):
        if self.reduction == "none":
            scale = gy[..., None]
        else:
            scale = gy if self.reduction == "sum" else gy / max(self.n, 1)
        gp = gt = None
        if self.needs[0]:
            inside = (self.p >= self.eps) & (self.p <= 1.0 - self.eps)
            gp = (-self.t / self.pc * inside * scale).astype(self.p.dtype, copy=False)
        if self.needs[1]:
            gt = (-get_array_module(self.pc).log(self.pc) * scale).astype(self.p.dtype, copy=False)
        return gp, gt


class KLDivLoss(Op):
    """PyTorch's kl_div: input holds log-probabilities; target probabilities (or log-probabilities
    with log_target). 'batchmean' divides the sum by the batch size (the true KL divergence)."""
    name = "kl_div"

    def __init__(self, reduction="mean", log_target=False):
        _check_reduction(self.name, reduction, REDUCTIONS + ("batchmean",))
        self.reduction, self.log_target = reduction, log_target

    def forward(self, x, t):
        xp = get_array_module(x)
        if x.shape != t.shape:
            raise ShapeError(f"{self.name}: input {tuple(x.shape)} and target {tuple(t.shape)} "
                             "must have the same shape")
        t = t.astype(x.dtype, copy=False)
        self.x, self.t = x, t
        if self.log_target:
            self.pt = xp.exp(t)
            el = self.pt * (t - x)
        else:
            self.pt = t
            with np.errstate(divide="ignore", invalid="ignore"):
                el = xp.where(t > 0, t * (xp.log(xp.where(t > 0, t, 1)) - x), 0.0 * x)
        self.shape = x.shape
        if self.reduction == "none":
            return el.astype(x.dtype, copy=False)
        s = el.sum()
        if self.reduction == "sum":
            self.div = 1.0
        elif self.reduction == "batchmean":
            self.div = float(x.shape[0]) if x.ndim else 1.0
        else:
            self.div = float(max(x.size, 1))
        return xp.asarray(s / self.div).astype(x.dtype)

    def backward(self, gy):
        scale = gy if self.reduction == "none" else gy / self.div
        gx = gt = None
        if self.needs[0]:
            gx = (-self.pt * scale).astype(self.pt.dtype, copy=False)
        if self.needs[1]:
            xp = get_array_module(gy)
            if self.log_target:
                d = self.pt * (self.t - self.x + 1.0)
            else:   # PyTorch's value, NaN where the target is 0 (d(t·log t)/dt is unbounded there)
                with np.errstate(divide="ignore", invalid="ignore"):
                    d = xp.where(self.t > 0, xp.log(self.t) + 1.0 - self.x, xp.nan)
            gt = (d * scale).astype(self.pt.dtype, copy=False)
        return gx, gt
