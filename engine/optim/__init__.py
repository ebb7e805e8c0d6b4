"""Optimizers, learning-rate schedules and gradient clipping (PyTorch's ``torch.optim`` names)."""
from . import lr_scheduler  # noqa: F401
from .clip import clip_grad_norm_, clip_grad_value_  # noqa: F401
from .optimizer import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Optimizer, RMSprop  # noqa: F401
