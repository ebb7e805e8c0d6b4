"""Leaving the app and coming back: a document exported as a PyTorch package, and weights trained
by that package put back into the document (what File ▸ Export and File ▸ Load Trained Weights
do; the command line has the same as ``tensorweave export`` and ``import-weights``). No Qt."""
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
