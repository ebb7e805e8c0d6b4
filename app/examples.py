"""The bundled examples as a course: each file's name, description and what it teaches (stored in
its ``meta.lesson``), ordered from first steps to advanced. The start page and the menus show them
from here; build_examples.py writes the lesson entries."""
import os
from dataclasses import dataclass

from engine.errors import EngineError
from engine.graph import fileformat

import resources

EXAMPLES = resources.folder("examples")
LEVELS = ("first steps", "core", "advanced")


@dataclass
class Example:
    path: str
    name: str               # file stem: "moons"
    title: str              # "Moons"
    description: str
    teaches: str
    level: str
    order: int
    graph: object = None       # the loaded graph (the start page draws it)
    mtime: float = 0.0

    @property
    def stem(self):
        return os.path.splitext(os.path.basename(self.path))[0]


def catalog(folder=EXAMPLES):
    """[Example], ordered as the lesson goes; files without a lesson entry come last, by name.
    A file that does not load is left out (the start page is no place for a traceback)."""
    out = []
    for fname in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if not fname.endswith(".twg"):
            continue
        path = os.path.join(folder, fname)
        try:
            example = _example(path, os.path.getmtime(path))
        except (EngineError, OSError):
            continue
        out.append(example)
    out.sort(key=lambda e: (e.order, e.name))
    return out


_loaded = {}         # (path, mtime) -> Example: each window asks, each file is read once


def _example(path, mtime):
    key = (path, mtime)
    if key not in _loaded:
        loaded = fileformat.load(path)
        lesson = (loaded.graph.config.get("meta") or {}).get("lesson") or {}
        stem = os.path.basename(path)[:-4]
        _loaded[key] = Example(path=path, name=stem, title=lesson.get("title") or stem.replace("_", " ").capitalize(),
                               description=loaded.description or "", teaches=lesson.get("teaches", ""),
                               level=lesson.get("level", "advanced"), order=int(lesson.get("order", 1000)),
                               graph=loaded.graph, mtime=mtime)
    return _loaded[key]


def find(name, folder=EXAMPLES):
    """The example called ``name`` (file stem), or None."""
    path = os.path.join(folder, f"{name}.twg")
    return path if os.path.isfile(path) else None
