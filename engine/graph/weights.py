"""Where a graph's weights live between compilations: (node id, weight name) → tensor. A plan
takes existing tensors whose shape still fits and initializes the rest, so editing one layer
keeps the others' training.

A store belongs to one thread at a time. A training run works on its own copy (``copy()``) and
publishes consistent snapshots (``state()``, taken between two batches) that the window puts
into the document's store with ``replace_state`` on its own thread."""
import numpy as np

from ..backend import Device, to_host
from ..dtypes import as_dtype
from ..nn.init import initialize
from ..nn.module import Parameter
from ..tensor import Tensor


class WeightStore:
    def __init__(self):
        self.tensors = {}

    def get(self, node_id, name, spec, device="cpu", dtype="float32", generator=None):
        key = (node_id, name)
        t = self.tensors.get(key)
        dev = Device(device)
        dt = as_dtype(dtype)
        if t is not None and t.shape == tuple(spec.shape):
            if t.device != dev or t.array.dtype != dt:
                t.array = dev.asarray(to_host(t.array).astype(dt))
            t.requires_grad = spec.trainable
            return t
        arr = dev.asarray(np.zeros(spec.shape, dtype=dt))
        t = Parameter(arr, requires_grad=spec.trainable) if spec.trainable else Tensor(arr)
        initialize(t, spec.init, spec.fan_in, generator)
        self.tensors[key] = t
        return t

    def drop_unused(self, keep):
        """Forget weights of nodes no longer in the graph (``keep``: set of (node, name))."""
        for key in list(self.tensors):
            if key not in keep:
                del self.tensors[key]

    def copy(self):
        """An independent store with host copies of every tensor (no gradients)."""
        out = WeightStore()
        out.replace_state(self.state())
        return out

    def replace_state(self, state):
        """Take every tensor of ``state`` ('node/name' → array), replacing one whose shape differs;
        tensors not named in ``state`` are kept."""
        for key, value in state.items():
            node, _, name = key.partition("/")
            t = self.tensors.get((node, name))
            value = np.asarray(value)
            if t is not None and t.shape == tuple(value.shape):
                t.array[...] = t.device.asarray(value.astype(t.array.dtype, copy=False))
                t.array_changed()
            else:
                self.tensors[(node, name)] = Tensor(np.array(value))

    def state(self):
        """'node-id/name' → host array copies."""
        return {f"{n}/{w}": np.array(to_host(t.array)) for (n, w), t in self.tensors.items()}

    def load_state(self, state):
        for key, value in state.items():
            node, _, name = key.partition("/")
            t = self.tensors.get((node, name))
            if t is not None and t.shape == tuple(value.shape):
                t.array[...] = t.device.asarray(np.asarray(value).astype(t.array.dtype))
            elif t is None:
                self.tensors[(node, name)] = Tensor(np.asarray(value))

    def clear(self):
        self.tensors.clear()
