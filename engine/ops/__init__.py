"""Raw-array ops: each a forward/backward pair that the tape and compiled plans both call."""
from .base import Op  # noqa: F401
from .elementwise import (  # noqa: F401
    Abs, Add, Clamp, Div, ELU, Exp, GELU, LeakyReLU, Log, LogSoftmax, Maximum, Minimum, Mul, Neg,
    Cast, Clone, Cos, Pow, PowScalar, ReLU, Sigmoid, Sin, Softmax, Softplus, Sqrt, Sub, Tanh, Where)
from .reduce import Max, Mean, Min, Sum  # noqa: F401
from .shape import BroadcastTo, Cat, GetItem, Pad, Permute, Reshape, Split, Stack  # noqa: F401
from .linalg import Linear, MatMul  # noqa: F401
from .conv import Conv2d  # noqa: F401
from .pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d  # noqa: F401
from .norm import BatchNorm, LayerNorm  # noqa: F401
from .sparse import Dropout, Embedding  # noqa: F401
from .recurrent import GRUSeq, LSTMSeq, RNNSeq  # noqa: F401
from .loss import (  # noqa: F401
    BCELoss, BCEWithLogitsLoss, CategoricalCrossEntropy, CrossEntropyLoss, HingeLoss, HuberLoss,
    KLDivLoss, L1Loss, MSELoss, MSLELoss, NLLLoss, SquaredHingeLoss)
