"""Data sets: synthetic and bundled ones, the user's CSV/NPZ files with clear errors for bad
files, splits, and normalization fitted on the training part only."""
import gzip

import numpy as np
import pytest

from engine import data
from engine.data import DataError, Normalizer, load_csv, load_npz, prepare, synthetic


@pytest.mark.parametrize("name", sorted(synthetic.GENERATORS))
def test_synthetic_sets_are_seeded_and_well_formed(name):
    a, b, c = synthetic.make(name, seed=1), synthetic.make(name, seed=1), synthetic.make(name, seed=2)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)
    assert a.x.dtype == np.float32 and len(a.x) == len(a.y) and np.isfinite(a.x).all()
    if a.task != "regression":
        assert a.y.dtype == np.int64 and set(np.unique(a.y)) <= set(range(a.n_classes))


@pytest.mark.parametrize("name,n,features,classes", [("iris", 150, 4, 3), ("wine", 178, 13, 3),
                                                      ("breast_cancer", 569, 30, 2), ("digits", 1797, 64, 10)])
def test_bundled_real_sets(name, n, features, classes):
    ds = data.load({"source": "bundled", "name": name})
    assert ds.x.shape == (n, features) and ds.n_classes == classes
    assert len(ds.feature_names) == features and len(ds.class_names) == classes
    assert np.bincount(ds.y).min() > 0


def test_digits_as_images():
    ds = data.load({"source": "bundled", "name": "digits", "sample_shape": [1, 8, 8]})
    assert ds.x.shape == (1797, 1, 8, 8) and ds.x.max() == 16
    with pytest.raises(DataError, match="cannot be viewed as"):
        data.load({"source": "bundled", "name": "digits", "sample_shape": [1, 9, 9]})


def test_stratified_split_and_normalization_fitted_on_train_only():
    train, val, norm = prepare({"source": "bundled", "name": "iris", "normalize": "standardize",
                                "validation_split": 0.2, "seed": 3})
    assert len(train) == 120 and len(val) == 30
    assert np.bincount(val.y).tolist() == [10, 10, 10]
    np.testing.assert_allclose(train.x.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(train.x.std(axis=0), 1, atol=1e-4)
    assert np.abs(val.x.mean(axis=0)).max() > 1e-3        # not re-fitted on validation data
    raw = data.load({"source": "bundled", "name": "iris"})
    refit = Normalizer("standardize").fit(raw.x)
    assert not np.allclose(refit.shift, norm.shift)
    mm = Normalizer("minmax").fit(train.x)
    t = mm.transform(train.x)
    assert t.min() == pytest.approx(0) and t.max() == pytest.approx(1)
    restored = Normalizer.from_state(norm.state())
    np.testing.assert_allclose(restored.transform(val.x), norm.transform(val.x))


def test_validation_rows_take_the_last_rows():
    train, val, _ = prepare({"source": "synthetic", "name": "few_points", "options": {"n_train": 8, "n_validation": 50},
                             "validation_rows": 50})
    assert len(train) == 8 and len(val) == 50


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_csv_with_text_labels_and_chosen_columns(tmp_path):
    p = write(tmp_path, "m.csv", "height;weight;age;kind\n1.5;50;30;cat\n1.7;70;40;dog\n1.6;60;35;cat\n")
    ds = load_csv(p, features=["height", "weight"], label="kind")
    assert ds.x.shape == (3, 2) and ds.class_names == ["cat", "dog"] and ds.y.tolist() == [0, 1, 0]
    assert ds.task == "binary"
    reg = load_csv(p, features=["height"], label="weight")
    assert reg.task == "regression" and reg.y.shape == (3, 1)


@pytest.mark.parametrize("text,pattern", [
    ("a,b,label\n1,2,0\n3,,1\n", r"line 3, column 'b': is empty"),
    ("a,b,label\n1,2,0\n3,nan,1\n", r"line 3, column 'b': is NaN or infinite"),
    ("a,b,label\n1,2,0\n3,x7,1\n", r"line 3, column 'b': 'x7' is not a number"),
    ("a,b,label\n1,2,0\n3,4\n", r"line 3: 2 values, but the header names 3 columns"),
    ("1,2,3\n4,5,6\n", r"the first line must name the columns"),
    ("a,a,label\n1,2,0\n", r"column name\(s\) used twice: a"),
    ("a,b,label\n", r"has a header but no data rows"),
    ("", r"the file is empty"),
    ("a,b,label\n1,2,\n", r"line 2, column 'label': the label is empty"),
])
def test_bad_csv_files_get_a_message_naming_line_and_column(tmp_path, text, pattern):
    with pytest.raises(DataError, match=pattern):
        load_csv(write(tmp_path, "bad.csv", text))


def test_csv_column_and_file_problems(tmp_path):
    p = write(tmp_path, "ok.csv", "a,b,label\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError, match="no column named 'species'; the columns are: a, b, label"):
        load_csv(p, label="species")
    with pytest.raises(DataError, match="no column named 'c'"):
        load_csv(p, features=["a", "c"])
    with pytest.raises(DataError, match="no such file"):
        load_csv(str(tmp_path / "missing.csv"))
    binary = tmp_path / "img.csv"
    binary.write_bytes(b"\x89PNG\x00\xff\xfe")
    with pytest.raises(DataError, match="not UTF-8 text"):
        load_csv(str(binary))
    gz = tmp_path / "z.csv.gz"
    gz.write_bytes(gzip.compress(b"a,label\n1,0\n2,1\n"))
    assert len(load_csv(str(gz))) == 2


def test_npz_files(tmp_path):
    p = str(tmp_path / "d.npz")
    np.savez(p, x=np.random.rand(10, 3), y=np.arange(10) % 3)
    ds = load_npz(p)
    assert ds.x.shape == (10, 3) and ds.task == "multiclass"
    q = str(tmp_path / "obj.npz")
    np.savez(q, x=np.array([{"evil": 1}] * 3, dtype=object), y=np.zeros(3))
    with pytest.raises(DataError, match="cannot be read as plain arrays"):
        load_npz(q)
    r = str(tmp_path / "keys.npz")
    np.savez(r, a=np.zeros((3, 2)), b=np.zeros(3))
    with pytest.raises(DataError, match="it holds a, b"):
        load_npz(r)
    s = str(tmp_path / "nan.npz")
    np.savez(s, x=np.array([[1.0], [np.nan]]), y=np.zeros(2))
    with pytest.raises(DataError, match="NaN or infinite values \\(first in row 1\\)"):
        load_npz(s)
    t = str(tmp_path / "junk.npz")
    open(t, "wb").write(b"not a zip")
    with pytest.raises(DataError, match="not a readable .npz"):
        load_npz(t)


def test_unknown_sources_and_names():
    with pytest.raises(DataError, match="source must be one of"):
        data.load({"source": "web"})
    with pytest.raises(DataError, match="unknown synthetic data set 'mnist'"):
        data.load({"source": "synthetic", "name": "mnist"})
    with pytest.raises(DataError, match="unknown bundled data set"):
        data.load({"source": "bundled", "name": "cifar"})


def test_a_separate_validation_set(tmp_path):
    train_csv = write(tmp_path, "train.csv", "a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20)))
    val_csv = write(tmp_path, "val.csv", "a,b,label\n" + "".join(f"{i},{i % 5},{i % 2}\n" for i in range(7)))
    train, val, _ = prepare({"source": "csv", "path": "train.csv", "validation": {"source": "csv", "path": "val.csv"}},
                            base_dir=str(tmp_path))
    assert len(train) == 20 and len(val) == 7
    other = write(tmp_path, "wide.csv", "a,b,c,label\n1,2,3,0\n")
    with pytest.raises(DataError, match="validation set's samples have shape \\(3,\\)"):
        prepare({"source": "csv", "path": train_csv, "validation": {"source": "csv", "path": other}})
    assert val_csv
