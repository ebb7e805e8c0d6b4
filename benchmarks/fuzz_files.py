"""Fuzz the loaders: mutated graph documents (from the bundled examples, with extreme numbers,
unicode, nesting, huge shapes and wrong types put in random places) and hostile data files (CSV
and NPZ variants). Every case must load or be refused with the loader's error; whatever loads
must save and reopen identically. Prints the counts; any crash or hang is listed.

    python benchmarks/fuzz_files.py [--documents 10000] [--data 1000] [--seed 0]
"""
import argparse
import copy
import gzip
import io
import json
import os
import random
import signal
import sys
import tempfile
import traceback
import zipfile

from _common import ROOT

import numpy as np  # noqa: E402

from engine.data import DataError, prepare  # noqa: E402
from engine.graph import fileformat as ff  # noqa: E402

EXAMPLES = os.path.join(ROOT, "resources", "examples")
HOSTILE = [None, True, False, 0, -1, 1, 2 ** 63 + 1, -(2 ** 63), 10 ** 30, 10 ** 400, 1e308, -1e308, 5e-324, -0.0,
           3.5e38, 1e39, 0.5, "inf", "-inf", "nan", "1e999", "\ud800", "x" * 10001, "", "valid", "same", "0",
           [], [0], [-1], [2 ** 40], [1.5], ["a"], [12000, 12000], [100000, 100000], [1, 2, 3, 4, 5], {}, {"a": 1}]


class Timeout(Exception):
    pass


def _alarm(*_):
    raise Timeout


def nest(depth):
    v = 1
    for _ in range(depth):
        v = [v]
    return v


def mutate(rng, doc):
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 5)):
        value = rng.choice(HOSTILE + [nest(rng.randint(1, 700))])
        where = rng.choice(["param", "position", "title", "training", "dataset", "top", "meta", "edge", "delete"])
        nodes, edges = doc.get("nodes"), doc.get("edges")
        if where in ("param", "position", "title") and isinstance(nodes, list) and nodes:
            node = rng.choice(nodes)
            if not isinstance(node, dict):
                continue
            if where == "param":
                params = node.setdefault("params", {}) if isinstance(node.get("params", {}), dict) else {}
                keys = sorted(params) or ["x"]
                params[rng.choice(keys)] = value
            elif where == "position":
                node["position"] = [value, 0]
            else:
                node["title"] = value
        elif where == "edge" and isinstance(edges, list) and edges and isinstance(edges[0], dict):
            e = rng.choice(edges)
            e[rng.choice(["id", "from", "to"])] = value
        elif where in ("training", "dataset"):
            section = doc.get(where) if isinstance(doc.get(where), dict) else {}
            doc[where] = section
            section[rng.choice(sorted(section) + ["validation_split", "sample_shape", "epochs", "lr", "path"])] = value
        elif where == "meta":
            doc["meta"] = {"k": value}
        elif where == "delete" and doc:
            doc.pop(rng.choice(sorted(doc)), None)
        else:
            doc[rng.choice(["name", "description", "version", "nodes", "edges"])] = value
    return doc


def fuzz_documents(n, rng):
    bases = [json.load(open(os.path.join(EXAMPLES, f))) for f in sorted(os.listdir(EXAMPLES)) if f.endswith(".twg")]
    out = {"documents": 0, "refused": 0, "loaded": 0, "round_trip_ok": 0, "crash": 0, "hang": 0, "unsavable": 0}
    failures = []
    for i in range(n):
        doc = mutate(rng, rng.choice(bases))
        try:
            text = json.dumps(doc)
        except (ValueError, RecursionError):
            continue
        out["documents"] += 1
        signal.alarm(5)
        try:
            first = ff.loads(text)
            first.graph.analysis
            out["loaded"] += 1
            try:
                d1 = ff.to_document(first.graph, first.name, first.description)
                second = ff.loads(ff.dumps(d1))
                d2 = ff.to_document(second.graph, second.name, second.description)
                out["round_trip_ok" if d1 == d2 else "unsavable"] += 1
            except Exception as exc:  # noqa: BLE001
                out["unsavable"] += 1
                failures.append(("unsavable", i, repr(exc)[:200]))
        except ff.GraphFileError:
            out["refused"] += 1
        except Timeout:
            out["hang"] += 1
            failures.append(("hang", i, ""))
        except Exception as exc:  # noqa: BLE001
            out["crash"] += 1
            failures.append(("crash", i, traceback.format_exc()[-400:]))
        finally:
            signal.alarm(0)
    return out, failures


def data_cases(rng, folder, i):
    """One hostile data file: (config, path)."""
    kind = rng.choice(["csv", "csv", "gz", "npz"])
    rows = rng.randint(0, 40)
    cols = rng.randint(0, 6)
    cells = ["1", "-2.5", "", "nan", "inf", "1e39", "1e400", "abc", '"q"', "\ud800", "0", "7", "1e12", "x" * 200_000]
    seps = [",", ";", "\t", ":"]
    ends = ["\n", "\r\n", "\r"]
    sep, end = rng.choice(seps), rng.choice(ends)
    header = sep.join(rng.choice(["a", "b", "label", "", "a", "c,d", "é"]) for _ in range(cols))
    body = end.join(sep.join(rng.choice(cells) for _ in range(cols)) for _ in range(rows))
    text = header + end + body
    raw = text.encode("utf-8", errors="surrogatepass")
    if rng.random() < 0.1:
        raw = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200)))
    path = os.path.join(folder, f"f{i}")
    if kind == "csv":
        path += ".csv"
        open(path, "wb").write(raw)
    elif kind == "gz":
        path += ".csv.gz"
        comp = gzip.compress(raw)
        open(path, "wb").write(comp[: rng.randint(0, len(comp))] if rng.random() < 0.5 else comp)
    else:
        path += ".npz"
        with zipfile.ZipFile(path, "w", rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])) as z:
            for key in rng.sample(["x", "y", "X", "labels", "notes.txt"], rng.randint(0, 3)):
                if key.endswith(".txt"):
                    z.writestr(key, "hello")
                    continue
                shape = rng.choice([(), (3,), (3, 2), (0,), (4, 1), (2000, 2000)])
                dtype = rng.choice(["float64", "int64", "U3", "bool", "float32"])
                arr = np.zeros(shape, dtype=dtype) if dtype != "U3" else np.array(["a"] * int(np.prod(shape or (1,))))
                if dtype == "float64" and arr.size:
                    arr.flat[0] = rng.choice([1e39, np.inf, 1.0, 1e12])
                buf = io.BytesIO()
                np.lib.format.write_array(buf, arr)
                z.writestr(key + ".npy", buf.getvalue())
    config = {"source": "npz" if kind == "npz" else "csv", "path": os.path.basename(path)}
    if rng.random() < 0.3:
        config[rng.choice(["features", "label", "validation_split", "sample_shape", "x", "y"])] = rng.choice(HOSTILE)
    return config


def fuzz_data(n, rng):
    out = {"files": 0, "refused": 0, "loaded": 0, "crash": 0, "hang": 0}
    failures = []
    with tempfile.TemporaryDirectory() as folder:
        for i in range(n):
            config = data_cases(rng, folder, i)
            out["files"] += 1
            signal.alarm(10)
            try:
                prepare(config, folder, allow=())
                out["loaded"] += 1
            except DataError:
                out["refused"] += 1
            except Timeout:
                out["hang"] += 1
                failures.append(("hang", i, json.dumps(config)[:200]))
            except Exception:  # noqa: BLE001
                out["crash"] += 1
                failures.append(("crash", i, traceback.format_exc()[-400:]))
            finally:
                signal.alarm(0)
    return out, failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--documents", type=int, default=10_000)
    ap.add_argument("--data", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    rng = random.Random(args.seed)
    docs, f1 = fuzz_documents(args.documents, rng)
    print("documents:", " ".join(f"{k}={v}" for k, v in docs.items()), flush=True)
    data, f2 = fuzz_data(args.data, rng)
    print("data files:", " ".join(f"{k}={v}" for k, v in data.items()))
    for kind, i, detail in (f1 + f2)[:20]:
        print(f"--- {kind} #{i}\n{detail}")
    return 1 if f1 or f2 else 0


if __name__ == "__main__":
    sys.exit(main())
