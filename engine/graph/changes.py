"""What a Graph tells its observers, one class per kind of change. ``graph.subscribe(callback)``
calls ``callback(change)`` after every edit; observers switch on the class
(``isinstance(change, NodeAdded)``). Every edit that can change shapes is followed by
``Analyzed`` with the new Analysis (one per batch of edits)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class GraphChange:
    """Base class of the changes below."""


@dataclass(frozen=True)
class NodeAdded(GraphChange):
    node: object


@dataclass(frozen=True)
class NodeRemoved(GraphChange):
    node: object


@dataclass(frozen=True)
class EdgeAdded(GraphChange):
    edge: object


@dataclass(frozen=True)
class EdgeRemoved(GraphChange):
    edge: object


@dataclass(frozen=True)
class ParamChanged(GraphChange):
    node: object
    name: str
    value: object


@dataclass(frozen=True)
class NodeMoved(GraphChange):
    node: object
    position: tuple


@dataclass(frozen=True)
class NodeRenamed(GraphChange):
    node: object
    title: str


@dataclass(frozen=True)
class ConfigChanged(GraphChange):
    """A key of ``graph.config`` ('training', 'dataset', 'runs', …) was replaced."""
    key: str
    value: object


@dataclass(frozen=True)
class Analyzed(GraphChange):
    """The analysis was recomputed after an edit (or a batch of edits)."""
    analysis: object


# edits after which nothing an inspection view shows can have changed
COSMETIC = (NodeMoved, NodeRenamed)
