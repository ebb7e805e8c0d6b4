"""Feed-forward layers: Dense (Linear), convolution, pooling, normalization, dropout, embedding."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .. import functional as F
from ..backend import Device
from ..dtypes import as_dtype
from ..errors import ArgumentError, ShapeError
from ..ops.util import pair
from ..random import default_generator
from .init import initialize
from .module import Module, Parameter
from ..typing import DTypeLike, DeviceLike, TensorLike

if TYPE_CHECKING:
    from ..random import Generator
    from ..tensor import Tensor


def _param(shape, dtype, device):
    return Parameter(Device(device or "cpu").asarray(np.zeros(shape, dtype=as_dtype(dtype))))


def _buffer(value, dtype, device):
    from ..tensor import Tensor
    return Tensor(Device(device or "cpu").asarray(np.asarray(value, dtype=as_dtype(dtype))))


class Identity(Module):
    def forward(self, x: Any) -> Any:
        return x


class Flatten(Module):
    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: TensorLike) -> Tensor:
        return F.flatten(x, self.start_dim, self.end_dim)


class Linear(Module):
    """Dense layer: y = x Wᵀ + b with W of shape (out_features, in_features)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, weight_init: str = "default",
                 bias_init: str = "default", dtype: DTypeLike = "float32", device: DeviceLike = None,
                 generator: Generator | None = None) -> None:
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ArgumentError(f"Linear: in_features and out_features must be positive, got "
                             f"{in_features}, {out_features}")
        self.in_features, self.out_features = in_features, out_features
        g = generator or default_generator()
        self.weight = initialize(_param((out_features, in_features), dtype, device), weight_init, in_features, g)
        self.bias = initialize(_param((out_features,), dtype, device), bias_init, in_features, g) if bias else None

    def forward(self, x: TensorLike) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


Dense = Linear


class Conv2d(Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = 1, padding: int | tuple[int, int] | str = 0,
                 dilation: int | tuple[int, int] = 1, bias: bool = True, weight_init: str = "default",
                 bias_init: str = "default", dtype: DTypeLike = "float32", device: DeviceLike = None,
                 generator: Generator | None = None) -> None:
        super().__init__()
        kh, kw = pair(kernel_size, "kernel_size", "Conv2d")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = (kh, kw), stride, padding, dilation
        g = generator or default_generator()
        fan_in = in_channels * kh * kw
        self.weight = initialize(_param((out_channels, in_channels, kh, kw), dtype, device), weight_init, fan_in, g)
        self.bias = initialize(_param((out_channels,), dtype, device), bias_init, fan_in, g) if bias else None

    def forward(self, x: TensorLike) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


class MaxPool2d(Module):
    def __init__(self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] | str = 0, dilation: int | tuple[int, int] = 1) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation

    def forward(self, x: TensorLike) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)


class AvgPool2d(Module):
    def __init__(self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] | str = 0, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.count_include_pad = count_include_pad

    def forward(self, x: TensorLike) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.count_include_pad)


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size: int | tuple[int, int]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: TensorLike) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)


class GlobalAvgPool2d(Module):
    """(N, C, H, W) → (N, C)."""

    def forward(self, x: TensorLike) -> Tensor:
        return F.global_avg_pool2d(x)


class Dropout(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False, generator: Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ArgumentError(f"Dropout: p must be in [0, 1], got {p}")
        self.p, self.inplace, self.generator = p, inplace, generator

    def forward(self, x: TensorLike) -> Tensor:
        return F.dropout(x, self.p, self.training, self.inplace, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class _BatchNorm(Module):
    expected_dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype="float32", device=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = Parameter(_buffer(np.ones(num_features), dtype, device).array) if affine else None
        self.bias = Parameter(_buffer(np.zeros(num_features), dtype, device).array) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", _buffer(np.zeros(num_features), dtype, device))
            self.register_buffer("running_var", _buffer(np.ones(num_features), dtype, device))
        else:
            self.running_mean = self.running_var = None

    def forward(self, x):
        if x.ndim not in self.expected_dims or x.shape[1] != self.num_features:
            raise ShapeError(f"{type(self).__name__}({self.num_features}): expects input with "
                             f"{' or '.join(map(str, self.expected_dims))} dims and "
                             f"{self.num_features} channels at dim 1, got {x.shape}")
        use_batch = self.training or self.running_mean is None
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            use_batch, self.momentum, self.eps)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm):
    """Over (N, C) or (N, C, L)."""
    expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Over (N, C, H, W)."""
    expected_dims = (4,)


class LayerNorm(Module):
    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-05,
                 elementwise_affine: bool = True, dtype: DTypeLike = "float32", device: DeviceLike = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape, self.eps = tuple(normalized_shape), eps
        if elementwise_affine:
            self.weight = Parameter(_buffer(np.ones(self.normalized_shape), dtype, device).array)
            self.bias = Parameter(_buffer(np.zeros(self.normalized_shape), dtype, device).array)
        else:
            self.weight = self.bias = None

    def forward(self, x: TensorLike) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)


class Embedding(Module):
    """Integer ids → learned vectors; initialized N(0, 1) as in PyTorch."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 dtype: DTypeLike = "float32", device: DeviceLike = None,
                 generator: Generator | None = None) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        g = generator or default_generator()
        w = _param((num_embeddings, embedding_dim), dtype, device)
        w.array[...] = w.device.asarray(g.normal(0.0, 1.0, w.shape).astype(w.array.dtype))
        if padding_idx is not None:
            w.array[padding_idx] = 0
        self.weight = w

    def forward(self, idx: TensorLike) -> Tensor:
        return F.embedding(idx, self.weight, self.padding_idx)


def _activation(name, fn, **defaults):
    """A Module class around a functional activation, keyword arguments stored as attributes."""
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        Module.__init__(self)
        if len(args) > len(defaults):
            raise TypeError(f"{name}: takes at most {len(defaults)} positional arguments")
        kwargs.update(zip(defaults, args))
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{name}: unexpected arguments {sorted(unknown)}")
        for k, v in {**defaults, **kwargs}.items():
            setattr(self, k, v)

    def forward(self, x: TensorLike) -> Tensor:
        return fn(x, **{k: getattr(self, k) for k in defaults})

    return type(name, (Module,), {"__init__": __init__, "forward": forward,
                                  "__doc__": f"Module form of functional.{fn.__name__}."})


ReLU = _activation("ReLU", F.relu, inplace=False)
LeakyReLU = _activation("LeakyReLU", F.leaky_relu, negative_slope=0.01, inplace=False)
ELU = _activation("ELU", F.elu, alpha=1.0, inplace=False)
GELU = _activation("GELU", F.gelu, approximate="none")
Sigmoid = _activation("Sigmoid", F.sigmoid)
Tanh = _activation("Tanh", F.tanh)
Softplus = _activation("Softplus", F.softplus, beta=1.0, threshold=20.0)
Softmax = _activation("Softmax", F.softmax, dim=-1)
LogSoftmax = _activation("LogSoftmax", F.log_softmax, dim=-1)
