"""Switches of the tape: gradient recording and anomaly (NaN/Inf) detection. Each thread has its
own (as in PyTorch): a training thread evaluating under no_grad must not switch the tape off for
the window's thread, nor leave it off when the two save and restore the switch interleaved."""
import functools
import threading


class _Mode(threading.local):
    grad_enabled = True          # class attributes: every thread starts from these
    anomaly = False


mode = _Mode()


class _Switch:
    attr = ""
    value = None

    def __enter__(self):
        self.prev = getattr(mode, self.attr)
        setattr(mode, self.attr, self.value)
        return self

    def __exit__(self, *exc):
        setattr(mode, self.attr, self.prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_Switch):
    """Context manager / decorator: ops run without recording the tape (inference, updates)."""
    attr, value = "grad_enabled", False


class enable_grad(_Switch):
    attr, value = "grad_enabled", True


class detect_anomaly(_Switch):
    """Check every op's output and gradients for NaN/Inf and raise NonFiniteError naming the op."""
    attr = "anomaly"

    def __init__(self, enabled=True):
        self.value = bool(enabled)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.value):
                return fn(*args, **kwargs)
        return wrapper


def validating(array):
    """Whether an op should run data checks (value ranges, label ranges) on ``array``: always on
    the host, where they are cheap; on a GPU only under detect_anomaly(), because each check
    would copy a value to the host and wait for the device every step."""
    return mode.anomaly or type(array).__module__.split(".")[0] != "cupy"


def is_grad_enabled():
    return mode.grad_enabled


def set_grad_enabled(flag):
    mode.grad_enabled = bool(flag)
