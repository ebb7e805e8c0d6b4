"""A wheel carries everything the app needs: built from a copy of this tree, installed into a
fresh virtual environment outside the source tree, it finds its bundled examples and data sets
(package data, read with importlib.resources) and runs ``check`` and ``demo``."""
import os
import shutil
import subprocess
import sys
import sysconfig

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP = shutil.ignore_patterns(".git", ".venv", "__pycache__", "build", "dist", "*.egg-info",
                              ".hypothesis", ".pytest_cache", ".whl", ".gl", "runs")


def run(cmd, **kw):
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="the venv layout below is POSIX's")
def test_the_wheel_installs_outside_the_tree_with_examples_and_data(tmp_path):
    pytest.importorskip("setuptools")
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=SKIP)
    wheels = tmp_path / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(wheels), str(src)])
    wheel = next(wheels.glob("tensorweave-*.whl"))
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    py = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "-q", str(wheel)])
    # the dependencies (numpy, …) come from this environment; .pth files (an editable install of
    # this tree) are not processed from PYTHONPATH, so nothing can be found through the source tree
    deps = os.pathsep.join(dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib")))
    env = {**os.environ, "PYTHONPATH": deps, "QT_QPA_PLATFORM": "offscreen"}
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = run([str(py), "-c", "import engine, resources; print(engine.__file__); "
                 "print(resources.folder('examples')); print(resources.folder('data'))"], cwd=work, env=env).split()
    assert all(p.startswith(str(venv)) for p in where), where
    examples = where[1]
    assert {"xor.twg", "digits_cnn.twg", "iris.twg"} <= set(os.listdir(examples))
    assert {"iris.csv", "digits.csv.gz"} <= set(os.listdir(where[2]))
    tool = str(venv / "bin" / "tensorweave")
    out = run([tool, "check", os.path.join(examples, "iris.twg")], cwd=work, env=env)
    assert "ok: the graph is valid" in out
    out = run([tool, "train", os.path.join(examples, "iris.twg"), "--epochs", "2", "--out", str(work / "run")],
              cwd=work, env=env)
    assert "105 training and 45 validation samples" in out     # the bundled iris data set was read
    out = run([tool, "demo"], cwd=work, env=env)
    assert "accuracy 100%" in out
