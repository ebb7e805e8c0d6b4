"""The one registry of node types. Palette, inspector, validation, shape inference, execution,
the file format and the exporters all read it: adding a node type happens here and nowhere else.

A node type declares its ports, typed parameters, how output shapes follow from input shapes
(over the symbolic batch N), which weights it owns, and its forward computation written against
``engine.functional`` (the plan differentiates it with the engine's tape).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Protocol

from .params import ParamSpec, PortSpec
from .shapes import fmt

if TYPE_CHECKING:
    from ..tensor import Tensor

CATEGORIES = ("Data", "Tensor ops", "Activations", "Layers", "Losses", "Outputs")
ROLES = ("op", "input", "target", "parameter", "constant", "loss", "output")


@dataclass(frozen=True)
class TensorSpec:
    """What inference knows about a value on an edge: its shape (with N) and dtype kind."""
    shape: tuple
    dtype: str = "float"      # 'float' or 'int'

    def __str__(self):
        return fmt(self.shape) + ("" if self.dtype == "float" else f" {self.dtype}")


@dataclass(frozen=True)
class WeightSpec:
    """A tensor a node owns: trainable weights, or buffers (trainable=False, e.g. running stats)."""
    shape: tuple
    init: str = "default"        # an engine.nn.init scheme, or 'zeros'/'ones'
    fan_in: int = 1
    trainable: bool = True


class InferRule(Protocol):
    """Shape inference: the output specs from the input specs (over the symbolic batch N) and the
    parameters; raises ShapeError/DTypeError (fail/fail_dtype, pinned to a port) when they do not fit."""

    def __call__(self, ins: Mapping[str, TensorSpec], p: Mapping[str, Any]) -> dict[str, TensorSpec]: ...


class WeightsRule(Protocol):
    """The weights a node owns, from its input specs and parameters."""

    def __call__(self, ins: Mapping[str, TensorSpec], p: Mapping[str, Any]) -> dict[str, WeightSpec]: ...


class WorkspaceRule(Protocol):
    """Elements per sample an op keeps beyond its outputs while a batch runs (im2col columns,
    a recurrent layer's gates at every step): the memory estimate counts them."""

    def __call__(self, ins: Mapping[str, TensorSpec], p: Mapping[str, Any]) -> int: ...


class ForwardFn(Protocol):
    """The computation, written against ``engine.functional`` (``F``): input tensors by port,
    weight tensors by name, parameters and the run's context (training mode, generator, device)
    → output tensors by port. The plan differentiates it with the engine's tape."""

    def __call__(self, F: Any, ins: Mapping[str, Tensor], w: Mapping[str, Tensor], p: Mapping[str, Any],
                 ctx: Any) -> dict[str, Tensor]: ...


@dataclass(frozen=True)
class NodeType:
    type_id: str
    category: str
    title: str
    description: str
    inputs: tuple = ()
    outputs: tuple = ()
    params: tuple = ()
    role: str = "op"
    infer: InferRule | None = None
    forward: ForwardFn | None = None
    weights: WeightsRule | None = None
    workspace: WorkspaceRule | None = None
    covers: tuple = ()               # engine names this node type exposes ('functional.relu', 'nn.Linear')
    keywords: tuple = ()             # extra words for search ('logistic', 'fully connected')
    task: str = None                 # losses: 'regression', 'binary' or 'multiclass'
    expects: str = None              # losses: what the prediction holds (training_data.EXPECTS)

    def param(self, name) -> ParamSpec:
        for s in self.params:
            if s.name == name:
                return s
        raise KeyError(name)

    @functools.cached_property
    def _defaults(self):
        return {s.name: s.default for s in self.params}

    def default_params(self):
        return dict(self._defaults)

    def input(self, name) -> PortSpec:
        for s in self.inputs:
            if s.name == name:
                return s
        raise KeyError(name)

    @functools.cached_property
    def _port_names(self):
        return {s.name for s in self.inputs}, {s.name for s in self.outputs}

    def has_input(self, name):
        return name in self._port_names[0]

    def has_output(self, name):
        return name in self._port_names[1]

    def summary(self):
        """One line for palettes and tooltips."""
        return self.description.split(". ")[0].rstrip(".") + "."


from .issues import UnknownNodeType  # noqa: E402,F401  (re-exported)


@dataclass
class Registry:
    types: dict = field(default_factory=dict)

    def register(self, nt: NodeType):
        if nt.type_id in self.types:
            raise ValueError(f"node type {nt.type_id!r} registered twice")
        if nt.category not in CATEGORIES or nt.role not in ROLES:
            raise ValueError(f"node type {nt.type_id!r}: bad category {nt.category!r} or role {nt.role!r}")
        self.types[nt.type_id] = nt
        return nt

    def get(self, type_id) -> NodeType:
        try:
            return self.types[type_id]
        except KeyError:
            raise UnknownNodeType(f"unknown node type {type_id!r}") from None

    def __contains__(self, type_id):
        return type_id in self.types

    def __iter__(self):
        return iter(self.types.values())

    def by_category(self):
        out = {c: [] for c in CATEGORIES}
        for nt in self.types.values():
            out[nt.category].append(nt)
        return out

    def search(self, text):
        """Node types whose name, title, keywords or description contain every word of ``text``."""
        words = text.lower().split()
        hits = []
        for nt in self.types.values():
            hay = " ".join((nt.type_id, nt.title, nt.category, nt.description) + nt.keywords).lower()
            if all(w in hay for w in words):
                hits.append(nt)
        return hits


REGISTRY = Registry()


def register(**kw):
    """Declare a node type: ``register(type_id=..., category=..., ...)``."""
    kw["inputs"] = tuple(p if isinstance(p, PortSpec) else PortSpec(p) for p in kw.get("inputs", ()))
    kw["outputs"] = tuple(p if isinstance(p, PortSpec) else PortSpec(p) for p in kw.get("outputs", ()))
    kw["params"] = tuple(kw.get("params", ()))
    for k in ("covers", "keywords"):
        kw[k] = tuple(kw.get(k, ()))
    return REGISTRY.register(NodeType(**kw))
