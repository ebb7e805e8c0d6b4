"""Every benchmark still runs: each script once with the smallest settings (seconds), in its
own process, asserting only that it finishes and prints its table. Speed itself is never
asserted in tests; the figures come from the full runs (see each script's docstring)."""
import os
import subprocess
import sys

import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
NEEDS_TORCH = {"train_step.py", "memory.py", "export_differences.py"}
NEEDS_ONNX = {"export_differences.py"}
SMOKE = {
    "train_step.py": ["--rounds", "1", "a"],
    "graph_path.py": ["--rounds", "1", "a"],
    "big_graphs.py": ["--sizes", "100"],
    "editor_frames.py": ["--nodes", "30"],
    "events.py": ["--rounds", "1"],
    "fuzz_files.py": ["--documents", "20", "--data", "5"],
    "memory.py": [],
    "page_faults.py": ["--rounds", "1", "--steps", "2", "a"],
    "overfitting_table.py": ["--seeds", "1"],
    "save_kill.py": ["--kills", "3"],
    "training_window.py": ["--seconds", "0.5", "--rounds", "1"],
    "export_differences.py": [],
}


def test_every_benchmark_has_a_smoke_run():
    scripts = {f for f in os.listdir(BENCH) if f.endswith(".py") and not f.startswith("_")}
    assert scripts == set(SMOKE), f"add a smoke run for {sorted(scripts - set(SMOKE))}"


@pytest.mark.parametrize("script", sorted(SMOKE))
def test_benchmark_runs(script, tmp_path):
    if script in NEEDS_TORCH:
        pytest.importorskip("torch")
    if script in NEEDS_ONNX:
        pytest.importorskip("onnxruntime")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TENSORWEAVE_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, script, *SMOKE[script]], cwd=BENCH, capture_output=True, text=True,
                          timeout=240, env=env)
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    assert done.stdout.strip(), "printed nothing"
