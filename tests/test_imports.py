"""Each entry point of booktools loads only what its job needs: the live server starts without Sphinx (about a second
of imports), and a book build does not load jupyter_server for the kernel server's few lines."""

import subprocess
import sys

import pytest

from book import ROOT

LOADS_NOTHING_OF = {
    "booktools.live_server": ["sphinx", "myst_nb", "docutils", "jupyter_server"],
    "booktools.extension": ["jupyter_server"],
}


@pytest.mark.parametrize("module", LOADS_NOTHING_OF)
def test_an_entry_point_imports_only_what_its_job_needs(module):
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, {module}; print(*sys.modules)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert [name for name in loaded if name.split(".")[0] in LOADS_NOTHING_OF[module]] == []
