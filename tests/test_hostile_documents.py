"""Hostile graph documents, one per class of failure found by fuzzing: each either loads or is
refused with a GraphFileError naming the place, and whatever loads can be saved and opened again
identically (a property test over mutated real documents with extreme numbers, unicode, nesting
and huge shapes). The editor path (set_param, connect) is attacked with the same values."""
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.graph import fileformat as ff
from engine.graph.fileformat import GraphFileError
from engine.graph.model import ConnectionRefused, Edge, Graph, new_id
from engine.graph.params import ParamError
from engine.graph.training import Trainer
from graph_helpers import connect, logistic_regression_graph, mlp_graph

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "examples")


def base_doc():
    g, _ = logistic_regression_graph()
    return ff.to_document(g, "t")


def node_of(doc, type_id):
    return next(n for n in doc["nodes"] if n["type"] == type_id)


def constant_doc(shape, values=(1.0,)):
    g = Graph()
    g.add_node("Constant", {"values": list(values), "shape": [1]})
    d = ff.to_document(g, "c")
    d["nodes"][0]["params"]["shape"] = shape
    return d


def scalar_into(type_id, port="x", params=None):
    """A Parameter of shape [] wired into a node that needs a dimension."""
    g = Graph()
    p = g.add_node("Parameter", {"shape": [1]}).id
    n = g.add_node(type_id, params or {}).id
    d = ff.to_document(g, "s")
    d["nodes"][0]["params"]["shape"] = []
    d["edges"] = [{"id": "e1", "from": {"node": p, "port": "value"}, "to": {"node": n, "port": port}}]
    return d


# (name of the class, document) — each must load cleanly or be refused with GraphFileError
CORPUS = [
    ("position with a 400-digit integer", lambda: _set(base_doc(), ["nodes", 0, "position"], [10 ** 399, 0])),
    ("constant shape past int64", lambda: constant_doc([2 ** 63 + 1, 2])),
    ("constant of 12000×12000", lambda: constant_doc([12000, 12000])),
    ("constant of 100000×100000", lambda: constant_doc([100000, 100000])),
    ("scalar into Split", lambda: scalar_into("Split")),
    ("scalar into Slice", lambda: scalar_into("Slice")),
    ("scalar into Transpose", lambda: scalar_into("Transpose")),
    ("scalar into Concat", lambda: scalar_into("Concat", "a")),
    ("parameter of 16000×16000", lambda: _set(base_doc(), ["nodes", 1, "params", "shape"], [16000, 16000])),
    ("float parameter 'inf'", lambda: _set(base_doc(), ["training", "lr"], "inf")),
    ("float parameter 1e999 as text", lambda: _set(base_doc(), ["training", "lr"], "1e999")),
    ("clamp bound 'nan'", lambda: _with_node(base_doc(), "Clamp", {"min": "nan"})),
    ("power exponent 'inf'", lambda: _with_node(base_doc(), "Power", {"exponent": "inf"})),
    ("leaky slope '-inf'", lambda: _with_node(base_doc(), "LeakyReLU", {"negative_slope": "-inf"})),
    ("constant values 'inf'", lambda: _with_node(base_doc(), "Constant", {"values": ["inf"]})),
    ("title with a lone surrogate", lambda: _set(base_doc(), ["nodes", 0, "title"], "\ud800")),
    ("name with a lone surrogate", lambda: _set(base_doc(), ["name"], "a\udfffb")),
    ("meta key with a lone surrogate", lambda: _set(base_doc(), ["meta"], {"\ud800": 1})),
    ("output name of 10,001 characters", lambda: _with_node(base_doc(), "Output", {"name": "x" * 10001})),
    ("meta nested 600 levels", lambda: _set(base_doc(), ["meta"], _nest(600))),
    ("runs nested 600 levels", lambda: _set(base_doc(), ["runs"], _nest(600))),
    ("huge whole number in meta", lambda: _set(base_doc(), ["meta"], {"n": 10 ** 300})),
    ("dataset path not text", lambda: _set(base_doc(), ["dataset"], {"source": "csv", "path": 5})),
    ("validation_split 'abc'", lambda: _set(base_doc(), ["dataset", "validation_split"], "abc")),
    ("sample_shape [-1, -4]", lambda: _set(base_doc(), ["dataset", "sample_shape"], [-1, -4])),
    ("synthetic n: -5", lambda: _set(base_doc(), ["dataset", "options"], {"n": -5})),
    ("synthetic n: 10**12", lambda: _set(base_doc(), ["dataset", "options"], {"n": 10 ** 12})),
    ("features: 5", lambda: _set(base_doc(), ["dataset"], {"source": "csv", "path": "a.csv", "features": 5})),
    ("epochs 1e999", lambda: _set(base_doc(), ["training", "epochs"], 1e308 * 10 if False else 10 ** 30)),
]


def _set(doc, path, value):
    d = doc
    for k in path[:-1]:
        if isinstance(d, dict) and k not in d:
            d[k] = {}
        d = d[k]
    d[path[-1]] = value
    return doc


def _with_node(doc, type_id, params):
    doc["nodes"].append({"id": "hostile", "type": type_id, "title": None, "params": params, "position": [0, 0]})
    return doc


def _nest(depth):
    v = 1
    for _ in range(depth):
        v = [v]
    return v


def trained(tmp_path, name):
    """A small MLP trained one epoch and saved with its weights: (graph, trainer, path, document)."""
    g, _ = mlp_graph((2, 4, 2), training={"epochs": 1})
    tr = Trainer(g)
    tr.fit()
    path = str(tmp_path / name)
    return g, tr, path, ff.save(g, path, store=tr.store)


def swap_sidecar(tmp_path, path, doc, blob):
    """Replace the document's sidecar with ``blob`` and make the document's hash match it."""
    import hashlib
    (tmp_path / doc["trained"]["weights"]).write_bytes(blob)
    d = json.load(open(path))
    d["trained"]["sha256"] = hashlib.sha256(blob).hexdigest()
    open(path, "w").write(json.dumps(d))


def round_trip(text):
    """loads → to_document → dumps → loads; returns both documents (they must be equal)."""
    first = ff.loads(text)
    doc1 = ff.to_document(first.graph, first.name, first.description)
    second = ff.loads(ff.dumps(doc1))
    doc2 = ff.to_document(second.graph, second.name, second.description)
    return doc1, doc2


@pytest.mark.parametrize("name,make", CORPUS, ids=[c[0] for c in CORPUS])
def test_each_hostile_document_loads_cleanly_or_is_refused(name, make):
    text = json.dumps(make())
    try:
        doc1, doc2 = round_trip(text)
    except GraphFileError:
        return
    assert doc1 == doc2
    g = ff.loads(text).graph
    g.analysis                          # a graph that opens has an analysis, with its issues pinned


def test_huge_tensors_are_issues_before_anything_is_allocated():
    g = ff.loads(json.dumps(constant_doc([100000, 100000]))).graph
    assert any("more than the" in i.message for i in g.analysis.errors)
    g = ff.loads(json.dumps(_set(base_doc(), ["nodes", 1, "params", "shape"], [16000, 16000]))).graph
    assert any("elements" in i.message for i in g.analysis.errors)


@pytest.mark.parametrize("type_id,ports", [("Split", ["x"]), ("Slice", ["x"]), ("Transpose", ["x"]),
                                           ("Concat", ["a", "b"])])
def test_editing_a_scalar_into_a_dim_op_never_raises_outside_the_model(type_id, ports):
    g = Graph()
    p = g.add_node("Parameter", {"shape": [3, 2]}).id
    n = g.add_node(type_id).id
    for port in ports:
        connect(g, p, n, dst_port=port)
    g.set_param(p, "shape", [])                 # stored, analysed, pinned — no IndexError
    assert any(i.node == n and i.kind == "shape" for i in g.analysis.errors)
    g2 = Graph()
    p2 = g2.add_node("Parameter", {"shape": [1]}).id
    g2.set_param(p2, "shape", [])
    n2 = g2.add_node(type_id).id
    for port in ports[:-1]:
        g2.restore_edge(Edge(new_id(), p2, "value", n2, port))
    ok, why = g2.can_connect(p2, "value", n2, ports[-1])
    if ok:            # the problem lies with another port's wire: the connection is made and pinned
        g2.connect(p2, "value", n2, ports[-1])
        assert any(i.node == n2 and "scalar" in i.message for i in g2.analysis.errors)
    else:
        assert "scalar" in why
        with pytest.raises(ConnectionRefused):
            g2.connect(p2, "value", n2, ports[-1])


def test_the_inspector_refuses_what_the_loader_refuses():
    g = Graph()
    out = g.add_node("Output").id
    with pytest.raises(ParamError, match="10,001 characters"):
        g.set_param(out, "name", "x" * 10001)
    with pytest.raises(ParamError, match="lone surrogate"):
        g.set_param(out, "name", "\ud800")
    c = g.add_node("Clamp").id
    with pytest.raises(ParamError, match="finite"):
        g.set_param(c, "min", float("inf"))


def test_trained_state_with_hostile_numbers_opens_untrained_and_saves_again(tmp_path):
    g, _ = mlp_graph(training={"epochs": 2})
    tr = Trainer(g)
    tr.fit()
    path = str(tmp_path / "t.twg")
    ff.save(g, path, store=tr.store, history=tr.history, normalizer=tr.normalizer, best_epoch=1)
    doc = json.load(open(path))
    doc["trained"]["history"]["epochs"][0]["train_loss"] = 10 ** 400 // 10 ** 100   # a 300-digit number
    doc["trained"]["best_epoch"] = 1e308
    doc["trained"]["normalizer"] = {"kind": "standardize", "shift": [1e308 * 10 if False else "x"], "scale": [1]}
    open(path, "w").write(json.dumps(doc))
    loaded = ff.load(path)
    assert loaded.history is None and loaded.best_epoch is None and loaded.normalizer is None
    assert len(loaded.warnings) >= 2
    ff.save(loaded.graph, path, store=loaded.weight_store(), history=loaded.history)     # saves again
    assert ff.load(path).graph.nodes.keys() == loaded.graph.nodes.keys()


def test_a_sidecar_that_inflates_or_holds_text_is_not_loaded(tmp_path):
    import io
    import zipfile

    import numpy as np
    g, tr, path, doc = trained(tmp_path, "w.twg")
    key = next(iter(tr.store.state()))
    for bad in (np.zeros((4000, 4000)), np.array(["a", "b"])):      # a member far larger than declared; text
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            with z.open(key + ".npy", "w") as f:
                np.lib.format.write_array(f, bad)
        blob = buf.getvalue()
        assert len(blob) < 200_000
        swap_sidecar(tmp_path, path, doc, blob)
        loaded = ff.load(path)
        assert key not in (loaded.weights or {}) and "starts fresh" in loaded.warnings[-1]


def test_a_symlinked_sidecar_is_not_followed(tmp_path):
    g, tr, path, doc = trained(tmp_path, "s.twg")
    side = tmp_path / doc["trained"]["weights"]
    real = tmp_path / "elsewhere.npz"
    os.rename(side, real)
    os.symlink(real, side)
    loaded = ff.load(path)
    assert loaded.weights is None and "symbolic link" in loaded.warnings[-1]


hostile_values = st.one_of(
    st.none(), st.booleans(),
    st.integers(-10 ** 30, 10 ** 30), st.sampled_from([2 ** 63 + 1, -(2 ** 63), 2 ** 53 + 1, 0, -1, 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -1e308, 5e-324, -0.0, 3.5e38, 1e39]),
    st.sampled_from(["inf", "-inf", "nan", "1e999", "\ud800", "x" * 10001, "", "valid", "same", "0"]),
    st.text(max_size=12),
    st.lists(st.integers(-3, 100_000), max_size=5),
    st.lists(st.sampled_from([0, -1, 2 ** 40, 1.5, "a"]), max_size=4),
    st.builds(_nest, st.integers(1, 40)),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_whatever_loads_saves_and_reopens_identically(data):
    names = sorted(n for n in os.listdir(EXAMPLES) if n.endswith(".twg"))
    doc = json.load(open(os.path.join(EXAMPLES, data.draw(st.sampled_from(names)))))
    doc.pop("trained", None)
    for _ in range(data.draw(st.integers(1, 5))):
        where = data.draw(st.sampled_from(["param", "position", "title", "training", "dataset", "top", "meta"]))
        value = data.draw(hostile_values)
        if where in ("param", "position", "title") and doc["nodes"]:
            node = doc["nodes"][data.draw(st.integers(0, len(doc["nodes"]) - 1))]
            if where == "param":
                params = node.setdefault("params", {})
                keys = sorted(params) or ["x"]
                params[data.draw(st.sampled_from(keys))] = value
            elif where == "position":
                node["position"] = [value, 0]
            else:
                node["title"] = value
        elif where in ("training", "dataset"):
            section = doc.get(where) if isinstance(doc.get(where), dict) else {}
            doc[where] = section
            keys = sorted(section) + ["validation_split", "sample_shape", "epochs", "lr"]
            section[data.draw(st.sampled_from(keys))] = value
        elif where == "meta":
            doc["meta"] = {"k": value}
        else:
            doc[data.draw(st.sampled_from(["name", "description", "version"]))] = value
    text = json.dumps(doc)           # lone surrogates travel as \\ud800 escapes, as in a hostile file
    try:
        doc1, doc2 = round_trip(text)
    except GraphFileError:
        return
    assert doc1 == doc2


def test_training_that_would_not_fit_in_memory_is_refused_before_allocating(monkeypatch):
    from engine.errors import EngineError
    from engine.graph import memory
    g, _ = mlp_graph((2, 4000, 4000, 2), training={"batch_size": 4096})
    est = memory.estimate(g)
    # weights 2·4000 + 4000² + …; Adam keeps two state copies beside weights, gradients, best and snapshot
    assert est.weights >= (4000 * 4000) * 4 * 6 and est.batch == 4096
    monkeypatch.setattr(memory, "available_memory", lambda: est.total // 2)
    with pytest.raises(EngineError, match="only .* of memory is free"):
        Trainer(g).setup()
    monkeypatch.setattr(memory, "available_memory", lambda: est.total * 2)
    assert memory.refusal(g) is None


def test_renaming_a_node_refreshes_the_messages_that_quote_it():
    g = Graph()
    d = g.add_node("Dense").id
    assert any("of Dense is not connected" in i.message for i in g.analysis.issues)
    g.rename_node(d, "hidden")
    assert any("of hidden is not connected" in i.message for i in g.analysis.issues)
    with pytest.raises(ParamError, match="lone surrogate"):
        g.rename_node(d, "\ud800")


def test_weights_are_read_only_when_asked_for(tmp_path, monkeypatch):
    g, tr, path, _ = trained(tmp_path, "lazy.twg")
    reads = []
    real = ff._read_weights
    monkeypatch.setattr(ff, "_read_weights", lambda blob, graph, w=None: reads.append(1) or real(blob, graph, w))
    loaded = ff.load(path)
    loaded.graph.analysis
    assert reads == []                          # opened and analysed without touching the sidecar
    assert loaded.weights is not None and reads == [1]
    assert loaded.weights is not None and reads == [1]        # read once


def test_saving_keeps_the_files_mode_and_writes_through_a_symlink(tmp_path):
    g, _ = logistic_regression_graph()
    real = tmp_path / "real.twg"
    ff.save(g, str(real))
    os.chmod(real, 0o640)
    ff.save(g, str(real))
    assert (os.stat(real).st_mode & 0o777) == 0o640
    link = tmp_path / "link.twg"
    os.symlink(real, link)
    g.rename_node(next(iter(g.nodes)), "renamed")
    ff.save(g, str(link))
    assert os.path.islink(link) and "renamed" in real.read_text()
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_a_header_claiming_a_huge_array_is_refused_before_allocating(tmp_path):
    import io
    import zipfile
    g, tr, path, doc = trained(tmp_path, "h.twg")
    key = next(iter(tr.store.state()))
    header = io.BytesIO()
    import numpy as np
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (2 ** 41,)})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(key + ".npy", header.getvalue() + b"\0" * 64)
    swap_sidecar(tmp_path, path, doc, buf.getvalue())
    loaded = ff.load(path)
    assert key not in (loaded.weights or {}) and "starts fresh" in loaded.warnings[-1]


def test_saving_one_document_never_removes_another_documents_files(tmp_path):
    g, _ = mlp_graph((2, 4, 2), training={"epochs": 1})
    tr = Trainer(g)
    tr.fit()
    other = ff.save(g, str(tmp_path / "net.twg.twg"), store=tr.store)
    stray = tmp_path / ".~net.twg2abcdefgh.tmp"
    stray.write_text("another save in progress")
    ff.save(g, str(tmp_path / "net.twg"), store=tr.store)
    assert (tmp_path / other["trained"]["weights"]).exists() and stray.exists()
    assert ff.load(str(tmp_path / "net.twg.twg")).weights is not None
