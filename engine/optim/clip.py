"""Gradient clipping, in place on ``.grad``."""
import math

from ..backend import get_array_module


def clip_grad_norm_(parameters, max_norm, norm_type=2.0):
    """Scale all gradients together so their joint norm is at most ``max_norm``; returns the norm
    before clipping (a Python float)."""
    grads = [p.grad.array for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    if norm_type == math.inf:
        total = max(float(abs(g).max()) for g in grads)
    else:
        total = float(sum(float((abs(g) ** norm_type).sum()) for g in grads) ** (1.0 / norm_type))
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g *= coef
    return total


def clip_grad_value_(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            g = p.grad.array
            get_array_module(g).clip(g, -clip_value, clip_value, out=g)
