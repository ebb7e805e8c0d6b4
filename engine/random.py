"""Seeded random numbers: one Generator drives initialization, shuffling and dropout masks, so a
run with the same seed repeats exactly. Parameters are always drawn on the host (numpy), so CPU
and GPU runs start from identical weights."""
import numpy as np


class Generator:
    def __init__(self, seed=None):
        self.manual_seed(seed)

    def manual_seed(self, seed):
        self.initial_seed = seed
        self.np = np.random.default_rng(seed)
        self._gpu = None
        return self

    def _gpu_rng(self, xp):
        if self._gpu is None:
            self._gpu = xp.random.default_rng(int(self.np.integers(2 ** 63)))
        return self._gpu

    def random(self, shape, dtype=np.float32, xp=np):
        """Uniform [0, 1) of ``dtype`` on the device of ``xp``."""
        if xp is np:
            return self.np.random(shape, dtype=dtype)
        return self._gpu_rng(xp).random(shape, dtype=dtype)

    def uniform(self, low, high, shape):
        return self.np.uniform(low, high, shape)

    def normal(self, mean, std, shape):
        return self.np.normal(mean, std, shape)

    def permutation(self, n):
        return self.np.permutation(n)


_default = Generator(0)


def default_generator():
    return _default


def manual_seed(seed):
    """Reseed the default generator (used by layers and dropout when no generator is given)."""
    _default.manual_seed(seed)
    return _default
