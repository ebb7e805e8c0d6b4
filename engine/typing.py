"""The names the public API's type annotations use (annotations are postponed, so these are only
read by type checkers and by readers)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence, Union

import numpy as np

if TYPE_CHECKING:
    from .backend import Device
    from .tensor import Tensor

ArrayLike = Union[np.ndarray, Sequence[Any], float, int, bool]
TensorLike = Union["Tensor", ArrayLike]          # a Tensor, or what engine.tensor() accepts
DTypeLike = Union[np.dtype, type, str]           # np.float32, "float32", engine.float32, "float"
DeviceLike = Union[str, "Device"]                # "cpu", "gpu", "cuda:1", or a Device

__all__ = ["Any", "ArrayLike", "DTypeLike", "DeviceLike", "Sequence", "TensorLike"]
