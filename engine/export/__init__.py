"""Exporters: a graph as code for other frameworks (PyTorch), text only — the engine never imports
them."""
