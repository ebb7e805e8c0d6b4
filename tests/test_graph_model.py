"""The editable graph: typed issues pinned to nodes and edges, refusals with reasons, shape
inference with the symbolic batch, parameter counts, and change events."""
import pytest

from engine.graph.model import ConnectionRefused, Graph, GraphEditError, describe
from engine.graph.params import ParamError

from graph_helpers import connect, logistic_regression_graph, mlp_graph


def kinds(g):
    return sorted(i.kind for i in g.analysis.issues)


def test_logistic_regression_from_low_level_ops_infers_shapes_and_counts():
    g, ids = logistic_regression_graph()
    a = g.analysis
    assert not a.issues
    assert str(a.specs[(ids["matmul"], "y")]) == "N×1"
    assert str(a.specs[(ids["loss"], "loss")]) == "scalar"
    assert a.param_count(ids["W"]) == 2 and a.param_count(ids["b"]) == 1
    assert a.total_params() == 3
    text = "\n".join(describe(g))
    assert "N×2" in text and "total trainable parameters: 3" in text


def test_dense_mlp_parameter_counts():
    g, ids = mlp_graph((64, 128, 10))
    assert g.analysis.total_params() == 64 * 128 + 128 + 128 * 10 + 10
    edge = next(e for e in g.edges.values() if e.src == ids["output"])
    assert str(g.analysis.edge_spec(edge)) == "N×10"


def test_cycle_is_refused_at_connection_time():
    g = Graph()
    a, b, c = (g.add_node("Tanh").id for _ in range(3))
    connect(g, a, b)
    connect(g, b, c)
    with pytest.raises(ConnectionRefused, match="cycle") as info:
        connect(g, c, a)
    assert info.value.kind == "cycle"
    ok, reason = g.can_connect(a, "y", a, "x")
    assert not ok and "itself" in reason


def test_occupied_input_and_unknown_ports_are_refused():
    g, ids = mlp_graph()
    ok, reason = g.can_connect(ids["input"], "x", ids["loss"], "target")
    assert not ok and "already connected" in reason
    with pytest.raises(ConnectionRefused, match="has no output"):
        g.connect(ids["input"], "nope", ids["loss"], "target")


def test_incompatible_shapes_are_refused_naming_both_shapes():
    g = Graph()
    x = g.add_node("Input", {"shape": [3]}).id
    w = g.add_node("Parameter", {"shape": [4, 2]}).id
    mm = g.add_node("MatMul").id
    connect(g, x, mm, dst_port="a")
    with pytest.raises(ConnectionRefused, match=r"cannot multiply N×3 by 4×2") as info:
        g.connect(w, "value", mm, "b")
    assert info.value.kind == "shape"


def test_shape_error_after_an_edit_is_pinned_to_the_edge():
    g, ids = logistic_regression_graph()
    g.set_param(ids["W"], "shape", [3, 1])      # W no longer fits x (N×2)
    issues = [i for i in g.analysis.issues if i.kind == "shape"]
    assert len(issues) == 1
    issue = issues[0]
    assert issue.node == ids["matmul"] and issue.edge is not None and issue.port == "b"
    assert "N×2" in issue.message and "3×1" in issue.message
    g.set_param(ids["W"], "shape", [2, 1])
    assert not g.analysis.issues


def test_unconnected_required_input_is_pinned_to_the_port():
    g = Graph()
    add = g.add_node("Add").id
    x = g.add_node("Input", {"shape": [2]}).id
    connect(g, x, add, dst_port="a")
    issue = next(i for i in g.analysis.issues if i.kind == "unconnected")
    assert issue.node == add and issue.port == "b" and "'b'" in issue.message


def test_bad_parameter_values_are_refused_with_the_parameter_named():
    g = Graph()
    d = g.add_node("Dense").id
    with pytest.raises(ParamError, match="units must be at least 1, got 0"):
        g.set_param(d, "units", 0)
    with pytest.raises(ParamError, match="units must be a whole number"):
        g.set_param(d, "units", 2.5)
    with pytest.raises(ParamError, match="has no parameter 'size'"):
        g.set_param(d, "size", 3)
    with pytest.raises(ParamError, match="weight_init must be one of"):
        g.add_node("Dense", {"weight_init": "glorot"})


def test_context_dependent_parameter_problem_is_pinned_to_the_node():
    g = Graph()
    p = g.add_node("Parameter", {"shape": [3], "init": "xavier_uniform"}).id
    issue = next(i for i in g.analysis.issues if i.kind == "param")
    assert issue.node == p and issue.param == "init" and "at least 2 dims" in issue.message


def test_more_than_one_loss_is_an_error_on_each_loss():
    g, ids = mlp_graph()
    second = g.add_node("CrossEntropy").id
    connect(g, ids["output"], second, dst_port="input")
    connect(g, ids["target"], second, dst_port="target")
    issues = [i for i in g.analysis.issues if i.kind == "loss_count"]
    assert {i.node for i in issues} == {ids["loss"], second}
    assert all(i.severity == "error" for i in issues)


def test_two_inputs_and_missing_loss_and_unused_nodes():
    g = Graph()
    g.add_node("Input")
    g.add_node("Input")
    assert "input_count" in kinds(g)
    assert any(i.kind == "no_loss" and i.severity == "warning" for i in g.analysis.issues)
    g2, ids = mlp_graph()
    stray = g2.add_node("Tanh").id
    unused = [i for i in g2.analysis.issues if i.kind == "unused"]
    assert [i.node for i in unused] == [stray] and unused[0].severity == "warning"


def test_dtype_errors_name_the_port():
    g = Graph()
    x = g.add_node("Input", {"shape": [3], "dtype": "int64"}).id
    d = g.add_node("Dense").id
    ok, reason = g.can_connect(x, "x", d, "x")
    assert not ok and "floating-point" in reason
    e = g.add_node("Embedding").id
    assert g.can_connect(x, "x", e, "ids")[0]


def test_events_report_every_change_and_an_analysis():
    g = Graph()
    seen = []
    unsubscribe = g.subscribe(lambda e: seen.append(type(e).__name__))
    x = g.add_node("Input", {"shape": [2]}).id
    d = g.add_node("Dense").id
    e = connect(g, x, d)
    g.set_param(d, "units", 4)
    g.move_node(d, (10, 20))
    g.rename_node(d, "hidden")
    g.disconnect(e.id)
    g.remove_node(d)
    assert seen == ["NodeAdded", "Analyzed", "NodeAdded", "Analyzed", "EdgeAdded", "Analyzed",
                    "ParamChanged", "Analyzed", "NodeMoved", "NodeRenamed", "Analyzed", "EdgeRemoved", "Analyzed",
                    "NodeRemoved", "Analyzed"]      # a rename is analysed again: messages quote titles
    unsubscribe()
    g.add_node("Tanh")
    assert seen[-1] == "Analyzed" and len(seen) == 15


def test_removing_a_node_removes_its_edges_in_one_analysis():
    g, ids = mlp_graph()
    seen = []
    g.subscribe(lambda e: seen.append(type(e).__name__))
    g.remove_node(ids["output"])
    assert seen.count("EdgeRemoved") == 2 and seen.count("Analyzed") == 1
    assert all(ids["output"] not in (e.src, e.dst) for e in g.edges.values())
    with pytest.raises(GraphEditError, match="no node"):
        g.remove_node(ids["output"])


def test_batch_groups_analyses():
    g = Graph()
    count = []
    g.subscribe(lambda e: count.append(1) if type(e).__name__ == "Analyzed" else None)
    with g.batch():
        for _ in range(10):
            g.add_node("Tanh")
    assert len(count) == 1


def test_symbolic_batch_dimension_rules():
    from engine.errors import ShapeError
    from engine.graph.shapes import N, broadcast, fmt
    assert broadcast((N, 3), (3,)) == (N, 3)
    assert broadcast((N, 1), (1, 4)) == (N, 4)
    with pytest.raises(ShapeError, match="N×3 and 5×3"):
        broadcast((N, 3), (5, 3))
    assert fmt(()) == "scalar" and fmt((N, 1, 28, 28)) == "N×1×28×28"


def test_issue_kinds_come_from_the_error_type_not_its_words():
    from engine.graph.issues import IssueKind
    g, ids = mlp_graph((2, 3))
    g.set_param(ids["target"], "shape", [2])          # integer labels of the wrong shape: a shape issue
    kinds = {i.kind for i in g.analysis.errors if i.node == ids["loss"]}
    assert kinds == {IssueKind.SHAPE}
    g2 = Graph()
    x = g2.add_node("Input", {"shape": [2], "dtype": "int64"}).id
    d = g2.add_node("Dense").id
    with pytest.raises(ConnectionRefused) as refused:   # integer ids into a Dense layer: refused …
        connect(g2, x, d)
    assert refused.value.kind == "dtype"
    from engine.graph.model import Edge, new_id
    g2.restore_edge(Edge(new_id(), x, "x", d, "x"))   # … and, wired anyway (an old file), a dtype issue
    issue = next(i for i in g2.analysis.errors if i.node == d)
    assert issue.kind == IssueKind.DTYPE == "dtype" and issue.port == "x"
