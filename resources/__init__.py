"""The bundled examples and data sets, as package data: found with ``importlib.resources`` so
they come along in a wheel or a non-editable install, not only in a source checkout."""
import os
from importlib.resources import files


def folder(name):
    """The filesystem path of a bundled folder ('examples' or 'data')."""
    path = files(__name__).joinpath(name)
    if not path.is_dir():
        raise FileNotFoundError(f"the bundled folder resources/{name} is missing from this installation")
    return os.fspath(path)
