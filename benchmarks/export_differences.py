"""How far the exported models are from the engine, and imported models from PyTorch: the
largest absolute difference of the predictions (float32) for every example after one epoch of
training, through the PyTorch module, through onnxruntime, and back through the ONNX importer;
and for models written by torch.onnx.export, imported. Prints one table (numbers, not speed).

    python benchmarks/export_differences.py
"""
import os
import sys
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]
warnings.filterwarnings("ignore")


def main():
    import onnxruntime as ort
    import torch

    from engine.export.onnx_export import export_onnx
    from engine.export.onnx_import import import_onnx
    from engine.export.pytorch import export_module
    from engine.graph import fileformat as ff
    from engine.graph.training import Trainer
    from test_export_pytorch import load_exported
    from test_onnx import MODELS, _torch_models, outputs_of, torch_onnx

    examples = os.path.join(ROOT, "resources", "examples")
    print(f"{'example':22} {'PyTorch module':>15} {'onnxruntime':>12} {'ONNX round trip':>16}")
    for f in sorted(os.listdir(examples)):
        if not f.endswith(".twg"):
            continue
        g = ff.load(os.path.join(examples, f), load_weights=False).graph
        tr = Trainer(g, base_dir=examples)
        tr.fit({"epochs": 1})
        x = tr.data.x_val if tr.data.x_val is not None else tr.data.x_train
        x = np.ascontiguousarray(x[:256])
        ours = np.asarray(tr.plan.predict(x))
        with torch.no_grad():
            module = load_exported(export_module(g), tr.store)(torch.from_numpy(x)).numpy()
        model = export_onnx(g, tr.store)
        s = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        runtime = s.run(None, {s.get_inputs()[0].name: x})[0]
        g2, store2 = import_onnx(model)
        (back,) = outputs_of(g2, store2, x)
        print(f"{f[:-4]:22} {np.abs(module - ours).max():15.2e} {np.abs(runtime - ours).max():12.2e} "
              f"{np.abs(back - ours).max():16.2e}")
    _, models = _torch_models()
    print(f"\n{'torch.onnx.export model':26} {'imported vs PyTorch':>20}")
    for name in MODELS:
        model, shape = models[name]
        x = torch.randn(64, *shape)
        with torch.no_grad():
            expected = model.eval()(x).numpy()
        worst = 0.0
        for fold in (False, True):
            g, store = import_onnx(torch_onnx(torch, model, x, fold))
            (ours,) = outputs_of(g, store, x.numpy())
            worst = max(worst, float(np.abs(ours - expected).max()))
        print(f"{name:26} {worst:20.2e}")


if __name__ == "__main__":
    main()
