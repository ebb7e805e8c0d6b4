"""The graph a user builds: node registry, model with validation and shape inference, compiled
execution with per-node events, training, and the file format. No Qt."""
from . import nodetypes  # noqa: F401  (registers the built-in node types)
from .registry import REGISTRY, NodeType, TensorSpec, WeightSpec  # noqa: F401
from .shapes import N, fmt  # noqa: F401
