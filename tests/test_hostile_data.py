"""Hostile data files and data set configurations: each class found by fuzzing ends as a
DataError naming the file (and line or column) — never another exception, a hang on a pipe, an
allocation beyond the limits, or the file's raw content repeated back. A data file outside the
graph's folder is read only when allowed."""
import gzip
import io
import json
import os
import sys
import zipfile

import numpy as np
import pytest

from engine.data import DataError, OutsideDataError, load_csv, load_npz, prepare
from engine.graph.training import Trainer
from graph_helpers import mlp_graph


def csv_file(tmp_path, text, name="d.csv", mode="w"):
    p = tmp_path / name
    if mode == "w":
        p.write_text(text, encoding="utf-8", newline="")
    else:
        p.write_bytes(text)
    return str(p)


CSV_CASES = [
    ("only separators", ",,,\n,,,\n", "no values"),
    ("empty", "", "empty"),
    ("quotes only", '""\n', "no values|at least two columns"),
    ("one column (a secret file's shape)", "AWS_SECRET_ACCESS_KEY=abc\nPATH=/usr/bin\n", "at least two columns"),
    ("a cell over the limit", "a,b\n" + "1," + "9" * 1_100_000 + "\n", "CSV table|not a number"),
    ("a value beyond float32", "a,b\n1e39,0\n2,1\n", "too large for float32"),
    ("labels of 1e12", "a,b\n1,0\n2,1000000000000\n", "beyond the|regression|must"),
    ("ragged rows", "a,b,c\n1,2\n", "line 2: 2 values"),
]


@pytest.mark.parametrize("name,text,message", CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_hostile_csv_files_give_one_data_error(tmp_path, name, text, message):
    path = csv_file(tmp_path, text)
    try:
        ds = load_csv(path)
    except DataError as exc:
        assert pytest.importorskip("re").search(message, str(exc)), str(exc)
        assert "AWS_SECRET" not in str(exc)
        return
    assert name == "labels of 1e12" and ds.task == "regression"       # read as numbers, not 1e12 classes


def test_line_ends_of_every_platform_read_the_same(tmp_path):
    for sep in ("\n", "\r\n", "\r"):
        ds = load_csv(csv_file(tmp_path, sep.join(["a,b,label", "1,2,0", "3,4,1", ""]), f"l{len(sep)}.csv"))
        assert ds.x.tolist() == [[1, 2], [3, 4]] and ds.y.tolist() == [0, 1]


def test_a_truncated_or_fake_gzip_is_a_data_error(tmp_path):
    full = gzip.compress(b"a,b\n" + b"1,0\n" * 10000)
    with pytest.raises(DataError, match="truncated or damaged"):
        load_csv(csv_file(tmp_path, full[: len(full) // 2], "t.csv.gz", "b"))
    with pytest.raises(DataError, match="truncated or damaged"):
        load_csv(csv_file(tmp_path, b"not gzip at all", "f.csv.gz", "b"))


def test_a_header_of_100000_columns_is_read_in_linear_time(tmp_path):
    cols = [f"c{i}" for i in range(100_000)]
    ds = load_csv(csv_file(tmp_path, ",".join(cols) + "\n" + ",".join(["1"] * 99_999 + ["0"]) + "\n"))
    assert ds.x.shape == (1, 99_999)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_pipe_or_a_device_is_refused_without_reading(tmp_path):
    fifo = str(tmp_path / "pipe.csv")
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="not a regular file"):
        load_csv(fifo)                           # would block forever if it were opened
    if os.path.exists("/dev/zero"):
        with pytest.raises(DataError, match="not a regular file"):
            load_csv("/dev/zero")


def npz(tmp_path, members, compress=False, name="d.npz"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        for key, value in members.items():
            if isinstance(value, bytes):
                z.writestr(key, value)
            else:
                with z.open(key + ".npy", "w") as f:
                    np.lib.format.write_array(f, np.asarray(value))
    return str(path)


def test_hostile_npz_files_give_one_data_error(tmp_path):
    with pytest.raises(DataError, match="one row per sample"):
        load_npz(npz(tmp_path, {"x": np.float32(1), "y": np.int64(0)}, name="a.npz"))
    with pytest.raises(DataError, match="not an array"):
        load_npz(npz(tmp_path, {"x": np.zeros((2, 2)), "y": np.zeros(2), "notes.txt": b"hello"}, name="b.npz"))
    with pytest.raises(DataError, match="more than the"):
        load_npz(npz(tmp_path, {"x": np.zeros((20000, 4000)), "y": np.zeros(20000)}, compress=True, name="c.npz"))
    with pytest.raises(DataError, match="too large for float32"):
        load_npz(npz(tmp_path, {"x": np.array([[1e39]]), "y": np.array([0])}, name="d.npz"))


CONFIGS = [
    ({"source": "synthetic", "name": "moons", "validation_split": "abc"}, "validation_split"),
    ({"source": "synthetic", "name": "moons", "sample_shape": [-1, -4]}, "sample_shape"),
    ({"source": "synthetic", "name": "moons", "options": {"n": -5}}, "n must be at least"),
    ({"source": "synthetic", "name": "moons", "options": {"n": 10 ** 12}}, "n must be at most"),
    ({"source": "synthetic", "name": "moons", "options": [1, 2]}, "options must be an object"),
    ({"source": "csv", "path": "d.csv", "features": 5}, "'features' must be a list"),
    ({"source": "csv", "path": 7}, "needs a file path"),
    ({"source": "synthetic", "name": "moons", "validation_rows": "x"}, "validation_rows"),
    ({"source": "synthetic", "name": "moons", "normalize": "zscore"}, "normalize"),
]


@pytest.mark.parametrize("config,message", CONFIGS, ids=[m for _, m in CONFIGS])
def test_hostile_data_set_configurations_give_one_data_error(tmp_path, config, message):
    csv_file(tmp_path, "a,b\n1,0\n2,1\n")
    with pytest.raises(DataError, match=message):
        prepare(config, str(tmp_path))


def test_labels_beyond_a_one_hot_target_are_a_data_error():
    g, _ = mlp_graph((2, 3), loss="CategoricalCrossEntropy", target={"shape": [3], "dtype": "float32"},
                     dataset={"source": "synthetic", "name": "blobs", "options": {"n": 60, "centers": 5}})
    with pytest.raises(DataError, match="one-hot rows of 3 classes"):
        Trainer(g).setup()


def test_a_data_file_outside_the_graphs_folder_is_read_only_when_allowed(tmp_path):
    outside = tmp_path / "outside"
    inside = tmp_path / "project"
    outside.mkdir(), inside.mkdir()
    csv_file(outside, "a,b,label\n" + "".join(f"{i},{-i},{i % 2}\n" for i in range(40)))
    g, _ = mlp_graph((2, 2), dataset={"source": "csv", "path": "../outside/d.csv"})
    with pytest.raises(OutsideDataError, match="outside the graph's folder"):
        Trainer(g, base_dir=str(inside), allow_data=()).setup()
    Trainer(g, base_dir=str(inside), allow_data={str(outside / "d.csv")}).setup()     # the user said yes
    Trainer(g, base_dir=str(inside)).setup()                                          # Python: the caller's own
    os.symlink(outside / "d.csv", inside / "link.csv")                                # a link out of the folder
    g.config["dataset"] = {"source": "csv", "path": "link.csv"}
    with pytest.raises(OutsideDataError):
        Trainer(g, base_dir=str(inside), allow_data=()).setup()


def test_the_command_line_refuses_outside_data_unless_told(tmp_path, capsys, monkeypatch):
    from app.main import main
    monkeypatch.setenv("TENSORWEAVE_DATA_DIR", str(tmp_path / "data"))
    from engine.graph import fileformat as ff
    (tmp_path / "project").mkdir()
    csv_file(tmp_path, "a,b,label\n" + "".join(f"{i},{-i},{i % 2}\n" for i in range(40)))
    g, _ = mlp_graph((2, 2), dataset={"source": "csv", "path": str(tmp_path / "d.csv")}, training={"epochs": 1})
    path = str(tmp_path / "project" / "g.twg")
    ff.save(g, path)
    assert main(["train", path, "--out", str(tmp_path / "o")]) != 0
    err = capsys.readouterr().err
    assert "--allow-outside-data" in err and len(err.strip().splitlines()) == 1
    assert main(["train", path, "--out", str(tmp_path / "o"), "--allow-outside-data"]) == 0


def test_targets_beyond_float32_are_refused_not_turned_into_inf(tmp_path):
    with pytest.raises(DataError, match="too large for float32"):
        load_npz(npz(tmp_path, {"x": np.zeros((2, 2)), "y": np.array([1e39, 0.5])}, name="t.npz"), task="regression")
    with pytest.raises(DataError, match="too large for float32"):
        load_csv(csv_file(tmp_path, "a,b,t\n1,2,1e39\n3,4,0.5\n"), task="regression")
