"""Everything that can be wrong with a graph, in one place: the typed ``Issue`` the analysis pins
to a node, port, parameter or edge (``IssueKind`` says which kind), and the exceptions the graph
layer raises — while editing (ConnectionRefused, GraphEditError, UnknownNodeType), in shape rules
(PortShapeError, PortDTypeError), when compiling (GraphInvalid), loading or saving
(GraphFileError), and training (TrainingStopped, NonFiniteLoss). The modules that raise them
import them from here."""
from dataclasses import dataclass
from enum import Enum

from ..errors import DTypeError, EngineError, ShapeError


class IssueKind(str, Enum):
    """What an Issue is about. A str enum: ``issue.kind == "shape"`` reads as before."""
    CYCLE = "cycle"                  # a connection closes a loop
    UNCONNECTED = "unconnected"      # an input not wired yet (the graph is unfinished)
    SHAPE = "shape"                  # shapes that do not fit
    DTYPE = "dtype"                  # integer where floats are needed, or the other way round
    PARAM = "param"                  # a parameter value the node cannot use
    LOSS_COUNT = "loss_count"        # more than one loss
    NO_LOSS = "no_loss"              # nothing to minimise (a warning)
    INPUT_COUNT = "input_count"      # more than one Input or Target
    UNUSED = "unused"                # a node that feeds neither the loss nor an output (a warning)

    def __str__(self):
        return self.value


@dataclass(frozen=True)
class Issue:
    """A problem pinned to a node (and port/parameter) or to an edge. ``severity``: 'error' stops
    training, 'warning' does not."""
    kind: IssueKind
    message: str
    node: str = None
    edge: str = None
    port: str = None
    param: str = None
    severity: str = "error"

    @property
    def incomplete(self):
        """An input not wired yet: the graph is unfinished rather than wrong (it still cannot train)."""
        return self.kind == IssueKind.UNCONNECTED


# ---------------------------------------------------------------- editing
class ConnectionRefused(EngineError, ValueError):
    """A connection the model will not make; ``reason`` says why in a sentence for the cursor."""

    def __init__(self, reason, kind="invalid"):
        super().__init__(reason)
        self.reason, self.kind = reason, kind


class GraphEditError(EngineError, KeyError):
    """An edit naming a node, edge or parameter that does not exist."""

    def __str__(self):
        return self.args[0]


class UnknownNodeType(EngineError, KeyError):
    def __str__(self):
        return self.args[0]


# ---------------------------------------------------------------- shape rules
class PortShapeError(ShapeError):
    """A shape problem caused by what arrives at one input port (pinned to that edge)."""

    def __init__(self, port, message):
        super().__init__(message)
        self.port = port


class PortDTypeError(DTypeError):
    """A dtype problem (integer where floats are needed, or floats where ids are) at one port."""

    def __init__(self, port, message):
        super().__init__(message)
        self.port = port


# ---------------------------------------------------------------- compiling, files, training
class GraphInvalid(EngineError):
    """The graph has errors; ``issues`` lists them."""

    def __init__(self, issues):
        self.issues = list(issues)
        lines = "; ".join(i.message for i in self.issues[:5])
        more = f" (and {len(self.issues) - 5} more)" if len(self.issues) > 5 else ""
        super().__init__(f"the graph has {len(self.issues)} error(s): {lines}{more}")


class GraphFileError(EngineError, ValueError):
    """A graph file that cannot be loaded or saved; the message names the place."""


class TrainingStopped(EngineError):
    """stop() was called; the run ends at the next batch boundary."""


class NonFiniteLoss(EngineError):
    """Training produced NaN/Inf; ``node`` is the id of the node where it first appeared."""

    def __init__(self, message, node=None):
        super().__init__(message)
        self.node = node
