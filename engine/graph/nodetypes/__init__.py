"""Importing this package registers every built-in node type."""
from . import activations, data, layers, losses, tensor_ops  # noqa: F401
