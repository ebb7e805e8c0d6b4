"""``Tensor``: an array (numpy or CuPy) plus what autodiff needs, and ``apply``, the tape recorder.

Storage and versions, as in PyTorch: ``t.array`` is the backing numpy/CuPy array itself (never a
copy); ``t.data`` is another Tensor over the same memory, outside autograd; ``t.detach()`` shares
the memory *and* the version counter. Every in-place change (``add_``, ``x += y``, ``x[i] = v``,
an optimizer step) bumps the version; ``backward`` refuses to use a value that was changed after
an op saved it, instead of silently computing a wrong gradient.
"""
from __future__ import annotations

import itertools
import threading
from typing import TYPE_CHECKING

import numpy as np

from .backend import Device, device_of, get_array_module, is_gpu_array, to_host
from .dtypes import as_dtype
from .errors import DTypeError, EngineError, GraphError, ShapeError
from .grad_mode import mode
from .random import Generator, default_generator
from .typing import Any, ArrayLike, DeviceLike, DTypeLike, Sequence, TensorLike
from . import autograd

if TYPE_CHECKING:
    from .functional import MaxResult


# Version stamps. Every in-place change takes the next stamp from one counter and writes it into
# the changed storage's cell (shared by the tensors over that storage: detach()); ``_now`` is the
# latest stamp. An op records ``_now`` when it runs, so at backward "was this input changed after
# the op used it?" is one comparison — and none at all when nothing changed since (the usual case).
_stamps = itertools.count(1)
_now = 0
_stamp_lock = threading.Lock()     # the training thread and the window both change weights


def _describe(arrays):
    return ", ".join(f"{a.dtype} {tuple(a.shape)}" if hasattr(a, "shape") else repr(a) for a in arrays)


def _op_error(op, arrays, exc):
    cls = DTypeError if isinstance(exc, TypeError) else ShapeError
    return cls(f"{op.name}: {exc} (inputs: {_describe(arrays)})")


def apply(op, *inputs):
    """Run ``op`` forward on the tensors' arrays and, when any input requires grad, record it."""
    arrays = [t.array for t in inputs]
    rg = mode.grad_enabled and any(t.requires_grad for t in inputs)
    op.needs = tuple(t.requires_grad for t in inputs) if rg else (False,) * len(inputs)
    try:
        out = op.forward(*arrays)
    except EngineError:
        raise
    except (ValueError, TypeError, IndexError) as exc:
        raise _op_error(op, arrays, exc) from None
    if mode.anomaly:
        autograd.check_finite(op, out if op.n_outputs > 1 else (out,), "the output of its forward")
    if rg:
        op.inputs = inputs
        op.since = _now
    if op.n_outputs == 1:
        t = Tensor.__new__(Tensor)
        t.array = np.asarray(out) if isinstance(out, np.generic) else out
        t.grad, t.requires_grad, t.name, t._version = None, rg, None, None
        t._op, t._idx = (op, 0) if rg else (None, 0)
        if getattr(t.array, "base", None) is not None:
            _share_version(t, inputs)
        return t
    outs = []
    for i, o in enumerate(out):
        t = Tensor.__new__(Tensor)
        t.array = np.asarray(o) if isinstance(o, np.generic) else o
        r = rg and t.array.dtype.kind == "f"
        t.grad, t.requires_grad, t.name, t._version = None, r, None, None
        t._op, t._idx = (op, i) if r else (None, 0)
        if getattr(t.array, "base", None) is not None:
            _share_version(t, inputs)
        outs.append(t)
    return tuple(outs)


def _share_version(view, inputs):
    """A view (reshape, transpose, a slice) shares its base tensor's version cell, as in PyTorch:
    an in-place change through the view is a change of the base's memory."""
    xp = get_array_module(view.array)
    for t in inputs:
        if xp is np and np.may_share_memory(view.array, t.array) or xp is not np and view.array.base is t.array:
            if t._version is None:
                t._version = [0]
            view._version = t._version
            return


def as_array(data, dtype=None, device=None, copy=False):
    """An engine-ready array: Python floats become float32 (as PyTorch), arrays keep their dtype."""
    if isinstance(data, Tensor):
        data = data.array
    if dtype is not None:
        dtype = as_dtype(dtype)
    if isinstance(data, np.ndarray) or is_gpu_array(data):
        arr = data
    elif hasattr(data, "__cuda_array_interface__"):
        arr = Device("gpu").asarray(data)
    else:
        arr = np.asarray(data)
        if dtype is None:
            if arr.dtype.kind == "f":
                arr = arr.astype(np.float32)
            elif arr.dtype.kind in "iu":
                arr = arr.astype(np.int64, copy=False)
            elif arr.dtype.kind not in "b":
                raise DTypeError(f"tensor: cannot make a tensor from data of dtype {arr.dtype}")
        copy = False
    if dtype is not None and arr.dtype != dtype:
        arr, copy = arr.astype(dtype), False
    if device is not None:
        dev = Device(device)
        if device_of(arr) != dev:
            arr, copy = dev.asarray(arr), False
    if copy:
        arr = arr.copy()
    return arr


class Tensor:
    """An n-dimensional array that records the ops applied to it when ``requires_grad`` is set."""

    __slots__ = ("array", "grad", "requires_grad", "name", "_op", "_idx", "_version", "__weakref__")
    __array_ufunc__ = None        # numpy defers `ndarray + Tensor` to Tensor.__radd__
    __hash__ = object.__hash__   # == is elementwise, hashing stays by identity

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: DTypeLike | None = None,
                 device: DeviceLike | None = None) -> None:
        self.array = as_array(data, dtype, device)
        if requires_grad and self.array.dtype.kind != "f":
            raise DTypeError(f"only floating-point tensors can require gradients, got {self.array.dtype}")
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.name = None
        self._op, self._idx, self._version = None, 0, None

    @classmethod
    def wrap(cls, array: Any, requires_grad: bool = False) -> Tensor:
        """A tensor around an existing engine array, without checks or copies (hot paths)."""
        t = cls.__new__(cls)
        t.array, t.grad, t.requires_grad, t.name, t._op, t._idx = array, None, requires_grad, None, None, 0
        t._version = None
        return t

    # ------------------------------------------------------------- storage
    @property
    def data(self) -> Tensor:
        """This tensor's values as a tensor outside autograd, sharing its memory (PyTorch's
        ``.data``): ``w.data.sub_(lr * w.grad)`` updates ``w``. Unlike ``detach()``, changes made
        through it are not seen by the version check. The raw numpy/CuPy array is ``.array``."""
        return Tensor.wrap(self.array)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data: assign a Tensor, got {type(value).__name__} (the raw array is "
                            "set through .array)")
        self.array = value.array
        self.array_changed()

    def array_changed(self) -> None:
        """Record that this tensor's memory was changed in place. The in-place methods call it;
        code that writes into ``t.array`` directly (an optimizer's update, load_state_dict) calls
        it too, so backward can refuse values changed after an op used them."""
        global _now
        with _stamp_lock:
            stamp = next(_stamps)
            _now = stamp
            if self._version is None:
                self._version = [stamp]
            else:
                self._version[0] = stamp

    # ------------------------------------------------------------- facts
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    @property
    def device(self) -> Device:
        return device_of(self.array)

    @property
    def is_leaf(self) -> bool:
        return self._op is None

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        return int(self.array.size)

    def dim(self) -> int:
        return self.array.ndim

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __repr__(self) -> str:
        body = np.array2string(to_host(self.array), precision=4, separator=", ", threshold=50)
        extra = f", device='{self.device}'" if is_gpu_array(self.array) else ""
        extra += ", requires_grad=True" if self.requires_grad else ""
        dt = "" if self.array.dtype == np.float32 else f", dtype={self.array.dtype}"
        return f"tensor({body}{dt}{extra})"

    # ------------------------------------------------------------- autodiff
    def backward(self, grad: TensorLike | None = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``; ``grad`` is the upstream
        gradient (required unless self has one element)."""
        if not self.requires_grad:
            raise GraphError("backward: this tensor does not require grad (none of its inputs has "
                             "requires_grad=True, or it was computed under no_grad)")
        xp = get_array_module(self.array)
        if grad is None:
            if self.array.size != 1:
                raise GraphError(f"backward: a gradient can be implied only for a one-element tensor; "
                                 f"pass grad= of shape {self.shape}")
            g = xp.ones(self.array.shape, dtype=self.array.dtype)
        else:
            g = xp.array(grad.array if isinstance(grad, Tensor) else grad, dtype=self.array.dtype)
            if g.shape != self.array.shape:
                raise ShapeError(f"backward: grad has shape {tuple(g.shape)} but the tensor has {self.shape}")
        autograd.backward(self, g, retain_graph)

    def detach(self) -> Tensor:
        """A tensor outside autograd sharing this one's memory and version counter."""
        if self._version is None:
            self._version = [0]
        t = Tensor.wrap(self.array)
        t._version = self._version
        return t

    def detach_(self) -> Tensor:
        self._op, self._idx, self.requires_grad = None, 0, False
        return self

    def clone(self) -> Tensor:
        """A copy with its own memory; gradients flow back through it."""
        return F.clone(self)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        if flag and self.array.dtype.kind != "f":
            raise DTypeError(f"only floating-point tensors can require gradients, got {self.array.dtype}")
        self.requires_grad = bool(flag)
        return self

    def zero_grad_(self) -> None:
        self.grad = None

    @property
    def grad_fn(self) -> Any:
        """The op that made this tensor (None for a leaf)."""
        return self._op

    # ------------------------------------------------------------- conversion
    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(t)``: the values on the host (a copy from the GPU)."""
        a = to_host(self.array)
        return a if dtype is None else a.astype(dtype, copy=False)

    def numpy(self) -> np.ndarray:
        """The values as a numpy array (a copy from the GPU; the same memory on the CPU)."""
        return to_host(self.array)

    def item(self) -> float | int | bool:
        if self.array.size != 1:
            raise ShapeError(f"item: only one-element tensors convert to a Python number, got {self.shape}")
        return self.array.item()

    def tolist(self) -> Any:
        return to_host(self.array).tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        return bool(self.item())

    def to(self, target: DTypeLike | DeviceLike) -> Tensor:
        """A copy on another device (``'cpu'``, ``'gpu'``, ``'cuda:1'``) or with another dtype.
        Not recorded on the tape: the result is a leaf with the same requires_grad."""
        try:
            dtype, device = as_dtype(target), None
        except DTypeError:
            dtype, device = None, Device(target)
        if isinstance(target, str) and target.split(":")[0] in ("cpu", "gpu", "cuda"):
            dtype, device = None, Device(target)
        t = Tensor(as_array(self.array, dtype, device))
        t.requires_grad = self.requires_grad and t.array.dtype.kind == "f"
        return t

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, index: int = 0) -> Tensor:
        return self.to(f"cuda:{index}")

    def float(self) -> Tensor:
        return F.cast(self, np.float32)

    def double(self) -> Tensor:
        return F.cast(self, np.float64)

    def long(self) -> Tensor:
        return Tensor(self.array.astype(np.int64))

    # ------------------------------------------------------------- operators
    def __add__(self, o: TensorLike) -> Tensor: return F.add(self, o)
    def __radd__(self, o: TensorLike) -> Tensor: return F.add(o, self)
    def __sub__(self, o: TensorLike) -> Tensor: return F.sub(self, o)
    def __rsub__(self, o: TensorLike) -> Tensor: return F.sub(o, self)
    def __mul__(self, o: TensorLike) -> Tensor: return F.mul(self, o)
    def __rmul__(self, o: TensorLike) -> Tensor: return F.mul(o, self)
    def __truediv__(self, o: TensorLike) -> Tensor: return F.div(self, o)
    def __rtruediv__(self, o: TensorLike) -> Tensor: return F.div(o, self)
    def __pow__(self, o: TensorLike) -> Tensor: return F.pow(self, o)
    def __rpow__(self, o: TensorLike) -> Tensor: return F.pow(o, self)
    def __matmul__(self, o: TensorLike) -> Tensor: return F.matmul(self, o)
    def __rmatmul__(self, o: TensorLike) -> Tensor: return F.matmul(o, self)
    def __neg__(self) -> Tensor: return F.neg(self)
    def __pos__(self) -> Tensor: return self
    def __abs__(self) -> Tensor: return F.abs(self)
    def __getitem__(self, index: Any) -> Tensor: return F.getitem(self, index)

    def _compare(self, o, fn):
        return Tensor(fn(self.array, o.array if isinstance(o, Tensor) else o))

    def __lt__(self, o: TensorLike) -> Tensor: return self._compare(o, lambda a, b: a < b)
    def __le__(self, o: TensorLike) -> Tensor: return self._compare(o, lambda a, b: a <= b)
    def __gt__(self, o: TensorLike) -> Tensor: return self._compare(o, lambda a, b: a > b)
    def __ge__(self, o: TensorLike) -> Tensor: return self._compare(o, lambda a, b: a >= b)
    def __eq__(self, o: TensorLike) -> Tensor: return self._compare(o, lambda a, b: a == b)
    def __ne__(self, o: TensorLike) -> Tensor: return self._compare(o, lambda a, b: a != b)

    def __setitem__(self, index: Any, value: float) -> None:
        """In-place assignment ``x[i] = v``. On a tensor with a recorded history it is refused:
        the gradient of a partly overwritten tensor is not tracked; build the value with
        ``engine.where`` or ``engine.cat`` instead."""
        if mode.grad_enabled and (self.requires_grad or (isinstance(value, Tensor) and value.requires_grad)):
            what = ("a leaf tensor that requires grad" if self._op is None else
                    "a tensor with a recorded history" if self.requires_grad else "a value that requires grad")
            raise GraphError(f"setitem: assigning in place into {what} is not recorded by autograd; "
                             "do it under engine.no_grad() (or on .data), or build the tensor with "
                             "engine.where / engine.cat")
        self.array[F._raw_index(index)] = value.array if isinstance(value, Tensor) else value
        self.array_changed()

    # ------------------------------------------------------------- in place (PyTorch's rules)
    def _inplace(self, name, compute, *others):
        """Write ``compute(self)`` into this tensor's memory. With gradients on, the op is recorded
        and this tensor takes its place in the history (its old value is kept for backward);
        a leaf that requires grad may change only under no_grad, as in PyTorch."""
        record = mode.grad_enabled and (
            self.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in others))
        if record and self.requires_grad and self._op is None:
            raise GraphError(f"{name}: a leaf tensor that requires grad cannot be changed in place "
                             "while gradients are recorded; update it under engine.no_grad() or "
                             "through .data")
        if record and getattr(self.array, "base", None) is not None and self._version is not None:
            raise GraphError(f"{name}: this tensor is a view (a slice, reshape or transpose) of another one; "
                             "changing it in place while gradients are recorded is not supported — compute "
                             "the new tensor out of place (engine.where, engine.cat)")
        if record:
            before = Tensor.wrap(self.array.copy(), self.requires_grad)
            before._op, before._idx = self._op, self._idx
            out = compute(before)
        else:
            prev, mode.grad_enabled = mode.grad_enabled, False
            try:
                out = compute(self)
            finally:
                mode.grad_enabled = prev
        res = out.array
        if tuple(res.shape) != tuple(self.array.shape):
            raise ShapeError(f"{name}: the result has shape {tuple(res.shape)} but the tensor has "
                             f"{self.shape}; an in-place operation cannot change a tensor's shape")
        if res.dtype != self.array.dtype and not np.can_cast(res.dtype, self.array.dtype, "same_kind"):
            raise DTypeError(f"{name}: a {res.dtype} result cannot be written into this "
                             f"{self.array.dtype} tensor in place")
        if self._op is not None and _saves(self._op, self.array):
            self._op.__dict__["overwritten"] = f"{self.array.dtype} {self.shape}"
        xp = get_array_module(self.array)
        xp.copyto(self.array, res, casting="unsafe")
        if record:
            self._op, self._idx, self.requires_grad = out._op, out._idx, out.requires_grad
        self.array_changed()
        return self

    def add_(self, other: TensorLike, alpha: float = 1) -> Tensor:
        return self._inplace("add_", lambda s: s + (other if alpha == 1 else other * alpha), other)

    def sub_(self, other: TensorLike, alpha: float = 1) -> Tensor:
        return self._inplace("sub_", lambda s: s - (other if alpha == 1 else other * alpha), other)

    def mul_(self, other: TensorLike) -> Tensor: return self._inplace("mul_", lambda s: s * other, other)
    def div_(self, other: TensorLike) -> Tensor: return self._inplace("div_", lambda s: s / other, other)
    def pow_(self, p: float) -> Tensor: return self._inplace("pow_", lambda s: s ** p, p)
    def neg_(self) -> Tensor: return self._inplace("neg_", lambda s: -s)
    def exp_(self) -> Tensor: return self._inplace("exp_", F.exp)
    def sqrt_(self) -> Tensor: return self._inplace("sqrt_", F.sqrt)
    def abs_(self) -> Tensor: return self._inplace("abs_", F.abs)
    def relu_(self) -> Tensor: return self._inplace("relu_", F.relu)
    def sigmoid_(self) -> Tensor: return self._inplace("sigmoid_", F.sigmoid)
    def tanh_(self) -> Tensor: return self._inplace("tanh_", F.tanh)
    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        return self._inplace("clamp_", lambda s: F.clamp(s, min, max))
    clip_ = clamp_

    def copy_(self, src: TensorLike) -> Tensor:
        """Copy ``src``'s values (broadcast to this shape) into this tensor."""
        src = src if isinstance(src, Tensor) else Tensor(np.asarray(src))
        if src.array.dtype != self.array.dtype:
            src = F.cast(src, self.array.dtype)
        return self._inplace("copy_", lambda s: _replace(s, src), src)

    def fill_(self, value: float | Tensor) -> Tensor:
        value = value.item() if isinstance(value, Tensor) else value
        if mode.grad_enabled and self.requires_grad:
            return self._inplace("fill_", lambda s: _replace(s, value))
        self.array.fill(value)
        self.array_changed()
        return self

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
        return self._draw_("uniform_", lambda g: g.uniform(a, b, self.shape), generator)

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> Tensor:
        return self._draw_("normal_", lambda g: g.normal(mean, std, self.shape), generator)

    def _draw_(self, name, draw, generator):
        values = draw(generator or default_generator())
        return self._inplace(name, lambda s: _replace(s, Tensor(self.device.asarray(
            np.asarray(values, dtype=self.array.dtype)))))

    def __iadd__(self, o: TensorLike) -> Tensor: return self.add_(o)
    def __isub__(self, o: TensorLike) -> Tensor: return self.sub_(o)
    def __imul__(self, o: TensorLike) -> Tensor: return self.mul_(o)
    def __itruediv__(self, o: TensorLike) -> Tensor: return self.div_(o)

    # ------------------------------------------------------------- methods (PyTorch names)
    def sum(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        return F.sum(self, dim, keepdim)
    def mean(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        return F.mean(self, dim, keepdim)
    def max(self, dim: int | None = None, keepdim: bool = False) -> Tensor | MaxResult:
        return F.max(self, dim, keepdim)
    def min(self, dim: int | None = None, keepdim: bool = False) -> Tensor | MaxResult:
        return F.min(self, dim, keepdim)
    def var(self, dim: int | Sequence[int] | None = None, keepdim: bool = False, correction: int = 1) -> Tensor:
        return F.var(self, dim, keepdim, correction)
    def std(self, dim: int | Sequence[int] | None = None, keepdim: bool = False, correction: int = 1) -> Tensor:
        return F.std(self, dim, keepdim, correction)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return Tensor(_arg(self.array, dim, keepdim, True))

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return Tensor(_arg(self.array, dim, keepdim, False))

    def reshape(self, *shape: int) -> Tensor: return F.reshape(self, *shape)
    view = reshape
    def transpose(self, dim0: int, dim1: int) -> Tensor: return F.transpose(self, dim0, dim1)
    def permute(self, *dims: int) -> Tensor: return F.permute(self, *dims)
    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return F.flatten(self, start_dim, end_dim)
    def squeeze(self, dim: int | None = None) -> Tensor: return F.squeeze(self, dim)
    def unsqueeze(self, dim: int) -> Tensor: return F.unsqueeze(self, dim)
    def expand(self, *shape: int) -> Tensor: return F.expand(self, *shape)

    @property
    def T(self) -> Tensor:
        return F.permute(self, *reversed(range(self.ndim)))

    def exp(self) -> Tensor: return F.exp(self)
    def log(self) -> Tensor: return F.log(self)
    def sqrt(self) -> Tensor: return F.sqrt(self)
    def abs(self) -> Tensor: return F.abs(self)
    def pow(self, p: float | Tensor) -> Tensor: return F.pow(self, p)
    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        return F.clamp(self, min, max)
    def relu(self) -> Tensor: return F.relu(self)
    def sigmoid(self) -> Tensor: return F.sigmoid(self)
    def tanh(self) -> Tensor: return F.tanh(self)
    def softmax(self, dim: int = -1) -> Tensor: return F.softmax(self, dim)
    def log_softmax(self, dim: int = -1) -> Tensor: return F.log_softmax(self, dim)
    def matmul(self, o: TensorLike) -> Tensor: return F.matmul(self, o)
    mm = matmul
    def add(self, o: TensorLike, alpha: float = 1) -> Tensor:
        return F.add(self, o if alpha == 1 else o * alpha)
    def sub(self, o: TensorLike, alpha: float = 1) -> Tensor:
        return F.sub(self, o if alpha == 1 else o * alpha)
    def mul(self, o: TensorLike) -> Tensor: return F.mul(self, o)
    def div(self, o: TensorLike) -> Tensor: return F.div(self, o)
    def neg(self) -> Tensor: return F.neg(self)
    def square(self) -> Tensor: return F.square(self)
    def sin(self) -> Tensor: return F.sin(self)
    def cos(self) -> Tensor: return F.cos(self)
    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        return F.clamp(self, min, max)
    def maximum(self, o: TensorLike) -> Tensor: return F.maximum(self, o)
    def minimum(self, o: TensorLike) -> Tensor: return F.minimum(self, o)
    def view_as(self, o: TensorLike) -> Tensor: return F.reshape(self, o.shape)
    reshape_as = view_as
    def contiguous(self) -> Tensor: return self
    def is_floating_point(self) -> bool: return self.array.dtype.kind == "f"
    def int(self) -> Tensor: return F.cast(self, np.int32)
    def bool(self) -> Tensor: return F.cast(self, np.bool_)

    def t(self) -> Tensor:
        """The transpose of a matrix (a vector or scalar is returned as is), as ``torch.t``."""
        if self.ndim > 2:
            raise ShapeError(f"t: expects a tensor with at most 2 dims, got {self.shape}; use transpose")
        return self if self.ndim < 2 else F.transpose(self, 0, 1)

    def all(self) -> Tensor:
        return Tensor(get_array_module(self.array).asarray(self.array.all()))

    def any(self) -> Tensor:
        return Tensor(get_array_module(self.array).asarray(self.array.any()))


def _replace(s, src):
    """``src`` broadcast to ``s``'s shape, recorded so that no gradient reaches ``s`` (what an
    in-place copy or fill does); never ``s * 0 + src``, which turns inf into NaN."""
    keep = get_array_module(s.array).zeros(s.array.shape, dtype=bool)
    return F.where(keep, s, src)


def _saves(op, array):
    """Whether ``op`` kept (a view of) ``array`` for its backward."""
    xp = get_array_module(array)
    for v in op.__dict__.values():
        if hasattr(v, "shape") and hasattr(v, "dtype") and (
                v is array or (xp is np and isinstance(v, np.ndarray) and np.may_share_memory(v, array))):
            return True
    return False


def _arg(a, dim, keepdim, largest):
    xp = get_array_module(a)
    if dim is None:
        r = a.argmax() if largest else a.argmin()
        return xp.asarray(r).reshape((1,) * a.ndim if keepdim else ())
    r = a.argmax(axis=dim) if largest else a.argmin(axis=dim)
    return xp.expand_dims(r, dim) if keepdim else r


from . import functional as F  # noqa: E402  (functional needs Tensor and apply defined above)
