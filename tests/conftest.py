import pytest

from book import ROOT, execute, glued, make


@pytest.fixture(scope="session")
def book():
    """The book, built with the README's command. Chapters whose code is unchanged come from the cache."""
    build = make("book")
    assert build.returncode == 0, f"make book failed:\n{build.stdout[-5000:]}\n{build.stderr[-5000:]}"
    return ROOT / "_build"


@pytest.fixture(scope="module")
def nb(request):
    """The chapter a test module is named after (test_01_autograd -> 01-autograd), executed in a fresh kernel."""
    return execute(request.module.__name__.removeprefix("test_").replace("_", "-"))


@pytest.fixture(scope="module")
def values(nb):
    """The chapter's glued values, by name."""
    return glued(nb)
