"""Graph files: round trips, trained state, atomic saves under a simulated crash, migration,
and a loader that answers broken or hostile documents with a clean GraphFileError."""
import copy
import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.graph import fileformat as ff
from engine.graph.fileformat import GraphFileError
from engine.graph.training import Trainer

from graph_helpers import logistic_regression_graph, mlp_graph

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "examples")


def graph_state(g):
    nodes = {n.id: (n.type_id, n.params, n.position, n.title) for n in g.nodes.values()}
    edges = {e.id: (e.src, e.src_port, e.dst, e.dst_port) for e in g.edges.values()}
    return nodes, edges, g.config


def test_round_trip_is_exact(tmp_path):
    g, ids = logistic_regression_graph()
    g.move_node(ids["W"], (12.5, -40.0))
    g.rename_node(ids["W"], "weights W")
    path = str(tmp_path / "lr.twg")
    ff.save(g, path, description="from low-level ops")
    loaded = ff.load(path)
    assert graph_state(loaded.graph) == graph_state(g)
    assert loaded.description == "from low-level ops" and loaded.name == "lr"
    assert not loaded.graph.analysis.issues
    ff.save(loaded.graph, str(tmp_path / "again.twg"), name="lr", description="from low-level ops")
    assert (tmp_path / "again.twg").read_text() == (tmp_path / "lr.twg").read_text()


def test_every_example_round_trips():
    for name in sorted(os.listdir(EXAMPLES)):
        if name.endswith(".twg"):
            loaded = ff.load(os.path.join(EXAMPLES, name))
            text = ff.dumps(ff.to_document(loaded.graph, loaded.name, loaded.description))
            assert ff.loads(text).graph.nodes.keys() == loaded.graph.nodes.keys()
            assert json.loads(text)["version"] == ff.VERSION


def test_trained_weights_and_history_come_back(tmp_path):
    g, _ = mlp_graph(training={"epochs": 3})
    tr = Trainer(g)
    h = tr.fit()
    path = str(tmp_path / "trained.twg")
    doc = ff.save(g, path, store=tr.store, history=h, normalizer=tr.normalizer, best_epoch=h.best_epoch())
    assert os.path.exists(os.path.join(str(tmp_path), doc["trained"]["weights"]))
    loaded = ff.load(path)
    assert loaded.history.epochs == h.epochs and loaded.best_epoch == h.best_epoch()
    for (node, name), t in tr.store.tensors.items():
        np.testing.assert_array_equal(loaded.weights[f"{node}/{name}"], t.numpy())
    # a reopened, trained graph predicts exactly as before
    from engine.graph.plan import Plan
    from engine.graph.weights import WeightStore
    store = WeightStore()
    store.load_state(loaded.weights)
    x = tr.data.x_val[:5]
    np.testing.assert_array_equal(Plan(loaded.graph, store).predict(x), tr.plan.predict(x))


def test_weights_from_another_version_are_not_loaded(tmp_path):
    g, _ = mlp_graph(training={"epochs": 1})
    tr = Trainer(g)
    tr.fit()
    path = str(tmp_path / "a.twg")
    doc = ff.save(g, path, store=tr.store)
    other = tmp_path / doc["trained"]["weights"]
    np.savez(str(other), junk=np.zeros(2))
    loaded = ff.load(path)
    assert loaded.weights is None and "does not belong" in loaded.warnings[0]
    os.remove(other)
    loaded = ff.load(path)
    assert loaded.weights is None and "missing" in loaded.warnings[0]


def test_a_crash_mid_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    g, ids = logistic_regression_graph()
    path = str(tmp_path / "g.twg")
    ff.save(g, path)
    before = open(path, "rb").read()
    g.set_param(ids["W"], "init", "zeros")

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(GraphFileError, match="cannot be saved \\(No space left on device\\)"):
        ff.save(g, path)
    assert open(path, "rb").read() == before
    assert [p for p in os.listdir(tmp_path) if p != "g.twg"] == []        # no temporary left behind


def test_a_crash_while_writing_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    g, _ = logistic_regression_graph()
    path = str(tmp_path / "g.twg")
    ff.save(g, path)
    before = open(path, "rb").read()
    real_fdopen = os.fdopen

    class Dying:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *a):
            self.f.close()

        def write(self, data):
            self.f.write(data[: len(data) // 2])
            raise KeyboardInterrupt            # the process dies half-way through the write

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: Dying(real_fdopen(fd, mode)))
    with pytest.raises(KeyboardInterrupt):
        ff.save(g, path)
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["g.twg"]


def base_doc():
    g, _ = logistic_regression_graph()
    return ff.to_document(g, "t")


def mutate(doc, fn):
    d = copy.deepcopy(doc)
    fn(d)
    return json.dumps(d)


BAD = [
    ("{not json", "not valid JSON \\(line 1, column 2"),
    ("[1, 2]", "must be a JSON object, not list"),
    (json.dumps({"format": "something-else", "version": 1}), "not a Tensorweave graph"),
    (lambda d: d.update(version=99), "written by a newer Tensorweave \\(format version 99\\)"),
    (lambda d: d.update(version="1"), "version must be a whole number"),
    (lambda d: d.update(nodes={}), "nodes: must be a list"),
    (lambda d: d["nodes"][0].update(type="Teleport"), r"nodes\[0\].type: unknown node type 'Teleport'"),
    (lambda d: d["nodes"][1].update(id=d["nodes"][0]["id"]), r"nodes\[1\].id: .* is used by two nodes"),
    (lambda d: d["nodes"][0]["params"].update(shape="two"), r"nodes\[0\].params.shape: must be a list of whole numbers"),
    (lambda d: d["nodes"][0]["params"].update(size=3), r"nodes\[0\].params: Input has no parameter 'size'"),
    (lambda d: d["nodes"][1]["params"].update(init="magic"), r"nodes\[1\].params.init: must be one of"),
    (lambda d: d["nodes"][0].update(position=[0, "x"]), r"nodes\[0\].position: must be two numbers"),
    (lambda d: d["edges"][0]["to"].update(node="nowhere"), r"edges\[0\].to.node: refers to a node that does not exist"),
    (lambda d: d["edges"][0]["from"].update(port="zzz"), r"edges\[0\].from.port: Input has no output 'zzz'"),
    (lambda d: d["edges"].append(dict(d["edges"][0], id="dup")), r"edges\[7\]: input 'a' of node .* is connected twice"),
    (lambda d: d["edges"][0].update(to=dict(node=d["edges"][0]["from"]["node"], port="x")), "Input has no input 'x'"),
    (lambda d: d.update(training={"lr": -1}), "training: lr must be at least 0.0"),
    (lambda d: d.update(training={"turbo": True}), "training: unknown setting 'turbo'"),
    (lambda d: d.update(dataset={"source": "ftp"}), "dataset.source: must be one of"),
    (lambda d: d.update(name="x" * 20000), "name: is 20,000 characters long"),
]


@pytest.mark.parametrize("bad,pattern", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_documents_are_refused_with_the_place_named(bad, pattern):
    text = bad if isinstance(bad, str) else mutate(base_doc(), bad)
    with pytest.raises(GraphFileError, match=pattern):
        ff.loads(text, source="file.twg")


def test_nan_and_deep_nesting_and_huge_files(tmp_path):
    with pytest.raises(GraphFileError, match="NaN is not allowed"):
        ff.loads('{"format": "tensorweave-graph", "version": 1, "nodes": [], "x": NaN}')
    deep = '{"format": "tensorweave-graph", "version": 1, "nodes": [], "meta": ' + "[" * 100000 + "]" * 100000 + "}"
    with pytest.raises(GraphFileError, match="nested too deeply"):
        ff.loads(deep)
    big = tmp_path / "big.twg"
    with open(big, "wb") as f:
        f.seek(ff.MAX_BYTES + 1)
        f.write(b"\0")
    with pytest.raises(GraphFileError, match="is more than a graph file may be"):
        ff.load(str(big))
    with pytest.raises(GraphFileError, match="no such file"):
        ff.load(str(tmp_path / "none.twg"))
    binary = tmp_path / "bin.twg"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(GraphFileError, match="not UTF-8"):
        ff.load(str(binary))


def test_a_cycle_in_a_file_loads_with_the_cycle_pinned():
    def make_cycle(d):
        n = [x["id"] for x in d["nodes"]]
        sig = next(x["id"] for x in d["nodes"] if x["type"] == "Sigmoid")
        add = next(x["id"] for x in d["nodes"] if x["type"] == "Add")
        # replace the Add's input 'b' (the bias) with the Sigmoid's output: Add → Sigmoid → Add
        for e in d["edges"]:
            if e["to"]["node"] == add and e["to"]["port"] == "b":
                e["from"] = {"node": sig, "port": "y"}
        return n
    g = ff.loads(mutate(base_doc(), make_cycle)).graph
    assert any(i.kind == "cycle" for i in g.analysis.issues)


def test_migration_runs_older_versions_forward(monkeypatch):
    doc = base_doc()
    old = copy.deepcopy(doc)
    old["version"] = 0
    old["links"] = old.pop("edges")          # what a hypothetical version 0 called edges

    def v0_to_v1(d):
        d["edges"] = d.pop("links")
        return d
    monkeypatch.setattr(ff, "MIGRATIONS", {0: v0_to_v1})
    loaded = ff.loads(json.dumps(old))
    assert len(loaded.graph.edges) == len(doc["edges"]) and loaded.doc["version"] == ff.VERSION
    monkeypatch.setattr(ff, "MIGRATIONS", {})
    with pytest.raises(GraphFileError, match="version 0 is no longer supported"):
        ff.loads(json.dumps(old))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(json_values, st.dictionaries(st.sampled_from(["format", "version", "nodes", "edges", "dataset",
                                                                "training", "name", "meta"]), json_values)))
def test_random_documents_only_ever_give_clean_errors(doc):
    if isinstance(doc, dict) and "format" in doc:
        doc["format"] = ff.FORMAT
    try:
        ff.loads(json.dumps(doc))
    except GraphFileError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_real_documents_only_ever_give_clean_errors(data):
    doc = base_doc()
    for _ in range(data.draw(st.integers(1, 4))):
        section = data.draw(st.sampled_from(["nodes", "edges", "top"]))
        value = data.draw(json_values)
        if section == "top":
            doc[data.draw(st.sampled_from(["version", "nodes", "edges", "dataset", "training", "name"]))] = value
        elif isinstance(doc.get(section), list) and doc[section]:
            item = doc[section][data.draw(st.integers(0, len(doc[section]) - 1))]
            if isinstance(item, dict):
                key = data.draw(st.sampled_from(sorted(item) + ["extra"]))
                item[key] = value
    try:
        loaded = ff.loads(json.dumps(doc))
    except GraphFileError:
        return
    loaded.graph.analysis   # a document that loads has a usable graph and analysis
