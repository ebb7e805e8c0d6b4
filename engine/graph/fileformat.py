"""Graph files (.twg): a versioned, human-readable JSON document, plus an optional sidecar
``<file>.weights.npz`` with trained weights (plain arrays, never pickle).

Loading validates everything and refuses a bad file with a message naming what is wrong and
where (``nodes[3].params.units: …``); older versions are migrated; saving is atomic (a temporary
file renamed over the old one), so a crash mid-save leaves the previous file intact.
The format is documented in docs/graph-format.md.
"""
import hashlib
import json
import re
import math
import os
import tempfile
import zipfile

import numpy as np

from ..data import SOURCES, Normalizer
from ..limits import MAX_EDGES, MAX_GRAPH_BYTES, MAX_LIST, MAX_NESTING, MAX_NODES, MAX_WEIGHTS_BYTES
from ..params import check_text
from .model import Edge, Graph, Node
from .params import ParamError
from .registry import REGISTRY
from .runs import check_runs
from .training import History, training_config

FORMAT = "tensorweave-graph"
VERSION = 1
MAX_BYTES = MAX_GRAPH_BYTES
MIGRATIONS = {}      # version -> function(doc) -> doc of version + 1


from .issues import GraphFileError  # noqa: E402,F401  (re-exported)


# ---------------------------------------------------------------- writing
def to_document(graph, name="", description="", trained=None, editor=None):
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "name": name,
        "description": description,
        "nodes": [{"id": n.id, "type": n.type_id, "title": n.title, "params": _jsonable(n.params),
                   "position": [round(n.position[0], 2), round(n.position[1], 2)]} for n in graph.nodes.values()],
        "edges": [{"id": e.id, "from": {"node": e.src, "port": e.src_port}, "to": {"node": e.dst, "port": e.dst_port}}
                  for e in graph.edges.values()],
        "dataset": graph.config.get("dataset"),
        "training": graph.config.get("training", {}),
    }
    if graph.config.get("meta"):
        doc["meta"] = graph.config["meta"]
    if graph.config.get("runs"):
        doc["runs"] = graph.config["runs"]
    if editor:
        doc["editor"] = editor
    if trained:
        doc["trained"] = trained
    return doc


def _jsonable(params):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def _fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, data: bytes):
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over
    ``path`` and flush the folder: readers see the old file or the new one, never half of one,
    and after a crash the rename has happened or not. A symlinked ``path`` is written through to
    its target, and an existing file keeps its permission bits."""
    path = os.path.realpath(path)
    folder = os.path.dirname(path)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=".~" + os.path.basename(path), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)


def dumps(doc, width=100):
    """JSON with any value that fits on one line kept on one line: a node or an edge per line,
    so diffs of graph files stay readable."""
    def fmt(v, indent):
        flat = json.dumps(v, ensure_ascii=False, allow_nan=False)
        if len(flat) + indent <= width or not isinstance(v, (dict, list)) or not v:
            return flat
        pad = " " * (indent + 2)
        if isinstance(v, dict):
            items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {fmt(x, indent + 2)}" for k, x in v.items()]
            return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
        return "[\n" + ",\n".join(pad + fmt(x, indent + 2) for x in v) + "\n" + " " * indent + "]"
    return fmt(doc, 0) + "\n"


def weights_path(path, sha256=None):
    """The sidecar of ``path``: named by the weights' content hash, so a save writes a new file
    beside the old one and only the document's rename decides which belongs to it (the legacy
    name without a hash is read too)."""
    base = os.path.basename(path)
    name = f"{base}.{sha256[:16]}.weights.npz" if sha256 else f"{base}.weights.npz"
    return os.path.join(os.path.dirname(os.path.abspath(path)), name)


def _own_files(path):
    """This document's sidecars and leftover temporary files, in its folder."""
    folder, base = os.path.split(os.path.realpath(path))
    try:
        names = os.listdir(folder)
    except OSError:
        return [], []
    # exact patterns: "net.twg" must never match "net.twg.twg.<hash>.weights.npz" or another save's temp file
    sidecar = re.compile(re.escape(base) + r"(\.[0-9a-f]{16})?\.weights\.npz")
    temp = re.compile(r"\.~" + re.escape(base) + r"(\.[0-9a-f]{16}\.weights\.npz)?[a-z0-9_]{8}\.tmp")
    sidecars = [n for n in names if sidecar.fullmatch(n)]
    temps = [n for n in names if temp.fullmatch(n)]
    return [os.path.join(folder, n) for n in sidecars], [os.path.join(folder, n) for n in temps]


def save(graph, path, name=None, description="", store=None, history=None, normalizer=None,
         best_epoch=None, editor=None):
    """Write the graph and, with ``store``, its trained weights, history and normalization, as
    one atomic commit: the weights go to a new file named by their content hash (written and
    flushed first), then the document naming it is renamed into place; only then are the
    previous sidecars and any temporary files a crashed save left behind removed. A kill at any
    moment leaves a document whose weights are the ones it names."""
    real = os.path.realpath(path)
    _, stale = _own_files(real)
    for tmp in stale:                       # left by a save that was killed: never renamed, never named
        try:
            os.unlink(tmp)
        except OSError:
            pass
    trained = None
    blob = wfile = None
    if store is not None and store.tensors:
        import io
        buf = io.BytesIO()
        np.savez(buf, **store.state())
        blob = buf.getvalue()
        sha = hashlib.sha256(blob).hexdigest()
        wfile = weights_path(real, sha)
        trained = {"weights": os.path.basename(wfile), "sha256": sha,
                   "history": history.to_json() if history else None,
                   "normalizer": normalizer.state() if hasattr(normalizer, "state") else None,
                   "best_epoch": best_epoch}
    doc = to_document(graph, name if name is not None else os.path.splitext(os.path.basename(path))[0],
                      description, trained, editor)
    try:
        text = dumps(doc)
    except (ValueError, RecursionError) as exc:
        raise GraphFileError(f"{path}: cannot be saved: {exc}") from None
    try:
        if blob is not None and not _same_file(wfile, blob):
            atomic_write(wfile, blob)
        atomic_write(path, text.encode("utf-8"))
    except OSError as exc:
        raise GraphFileError(f"{path}: cannot be saved ({exc.strerror or exc})") from None
    keep = os.path.realpath(wfile) if wfile else None
    for old in _own_files(real)[0]:
        if os.path.realpath(old) != keep:
            try:
                os.unlink(old)
            except OSError:
                pass
    return doc


def _same_file(path, blob):
    try:
        return os.path.getsize(path) == len(blob) and open(path, "rb").read() == blob
    except OSError:
        return False


# ---------------------------------------------------------------- reading
class Loaded:
    """What a file holds: the graph, its name/description, and the trained state if any."""

    def __init__(self, graph, doc):
        self.graph, self.doc = graph, doc
        self.name, self.description = doc.get("name", ""), doc.get("description", "")
        self._weights = None           # 'node/name' -> array, read on first use (see ``weights``)
        self._sidecar = None           # (path of the document, the trained entry) until then
        self.history = None
        self.normalizer = None
        self.best_epoch = None
        self.warnings = []
        self.editor = doc.get("editor")

    @property
    def weights(self):
        """'node/name' → array of the trained weights, or None. The sidecar is read, verified and
        decompressed the first time this is asked for, not when the document opens: checking a
        graph or opening it to look never reads its weights."""
        if self._sidecar is not None:
            path, trained = self._sidecar
            self._sidecar = None
            _read_sidecar(self, path, trained)
        return self._weights

    @weights.setter
    def weights(self, value):
        self._sidecar, self._weights = None, value

    def weight_store(self):
        """A WeightStore holding the trained weights (empty when the file has none)."""
        from .weights import WeightStore
        store = WeightStore()
        if self.weights:
            store.load_state(self.weights)
        return store


def load(path, load_weights=True):
    """Read and validate a graph file; returns a Loaded. Raises GraphFileError."""
    try:
        size = os.path.getsize(path)
    except OSError:
        raise GraphFileError(f"{path}: no such file") from None
    if os.path.isdir(path):
        raise GraphFileError(f"{path}: is a folder, not a graph file")
    if size > MAX_BYTES:
        raise GraphFileError(f"{path}: {size / 2 ** 20:.1f} MiB is more than a graph file may be "
                             f"({MAX_BYTES // 2 ** 20} MiB)")
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise GraphFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise GraphFileError(f"{path}: is not a Tensorweave graph (not UTF-8 text)") from None
    loaded = loads(text, source=path)
    if load_weights and "trained" in loaded.doc:
        _load_trained(loaded, path)
    return loaded


def loads(text, source="<text>"):
    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise GraphFileError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise GraphFileError(f"{source}: nested too deeply to be a graph file") from None
    except ValueError as exc:
        raise GraphFileError(f"{source}: {exc}") from None
    doc = migrate(doc, source)
    graph = from_document(doc, source)
    return Loaded(graph, doc)


def _refuse_constant(name):
    raise ValueError(f"{name} is not allowed in a graph file")


def migrate(doc, source="<text>"):
    if not isinstance(doc, dict):
        raise GraphFileError(f"{source}: the document must be a JSON object, not {type(doc).__name__}")
    if doc.get("format") != FORMAT:
        raise GraphFileError(f"{source}: not a Tensorweave graph (format is {doc.get('format')!r}, "
                             f"expected {FORMAT!r})")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise GraphFileError(f"{source}: version must be a whole number, got {version!r}")
    if version > VERSION:
        raise GraphFileError(f"{source}: written by a newer Tensorweave (format version {version}); "
                             f"this one reads versions up to {VERSION}")
    while version < VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise GraphFileError(f"{source}: format version {version} is no longer supported")
        doc = step(dict(doc))
        version += 1
        doc["version"] = version
    return doc


def _expect(cond, where, message):
    if not cond:
        raise GraphFileError(f"{where}: {message}")


def _text(value, where, allow_none=False):
    if value is None and allow_none:
        return None
    _expect(isinstance(value, str), where, f"must be text, got {type(value).__name__}")
    try:
        return check_text(value, "text")
    except ParamError as exc:
        raise GraphFileError(f"{where}: {str(exc).removeprefix('text ')}") from None


def from_document(doc, source="<text>"):
    where = source
    nodes, edges = doc.get("nodes"), doc.get("edges", [])
    _expect(isinstance(nodes, list), f"{where}: nodes", "must be a list")
    _expect(isinstance(edges, list), f"{where}: edges", "must be a list")
    _expect(len(nodes) <= MAX_NODES, f"{where}: nodes", f"{len(nodes)} nodes is more than {MAX_NODES}")
    _expect(len(edges) <= MAX_EDGES, f"{where}: edges", f"{len(edges)} edges is more than {MAX_EDGES}")
    for key in ("name", "description"):
        if key in doc:
            _text(doc[key], f"{where}: {key}", allow_none=True)
    graph = Graph()
    with graph.batch():
        for i, nd in enumerate(nodes):
            _node_id(nd, i, graph, where)            # checks the entry is an object with an id first
            graph.restore_node(_node(nd, i, where))
        used_inputs = set()
        for i, ed in enumerate(edges):
            edge = _edge(ed, i, graph, where)
            key = (edge.dst, edge.dst_port)
            if key in used_inputs:
                raise GraphFileError(f"{where}: edges[{i}]: input '{edge.dst_port}' of node {edge.dst} is connected twice")
            if edge.id in graph.edges:
                raise GraphFileError(f"{where}: edges[{i}].id: {edge.id!r} is used twice")
            used_inputs.add(key)
            graph.restore_edge(edge)
        config = {}
        ds = doc.get("dataset")
        if ds is not None:
            _expect(isinstance(ds, dict), f"{where}: dataset", "must be an object")
            _expect(ds.get("source") in SOURCES, f"{where}: dataset.source",
                    f"must be one of {', '.join(SOURCES)}, got {ds.get('source')!r}")
            _check_plain(ds, f"{where}: dataset")
            config["dataset"] = ds
        tr = doc.get("training", {}) or {}
        _expect(isinstance(tr, dict), f"{where}: training", "must be an object")
        try:
            training_config(tr)
        except ParamError as exc:
            raise GraphFileError(f"{where}: training: {str(exc).removeprefix('training: ')}") from None
        config["training"] = tr
        if isinstance(doc.get("meta"), dict):
            _check_plain(doc["meta"], f"{where}: meta")
            config["meta"] = doc["meta"]
        if doc.get("runs") is not None:
            _check_plain(doc["runs"], f"{where}: runs")
            try:
                config["runs"] = check_runs(doc["runs"])
            except ValueError as exc:
                raise GraphFileError(f"{where}: runs{exc}" if str(exc).startswith("[") else f"{where}: runs {exc}") \
                    from None
        graph.config = config
    return graph


def _node_id(nd, i, graph, where):
    if not isinstance(nd, dict):
        raise GraphFileError(f"{where}: nodes[{i}]: must be an object")
    nid = nd.get("id")
    if not (isinstance(nid, str) and 0 < len(nid) <= 100):
        raise GraphFileError(f"{where}: nodes[{i}].id: must be non-empty text")
    if nid in graph.nodes:
        raise GraphFileError(f"{where}: nodes[{i}].id: {nid!r} is used by two nodes")
    return nid


def _node(nd, i, where):
    type_id = nd.get("type")
    if not (isinstance(type_id, str) and type_id in REGISTRY):
        _expect(isinstance(type_id, str), f"{where}: nodes[{i}].type", "must be text")
        raise GraphFileError(f"{where}: nodes[{i}].type: unknown node type {type_id!r}")
    nt = REGISTRY.get(type_id)
    params = nd.get("params", {})
    _expect(isinstance(params, dict), f"{where}: nodes[{i}].params", "must be an object")
    values = nt.default_params()
    for k, v in params.items():
        here = f"{where}: nodes[{i}]"
        try:
            spec = nt.param(k)
        except KeyError:
            raise GraphFileError(f"{here}.params: {type_id} has no parameter {k!r}") from None
        _check_plain(v, f"{here}.params.{k}")
        try:
            values[k] = spec.validate(v)
        except ParamError as exc:
            raise GraphFileError(f"{here}.params.{k}: {str(exc).removeprefix(k + ' ')}") from None
    pos = nd.get("position", (0, 0))
    if not (isinstance(pos, (list, tuple)) and len(pos) == 2 and all(
            isinstance(p, (int, float)) and not isinstance(p, bool) and abs(p) < 1e9 for p in pos)):
        raise GraphFileError(f"{where}: nodes[{i}].position: must be two numbers [x, y] within ±1e9")
    title = nd.get("title")
    if title is not None:
        title = _text(title, f"{where}: nodes[{i}].title")
    return Node(nd["id"], type_id, values, (float(pos[0]), float(pos[1])), title)


def _edge(ed, i, graph, where):
    # the common case is checked first and messages are only formatted for a bad entry: a file
    # of 100,000 edges loads in linear time with a small constant
    if not isinstance(ed, dict):
        raise GraphFileError(f"{where}: edges[{i}]: must be an object")
    eid = ed.get("id")
    if not (isinstance(eid, str) and 0 < len(eid) <= 100):
        raise GraphFileError(f"{where}: edges[{i}].id: must be non-empty text")
    ends = []
    nodes = graph.nodes
    for side, role in (("from", "output"), ("to", "input")):
        end = ed.get(side)
        if not isinstance(end, dict):
            raise GraphFileError(f"{where}: edges[{i}].{side}: must be an object with node and port")
        nid, port = end.get("node"), end.get("port")
        if not (isinstance(nid, str) and nid in nodes):
            raise GraphFileError(f"{where}: edges[{i}].{side}.node: refers to a node that does not exist ({nid!r})")
        nt = nodes[nid].type
        if not (isinstance(port, str) and (nt.has_output(port) if side == "from" else nt.has_input(port))):
            raise GraphFileError(f"{where}: edges[{i}].{side}.port: {nt.type_id} has no {role} {port!r}")
        ends.append((nid, port))
    if ends[0][0] == ends[1][0]:
        raise GraphFileError(f"{where}: edges[{i}]: connects a node to itself")
    return Edge(eid, ends[0][0], ends[0][1], ends[1][0], ends[1][1])


def _check_plain(value, where, depth=0):
    """Only JSON scalars, lists and objects that can be written back as they are: not too deep,
    text that UTF-8 can store, finite numbers, whole numbers within ±2**53."""
    _expect(depth < MAX_NESTING, where, "is nested too deeply")
    if isinstance(value, dict):
        for k, v in value.items():
            _text(k, f"{where} (a key)")
            _check_plain(v, f"{where}.{k[:40]}", depth + 1)
    elif isinstance(value, list):
        _expect(len(value) <= MAX_LIST, where, "is too long")
        for j, v in enumerate(value):
            _check_plain(v, f"{where}[{j}]", depth + 1)
    elif isinstance(value, str):
        _text(value, where)
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int):
        _expect(abs(value) <= 2 ** 53, where, "is too large a whole number")
    elif isinstance(value, float):
        _expect(math.isfinite(value), where, "must be a finite number")


def _load_trained(loaded, path):
    """The trained state, when it is whole and belongs to this document; anything else opens the
    graph untrained with a warning (the document itself is fine)."""
    trained = loaded.doc["trained"]
    if not isinstance(trained, dict):
        loaded.warnings.append("the trained state is malformed and was ignored")
        return
    if trained.get("history") is not None:
        try:
            _check_plain(trained["history"], "history")
            loaded.history = History.from_json(trained["history"])
        except (GraphFileError, ValueError) as exc:
            loaded.warnings.append(f"the training history is malformed and was ignored ({exc})")
    if trained.get("normalizer") is not None:
        try:
            _check_plain(trained["normalizer"], "normalizer")
            loaded.normalizer = Normalizer.from_state(trained["normalizer"])
        except Exception as exc:            # noqa: BLE001 — any malformed state: ignore it, say so
            loaded.warnings.append(f"the stored feature scaling is malformed and was ignored ({exc})")
    best = trained.get("best_epoch")
    loaded.best_epoch = best if isinstance(best, int) and not isinstance(best, bool) and 0 < best < 2 ** 31 else None
    loaded._sidecar = (path, trained)        # read when the weights are first asked for


def _read_sidecar(loaded, path, trained):
    name = trained.get("weights")
    folder = os.path.dirname(os.path.realpath(path))
    if not isinstance(name, str) or os.path.basename(name) != name or not name.endswith(".weights.npz"):
        loaded.warnings.append("the trained weights are named oddly and were ignored; the graph opens untrained")
        return
    wfile = os.path.join(folder, name)
    if os.path.islink(wfile):
        loaded.warnings.append(f"{name} is a symbolic link and was not followed; the graph opens untrained")
        return
    if not os.path.isfile(wfile):
        loaded.warnings.append(f"the trained weights ({name}) are missing; the graph opens untrained")
        return
    size = os.path.getsize(wfile)
    if size > MAX_WEIGHTS_BYTES:
        loaded.warnings.append(f"{name} is {size / 2 ** 20:.0f} MiB, more than a weights file may be; "
                               "the graph opens untrained")
        return
    with open(wfile, "rb") as f:
        blob = f.read()
    if hashlib.sha256(blob).hexdigest() != trained.get("sha256"):
        loaded.warnings.append(f"{name} does not belong to this version of the graph; the graph opens untrained")
        return
    try:
        loaded.weights = _read_weights(blob, loaded.graph, loaded.warnings)
    except (ValueError, OSError, EOFError, MemoryError, zipfile.BadZipFile) as exc:
        loaded.warnings.append(f"the trained weights cannot be used ({exc}); the graph opens untrained")


def _read_weights(blob, graph, warnings=None):
    """'node/name' → array for the weights the graph declares: each member's size, and the shape
    and dtype its header states, are checked against the declared shape before anything is read
    or decompressed; only finite numbers are accepted. A member that does not fit is left out
    (that weight starts fresh) with a warning; the others are kept."""
    import io
    declared = {f"{nid}/{w}": tuple(spec.shape) for nid, ws in graph.analysis.weights.items() for w, spec in ws.items()}
    out = {}
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        for info in z.infolist():
            key = info.filename[:-4] if info.filename.endswith(".npy") else None
            if key not in declared:
                continue                        # a weight of a node that is gone: not needed
            want = declared[key]
            limit = 8 * int(np.prod(want, dtype=np.int64)) + 4096
            problem = None
            if info.file_size > limit:
                problem = f"holds {info.file_size:,} bytes, more than its shape {want} needs"
            else:
                with z.open(info) as f:
                    version = np.lib.format.read_magic(f)
                    reader = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                              else np.lib.format.read_array_header_2_0)
                    shape, fortran, dtype = reader(f)
                    if tuple(shape) != want or dtype.kind not in "fiu" or dtype.hasobject:
                        problem = f"is {dtype} {tuple(shape)}, not {want} numbers"
                if problem is None:
                    with z.open(info) as f:
                        arr = np.lib.format.read_array(f, allow_pickle=False)
                    if not np.isfinite(arr).all():
                        problem = "holds NaN or infinite values"
                    else:
                        out[key] = arr
            if problem is not None and warnings is not None:
                warnings.append(f"the trained weight {key} {problem}; it starts fresh")
    return out


# ---------------------------------------------------------------- fragments (clipboard)
FRAGMENT = "tensorweave-fragment"


def fragment_to_text(graph, node_ids):
    """Some nodes and the edges among them, as the clipboard carries them between windows."""
    ids = set(node_ids)
    doc = to_document(graph)
    doc = {"format": FRAGMENT, "version": VERSION,
           "nodes": [n for n in doc["nodes"] if n["id"] in ids],
           "edges": [e for e in doc["edges"] if e["from"]["node"] in ids and e["to"]["node"] in ids]}
    return dumps(doc)


def fragment_from_text(text):
    """(nodes, edges) of a fragment, validated like a graph file (ids as in the fragment)."""
    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise GraphFileError("the clipboard does not hold Tensorweave nodes") from None
    if not isinstance(doc, dict) or doc.get("format") != FRAGMENT:
        raise GraphFileError("the clipboard does not hold Tensorweave nodes")
    doc = dict(doc, format=FORMAT)
    graph = from_document(migrate(doc, "clipboard"), "clipboard")
    return list(graph.nodes.values()), list(graph.edges.values())
