"""The public API is annotated: every public function and method of the modules a library user
reads (Tensor, functional, nn, optim, utils.data, Graph, Plan, Trainer, TrainingData) names the
types of its parameters and of its result. Annotations are postponed (strings), so this checks
that they are there and that they name things that exist."""
import inspect
import typing

import pytest

import engine
from engine import functional, nn, optim
from engine.graph import model, plan, registry, training, training_data
from engine.nn import layers, losses, module, recurrent
from engine.optim import lr_scheduler, optimizer
from engine.utils import data

MODULES = [functional, optimizer, lr_scheduler, data, training_data]
CLASSES = [engine.Tensor, module.Module, module.Sequential, module.ModuleList, module.Parameter,
           model.Graph, plan.Plan, training.Trainer, training.History, training_data.TrainingData,
           training_data.LabelRule]
CLASSES += [c for m in (layers, recurrent, optimizer, lr_scheduler, data) for c in vars(m).values()
            if inspect.isclass(c) and c.__module__ == m.__name__ and not c.__name__.startswith("_")]


def public_callables():
    seen = set()
    for m in MODULES:
        for name, f in vars(m).items():
            if inspect.isfunction(f) and f.__module__ == m.__name__ and not name.startswith("_"):
                seen.add((f"{m.__name__}.{name}", f))
    for cls in CLASSES:
        for name, f in vars(cls).items():
            if isinstance(f, property):
                f = f.fget
            elif isinstance(f, (classmethod, staticmethod)):
                f = f.__func__
            if inspect.isfunction(f) and (not name.startswith("_") or name in ("__init__", "__call__")):
                if getattr(f, "__module__", "").startswith("engine"):
                    seen.add((f"{cls.__module__}.{cls.__qualname__}.{name}", f))
    return sorted(seen, key=lambda p: p[0])


def missing(f):
    sig = inspect.signature(f)
    out = [p.name for i, p in enumerate(sig.parameters.values())
           if p.annotation is inspect.Parameter.empty and not (i == 0 and p.name in ("self", "cls"))
           and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if sig.return_annotation is inspect.Signature.empty:
        out.append("return")
    return out


def test_the_public_api_is_annotated():
    gaps = {name: m for name, f in public_callables() if (m := missing(f))}
    assert not gaps, f"{len(gaps)} callables without annotations: " + "; ".join(
        f"{k} ({', '.join(v)})" for k, v in list(gaps.items())[:40])


def names():
    """Every public name of the engine's modules: what annotations may refer to (modules import
    some of them only for type checkers, to avoid import cycles)."""
    import engine.data
    import engine.graph.changes
    import engine.graph.weights
    import engine.random
    out = {}
    for m in (engine.typing, engine.random, engine.data, model, plan, registry, training, training_data,
              engine.graph.weights, engine.graph.changes, optimizer, module, data):
        out.update({k: v for k, v in vars(m).items() if not k.startswith("__")})
    out["Tensor"], out["MaxResult"] = engine.Tensor, functional.MaxResult
    return out


@pytest.mark.parametrize("name,f", public_callables(), ids=lambda v: v if isinstance(v, str) else "")
def test_annotations_name_real_types(name, f):
    typing.get_type_hints(f, globalns={**names(), **inspect.getmodule(f).__dict__})


def test_node_type_callables_are_protocols():
    for field in ("infer", "forward", "weights"):
        hint = typing.get_type_hints(registry.NodeType)[field]
        args = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
        assert any(getattr(a, "_is_protocol", False) for a in args), field
