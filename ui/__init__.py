"""Tensorweave's widgets (node editor, palette, inspector, plots). Observes app/ and engine/."""
