"""High-level layers (PyTorch's ``torch.nn`` names). ``engine.nn.functional`` is
``engine.functional`` itself (one module under two names, as ``torch.nn.functional``)."""
import sys as _sys

from .. import functional  # noqa: F401
from . import init  # noqa: F401
from .module import Module, ModuleList, Parameter, Sequential  # noqa: F401
from .layers import (  # noqa: F401
    ELU, GELU, AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dense, Dropout,
    Embedding, Flatten, GlobalAvgPool2d, Identity, LayerNorm, LeakyReLU, Linear, LogSoftmax,
    MaxPool2d, ReLU, Sigmoid, Softmax, Softplus, Tanh)
from .recurrent import GRU, LSTM, RNN, Bidirectional, last_step, recurrent_weight_shapes, run_recurrent  # noqa: F401
from .losses import (  # noqa: F401
    BCELoss, BCEWithLogitsLoss, CategoricalCrossEntropy, CrossEntropyLoss, HingeLoss, HuberLoss,
    KLDivLoss, L1Loss, MSELoss, MSLELoss, NLLLoss, SmoothL1Loss, SquaredHingeLoss)

_sys.modules[__name__ + ".functional"] = functional
