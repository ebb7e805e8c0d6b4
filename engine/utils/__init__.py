"""``engine.utils.data``: PyTorch's dataset and batching helpers."""
from . import data  # noqa: F401
