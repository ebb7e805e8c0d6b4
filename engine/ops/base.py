"""The op protocol shared by the eager tape and compiled execution plans.

An op is a small object built with its attributes (``Conv2d(stride=2)``). ``forward`` takes raw
arrays (numpy or CuPy), keeps on ``self`` whatever ``backward`` will need, and returns the output
array (a tuple of arrays when ``n_outputs > 1``). ``backward`` takes the gradient of each output
(``None`` for an output that received none) and returns one gradient per input, ``None`` where
``self.needs[i]`` is false. Before ``forward`` the caller sets ``needs`` (which inputs want a
gradient) so an op saves and computes only what is asked for.

Rules every op keeps: never modify an input array or an incoming gradient in place; return arrays
of the input's shape from backward (use ``sum_to`` to undo broadcasting).
"""


class Op:
    name = "op"
    n_outputs = 1
    since = float("inf")     # the version stamp when the tape recorded it (tensor.apply)
    needs = (True, True, True, True, True, True, True, True)

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, *gys):
        raise NotImplementedError

    def __repr__(self):
        return f"<op {self.name}>"
