"""Leaving the app and coming back: a document exported as a PyTorch package or an ONNX model,
weights trained by that package put back into the document, and an ONNX model opened as a new
document (what File ▸ Export, Load Trained Weights and Import ONNX do; the command line has the
same as ``tensorweave export``, ``import-weights`` and ``import``). No Qt."""
import os

import numpy as np

from engine.export.pytorch import export_package, import_state_dict


def export_pytorch(document, folder):
    """Write the document's graph, weights, prepared data and train.py into ``folder``."""
    base = os.path.dirname(document.path) if document.path else "."
    name = document.display_name()
    return export_package(document.graph, document.store, folder, name, base_dir=base,
                          allow_data=set(document.trusted_data))


def load_trained_weights(document, path):
    """Put a checkpoint written by an exported train.py into the document's weights; returns how
    many arrays were taken. Raises ValueError or OSError with the reason."""
    try:
        with np.load(path, allow_pickle=False) as z:
            state = {k: z[k] for k in z.files}
    except (ValueError, OSError) as exc:
        raise ValueError(f"{path}: not a checkpoint of plain arrays ({exc})") from None
    import_state_dict(document.graph, state, document.store)
    document.mark_trained(None)
    return len(state)


def onnx_available():
    """None when the onnx package is installed, else the line that says what to install (asked
    without importing it: the window asks at start-up)."""
    import importlib.util

    from engine.export.onnx_export import INSTALL_HINT
    return INSTALL_HINT if importlib.util.find_spec("onnx") is None else None


def export_onnx(document, path):
    """Write the document's graph and weights as an ONNX model; returns the number of ONNX nodes."""
    from engine.export.onnx_export import save_onnx
    model = save_onnx(document.graph, document.store, path, name=document.display_name())
    return len(model.graph.node)


def import_onnx_document(path):
    """A new, unsaved Document holding the ONNX model at ``path`` as a graph with its weights.
    Raises OnnxImportError (one line: the node, the reason) or ImportError without onnx."""
    from app.document import Document
    from engine.export.onnx_import import import_onnx
    graph, store = import_onnx(path)
    name = os.path.splitext(os.path.basename(path))[0]
    doc = Document(graph, None, name, f"Imported from {os.path.basename(path)}")
    doc.store = store
    doc.weights_changed = True               # nothing of it is saved yet
    return doc
