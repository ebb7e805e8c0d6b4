"""Tensorweave's application layer: entry points, the editable document, training sessions."""
__version__ = "0.1.0"
