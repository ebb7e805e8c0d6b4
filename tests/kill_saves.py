"""Kill a process with SIGKILL while it saves a trained graph over and over, then check what is
on disk: the document opens, its weights are the ones it names (never another save's), and the
next save leaves no temporary file and one sidecar. Used by test_save_kill.py (CI: 50 kills) and
benchmarks/save_kill.py (200 kills)."""
import glob
import json
import os
import random
import signal
import time

import numpy as np

from engine.graph import fileformat as ff
from engine.graph.training import History


def _saver(path, graph, store):
    """The child: save forever, generation k with every weight equal to k."""
    k = 0
    base = {key: np.zeros_like(v) for key, v in store.state().items()}
    while True:
        k += 1
        store.replace_state({key: v + k for key, v in base.items()})
        hist = History()
        hist.epochs = [{"epoch": 1, "train_loss": float(k)}]
        ff.save(graph, path, store=store, history=hist)


def kill_during_saves(graph, store, folder, kills, seed=0):
    """Returns counts: kills, documents that opened with their own weights, mismatches, failures
    to open, temp files left after the next save."""
    rng = random.Random(seed)
    path = os.path.join(folder, "killed.twg")
    ff.save(graph, path, store=store)
    out = {"kills": 0, "consistent": 0, "untrained": 0, "unreadable": 0, "temp_left": 0, "sidecars_left": 0}
    for _ in range(kills):
        pid = os.fork()
        if pid == 0:                                   # child: never returns
            try:
                _saver(path, graph, store)
            finally:
                os._exit(1)
        time.sleep(rng.uniform(0.002, 0.06))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        out["kills"] += 1
        try:
            loaded = ff.load(path)
        except ff.GraphFileError:
            out["unreadable"] += 1
            continue
        if loaded.weights is None:
            out["untrained"] += 1
        else:
            k = loaded.history.epochs[0]["train_loss"] if loaded.history else 0.0
            values = {float(np.unique(v)[0]) for v in loaded.weights.values() if v.size}
            out["consistent" if values <= {k} else "untrained"] += 1
        # the next save cleans up after the killed one
        store2 = loaded.weight_store()
        ff.save(loaded.graph, path, store=store2, history=loaded.history)
        folder_ = os.path.dirname(path)
        out["temp_left"] += len(glob.glob(os.path.join(folder_, ".~killed.twg*")))
        out["sidecars_left"] += len(glob.glob(os.path.join(folder_, "killed.twg.*.weights.npz"))) - 1
    return out


if __name__ == "__main__":
    print(json.dumps(kill_during_saves.__doc__))
