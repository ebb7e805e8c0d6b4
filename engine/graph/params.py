"""Typed node parameters and ports. The parameter type itself is engine/params.py (the training
configuration and the synthetic data sets use it too)."""
from dataclasses import dataclass

from ..params import P, ParamError, ParamSpec  # noqa: F401


@dataclass(frozen=True)
class PortSpec:
    name: str
    help: str = ""
    optional: bool = False
