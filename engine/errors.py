"""Exceptions raised by the engine. Every message names the op and the shapes/dtypes involved."""


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class ShapeError(EngineError, ValueError):
    """Operands whose shapes do not fit the op."""


class DTypeError(EngineError, TypeError):
    """Operands whose dtypes do not fit the op."""


class DeviceError(EngineError, RuntimeError):
    """A device was asked for that this machine cannot provide, or operands live on different devices."""


class GraphError(EngineError, RuntimeError):
    """Misuse of the autodiff graph (e.g. a second backward through freed buffers)."""


class NonFiniteError(EngineError, FloatingPointError):
    """Anomaly detection found NaN or Inf in the output or gradient of an op."""


class ArgumentError(EngineError, ValueError):
    """An argument value outside what the op or layer accepts (a probability above 1, say)."""
