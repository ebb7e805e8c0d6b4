"""Exporters and importers: a graph as code or a model for other frameworks (PyTorch source, ONNX),
and ONNX models as graphs. PyTorch is never imported here; onnx only when ONNX is asked for."""


def registrar(table):
    """``@by("A", "B")`` files the decorated function in ``table`` under each name: one entry per
    node type (exporters) or per ONNX operator (the importer)."""
    def by(*names):
        def register(fn):
            for name in names:
                table[name] = fn
            return fn
        return register
    return by
