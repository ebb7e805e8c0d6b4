"""The documentation's examples run as written (doctest)."""
import doctest
import os

import pytest

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")


@pytest.mark.parametrize("name", ["graph-api.md"])
def test_the_examples_in_the_docs_run(name):
    result = doctest.testfile(os.path.join(DOCS, name), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0
