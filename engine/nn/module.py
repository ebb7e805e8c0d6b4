"""Module, Parameter and containers: named parameters, buffers, train/eval mode and state dicts,
with PyTorch's names so code and checkpoints read the same."""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from collections import OrderedDict

import numpy as np

from ..backend import Device, to_host
from ..errors import ShapeError
from ..tensor import Tensor
from ..typing import ArrayLike, DeviceLike


class Parameter(Tensor):
    """A tensor that a Module trains: requires_grad is on unless asked otherwise."""
    __slots__ = ()

    def __init__(self, data: ArrayLike | Tensor, requires_grad: bool = True) -> None:
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Module:
    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError("call Module.__init__() before assigning attributes")
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """A tensor saved in the state dict but not trained (e.g. BatchNorm's running mean)."""
        object.__setattr__(self, name, tensor)
        self._buffers[name] = tensor

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        setattr(self, name, param)
        if param is None:
            self._parameters[name] = None

    # ------------------------------------------------------------- traversal
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix, self
        for name, m in self._modules.items():
            yield from m.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        return (m for _, m in self.named_modules())

    def children(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        seen = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mprefix, m in mods:
            for name, p in m._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mprefix}.{name}" if mprefix else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        for mprefix, m in self.named_modules(prefix):
            for name, b in m._buffers.items():
                if b is not None:
                    yield (f"{mprefix}.{name}" if mprefix else name), b

    def num_parameters(self, trainable_only: bool = True) -> int:
        return int(sum(p.array.size for p in self.parameters() if p.requires_grad or not trainable_only))

    # ------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.array[...] = 0

    def requires_grad_(self, flag: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(flag)
        return self

    def to(self, device: DeviceLike) -> Module:
        """Move every parameter, gradient and buffer to ``device`` in place; returns self."""
        dev = Device(device)
        for t in list(self.parameters()) + [b for _, b in self.named_buffers()]:
            t.array = dev.asarray(t.array)
            if t.grad is not None:
                t.grad.array = dev.asarray(t.grad.array)
        return self

    # ------------------------------------------------------------- state
    def state_dict(self) -> OrderedDict[str, Tensor]:
        """Name → tensor of every parameter and buffer, as in PyTorch: detached tensors sharing the
        model's memory (copy them, or ``engine.save`` them, to keep a snapshot)."""
        out = OrderedDict()
        for name, p in self.named_parameters():
            out[name] = p.detach()
        for name, b in self.named_buffers():
            out[name] = b.detach()
        return out

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> Module:
        """Copy values in place, keeping each tensor's device and dtype. With ``strict`` every key
        must match; shapes must always match. Raises naming the offending keys."""
        own = OrderedDict(list(self.named_parameters()) + list(self.named_buffers()))
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append(f"missing keys: {', '.join(missing)}")
            if unexpected:
                parts.append(f"unexpected keys: {', '.join(unexpected)}")
            raise KeyError(f"load_state_dict: {'; '.join(parts)}")
        for k, t in own.items():
            if k not in state:
                continue
            v = state[k]
            v = to_host(v.array) if isinstance(v, Tensor) else np.asarray(to_host(v))
            if tuple(v.shape) != t.shape:
                raise ShapeError(f"load_state_dict: {k} has shape {tuple(v.shape)} in the state but "
                                 f"{t.shape} in the model")
            t.array[...] = t.device.asarray(v.astype(t.array.dtype, copy=False))
            t.array_changed()
        return self

    # ------------------------------------------------------------- calling
    def forward(self, *args, **kwargs) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args, **kwargs) -> Any:
        return self.forward(*args, **kwargs)

    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        if self._modules:
            for name, m in self._modules.items():
                sub = repr(m).replace("\n", "\n  ")
                lines.append(f"  ({name}): {sub}")
            return "\n".join(lines) + "\n)"
        return lines[0] + ")"


class Sequential(Module):
    def __init__(self, *modules) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (OrderedDict, dict)):
            for name, m in modules[0].items():
                setattr(self, name, m)
        else:
            for i, m in enumerate(modules):
                setattr(self, str(i), m)

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, m: Module) -> Sequential:
        setattr(self, str(len(self._modules)), m)
        return self


class ModuleList(Module):
    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, m: Module) -> ModuleList:
        setattr(self, str(len(self._modules)), m)
        return self

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())
