"""``Tensor``: an array (numpy or CuPy) plus what autodiff needs, and ``apply``, the tape recorder."""
import numpy as np

from .backend import Device, device_of, get_array_module, is_gpu_array, to_host
from .dtypes import as_dtype
from .errors import DTypeError, EngineError, GraphError, ShapeError
from .grad_mode import mode
from . import autograd


def _describe(arrays):
    return ", ".join(f"{a.dtype} {tuple(a.shape)}" if hasattr(a, "shape") else repr(a) for a in arrays)


def _op_error(op, arrays, exc):
    cls = DTypeError if isinstance(exc, TypeError) else ShapeError
    return cls(f"{op.name}: {exc} (inputs: {_describe(arrays)})")


def apply(op, *inputs):
    """Run ``op`` forward on the tensors' arrays and, when any input requires grad, record it."""
    arrays = [t.data for t in inputs]
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
    if op.n_outputs == 1:
        t = Tensor.__new__(Tensor)
        t.data = np.asarray(out) if isinstance(out, np.generic) else out
        t.grad, t.requires_grad, t.name = None, rg, None
        t._op, t._idx = (op, 0) if rg else (None, 0)
        return t
    outs = []
    for i, o in enumerate(out):
        t = Tensor.__new__(Tensor)
        t.data = np.asarray(o) if isinstance(o, np.generic) else o
        r = rg and t.data.dtype.kind == "f"
        t.grad, t.requires_grad, t.name = None, r, None
        t._op, t._idx = (op, i) if r else (None, 0)
        outs.append(t)
    return tuple(outs)


def as_array(data, dtype=None, device=None, copy=False):
    """An engine-ready array: Python floats become float32 (as PyTorch), arrays keep their dtype."""
    if isinstance(data, Tensor):
        data = data.data
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

    __slots__ = ("data", "grad", "requires_grad", "name", "_op", "_idx", "__weakref__")
    __array_ufunc__ = None        # numpy defers `ndarray + Tensor` to Tensor.__radd__
    __hash__ = object.__hash__   # == is elementwise, hashing stays by identity

    def __init__(self, data, requires_grad=False, dtype=None, device=None):
        self.data = as_array(data, dtype, device)
        if requires_grad and self.data.dtype.kind != "f":
            raise DTypeError(f"only floating-point tensors can require gradients, got {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.name = None
        self._op, self._idx = None, 0

    @classmethod
    def wrap(cls, array, requires_grad=False):
        """A tensor around an existing engine array, without checks or copies (hot paths)."""
        t = cls.__new__(cls)
        t.data, t.grad, t.requires_grad, t.name, t._op, t._idx = array, None, requires_grad, None, None, 0
        return t

    # ------------------------------------------------------------- facts
    @property
    def shape(self):
        return tuple(self.data.shape)

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return device_of(self.data)

    @property
    def is_leaf(self):
        return self._op is None

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self):
        return int(self.data.size)

    def dim(self):
        return self.data.ndim

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __repr__(self):
        body = np.array2string(to_host(self.data), precision=4, separator=", ", threshold=50)
        extra = f", device='{self.device}'" if is_gpu_array(self.data) else ""
        extra += ", requires_grad=True" if self.requires_grad else ""
        dt = "" if self.data.dtype == np.float32 else f", dtype={self.data.dtype}"
        return f"tensor({body}{dt}{extra})"

    # ------------------------------------------------------------- autodiff
    def backward(self, grad=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``; ``grad`` is the upstream
        gradient (required unless self has one element)."""
        if not self.requires_grad:
            raise GraphError("backward: this tensor does not require grad (none of its inputs has "
                             "requires_grad=True, or it was computed under no_grad)")
        xp = get_array_module(self.data)
        if grad is None:
            if self.data.size != 1:
                raise GraphError(f"backward: a gradient can be implied only for a one-element tensor; "
                                 f"pass grad= of shape {self.shape}")
            g = xp.ones(self.data.shape, dtype=self.data.dtype)
        else:
            g = xp.array(grad.data if isinstance(grad, Tensor) else grad, dtype=self.data.dtype)
            if g.shape != self.data.shape:
                raise ShapeError(f"backward: grad has shape {tuple(g.shape)} but the tensor has {self.shape}")
        autograd.backward(self, g, retain_graph)

    def detach(self):
        return Tensor(self.data)

    def requires_grad_(self, flag=True):
        if flag and self.data.dtype.kind != "f":
            raise DTypeError(f"only floating-point tensors can require gradients, got {self.data.dtype}")
        self.requires_grad = bool(flag)
        return self

    def zero_grad_(self):
        self.grad = None

    # ------------------------------------------------------------- conversion
    def numpy(self):
        """The values as a numpy array (a copy from the GPU; the same memory on the CPU)."""
        return to_host(self.data)

    def item(self):
        if self.data.size != 1:
            raise ShapeError(f"item: only one-element tensors convert to a Python number, got {self.shape}")
        return self.data.item()

    def tolist(self):
        return to_host(self.data).tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        return bool(self.item())

    def to(self, target):
        """A copy on another device (``'cpu'``, ``'gpu'``, ``'cuda:1'``) or with another dtype.
        Not recorded on the tape: the result is a leaf with the same requires_grad."""
        try:
            dtype, device = as_dtype(target), None
        except DTypeError:
            dtype, device = None, Device(target)
        if isinstance(target, str) and target.split(":")[0] in ("cpu", "gpu", "cuda"):
            dtype, device = None, Device(target)
        t = Tensor(as_array(self.data, dtype, device))
        t.requires_grad = self.requires_grad and t.data.dtype.kind == "f"
        return t

    def cpu(self):
        return self.to("cpu")

    def cuda(self, index=0):
        return self.to(f"cuda:{index}")

    def float(self):
        return F.cast(self, np.float32)

    def double(self):
        return F.cast(self, np.float64)

    def long(self):
        return Tensor(self.data.astype(np.int64))

    # ------------------------------------------------------------- operators
    def __add__(self, o): return F.add(self, o)
    def __radd__(self, o): return F.add(o, self)
    def __sub__(self, o): return F.sub(self, o)
    def __rsub__(self, o): return F.sub(o, self)
    def __mul__(self, o): return F.mul(self, o)
    def __rmul__(self, o): return F.mul(o, self)
    def __truediv__(self, o): return F.div(self, o)
    def __rtruediv__(self, o): return F.div(o, self)
    def __pow__(self, o): return F.pow(self, o)
    def __rpow__(self, o): return F.pow(o, self)
    def __matmul__(self, o): return F.matmul(self, o)
    def __rmatmul__(self, o): return F.matmul(o, self)
    def __neg__(self): return F.neg(self)
    def __pos__(self): return self
    def __abs__(self): return F.abs(self)
    def __getitem__(self, index): return F.getitem(self, index)

    def _compare(self, o, fn):
        return Tensor(fn(self.data, o.data if isinstance(o, Tensor) else o))

    def __lt__(self, o): return self._compare(o, lambda a, b: a < b)
    def __le__(self, o): return self._compare(o, lambda a, b: a <= b)
    def __gt__(self, o): return self._compare(o, lambda a, b: a > b)
    def __ge__(self, o): return self._compare(o, lambda a, b: a >= b)
    def __eq__(self, o): return self._compare(o, lambda a, b: a == b)
    def __ne__(self, o): return self._compare(o, lambda a, b: a != b)

    def __setitem__(self, index, value):
        if self.requires_grad and mode.grad_enabled:
            raise GraphError("setitem: in-place assignment into a tensor that requires grad would "
                             "break its gradient; do it under engine.no_grad() or on .detach()")
        self.data[index] = value.data if isinstance(value, Tensor) else value

    # ------------------------------------------------------------- methods (PyTorch names)
    def sum(self, dim=None, keepdim=False): return F.sum(self, dim, keepdim)
    def mean(self, dim=None, keepdim=False): return F.mean(self, dim, keepdim)
    def max(self, dim=None, keepdim=False): return F.max(self, dim, keepdim)
    def min(self, dim=None, keepdim=False): return F.min(self, dim, keepdim)
    def var(self, dim=None, keepdim=False, correction=1): return F.var(self, dim, keepdim, correction)
    def std(self, dim=None, keepdim=False, correction=1): return F.std(self, dim, keepdim, correction)

    def argmax(self, dim=None, keepdim=False):
        return Tensor(_arg(self.data, dim, keepdim, True))

    def argmin(self, dim=None, keepdim=False):
        return Tensor(_arg(self.data, dim, keepdim, False))

    def reshape(self, *shape): return F.reshape(self, *shape)
    view = reshape
    def transpose(self, dim0, dim1): return F.transpose(self, dim0, dim1)
    def permute(self, *dims): return F.permute(self, *dims)
    def flatten(self, start_dim=0, end_dim=-1): return F.flatten(self, start_dim, end_dim)
    def squeeze(self, dim=None): return F.squeeze(self, dim)
    def unsqueeze(self, dim): return F.unsqueeze(self, dim)
    def expand(self, *shape): return F.expand(self, *shape)

    @property
    def T(self):
        return F.permute(self, *reversed(range(self.ndim)))

    def exp(self): return F.exp(self)
    def log(self): return F.log(self)
    def sqrt(self): return F.sqrt(self)
    def abs(self): return F.abs(self)
    def pow(self, p): return F.pow(self, p)
    def clamp(self, min=None, max=None): return F.clamp(self, min, max)
    def relu(self): return F.relu(self)
    def sigmoid(self): return F.sigmoid(self)
    def tanh(self): return F.tanh(self)
    def softmax(self, dim=-1): return F.softmax(self, dim)
    def log_softmax(self, dim=-1): return F.log_softmax(self, dim)
    def matmul(self, o): return F.matmul(self, o)


def _arg(a, dim, keepdim, largest):
    xp = get_array_module(a)
    if dim is None:
        r = a.argmax() if largest else a.argmin()
        return xp.asarray(r).reshape((1,) * a.ndim if keepdim else ())
    r = a.argmax(axis=dim) if largest else a.argmin(axis=dim)
    return xp.expand_dims(r, dim) if keepdim else r


from . import functional as F  # noqa: E402  (functional needs Tensor and apply defined above)
