"""The graph a user builds: node registry, model with validation and shape inference, compiled
execution with per-node events, training, and the file format. No Qt."""
from . import nodetypes  # noqa: F401  (registers the built-in node types)
from .registry import REGISTRY, NodeType, TensorSpec, WeightSpec  # noqa: F401
from .shapes import N, fmt  # noqa: F401
from .model import Graph  # noqa: F401,E402
from .training import Trainer, training_config  # noqa: F401,E402
from .training_data import LabelRule, TrainingData  # noqa: F401,E402
from . import fileformat  # noqa: F401,E402
