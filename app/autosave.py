"""Autosave and crash recovery. While a document has unsaved changes, its state is written every
30 s (atomically) to a recovery file in the per-user data folder; saving or closing cleanly
deletes it. A recovery file still there at the next start means the app did not close properly,
and the user is offered to restore it."""
import json
import os
import time
import uuid

from PySide6.QtCore import QObject, QStandardPaths, QTimer

from engine.graph.fileformat import atomic_write

INTERVAL_MS = 30_000


def data_folder():
    """Per-user data folder (TENSORWEAVE_DATA_DIR overrides it, e.g. for tests)."""
    folder = os.environ.get("TENSORWEAVE_DATA_DIR") or QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)
    folder = folder or os.path.join(os.path.expanduser("~"), ".tensorweave")
    return folder


def recovery_folder():
    path = os.path.join(data_folder(), "recovery")
    os.makedirs(path, exist_ok=True)
    return path


class Autosave(QObject):
    def __init__(self, window, interval_ms=INTERVAL_MS, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.path = os.path.join(recovery_folder(), f"recovery-{uuid.uuid4()}.json")
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()

    def save_now(self):
        """Write the recovery file if the document has unsaved changes; remove it otherwise."""
        doc = self.window.document
        if not doc.dirty:
            self.discard()
            return False
        record = {"saved_at": time.time(), "original_path": doc.path, "name": doc.display_name(),
                  "document": doc.to_text()}
        atomic_write(self.path, json.dumps(record).encode("utf-8"))
        return True

    def discard(self):
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass

    def stop(self):
        self.timer.stop()
        self.discard()


def leftover_recoveries():
    """Recovery records left by sessions that did not close properly, newest first."""
    out = []
    folder = recovery_folder()
    for name in os.listdir(folder):
        if not (name.startswith("recovery-") and name.endswith(".json")):
            continue
        path = os.path.join(folder, name)
        try:
            with open(path, encoding="utf-8") as f:
                record = json.load(f)
            record["file"] = path
            out.append(record)
        except (OSError, ValueError):
            continue
    return sorted(out, key=lambda r: -r.get("saved_at", 0))
