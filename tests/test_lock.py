"""The locks: every package each environment installs, at one version with its hashes, written by `make lock` from
the hand-edited requirements.in files; installs that accept nothing else; the execution cache keyed on the lock."""

import ast
import hashlib
import importlib.metadata
import importlib.util
import os
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from book import ROOT
from booktools.execution_cache import environment
from booktools.locks import locked
from booktools.make_book import make

# Each environment's hand-edited list and its lock, in the order `make lock` writes them (each constrains the next).
ENVIRONMENTS = {"book": ROOT, "tests": ROOT / "tests", "binder": ROOT / "binder"}
CPU_INDEX = "https://download.pytorch.org/whl/cpu/torch/"


def lock(name):
    return locked(ENVIRONMENTS[name] / "requirements.txt")


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_every_package_is_locked_to_one_version_with_its_hashes(name):
    packages = lock(name)
    unlocked = [package for package, (pin, hashes) in packages.items() if not pin.startswith("==") or not hashes]
    assert not unlocked, f"{unlocked} in {name}'s lock without an exact version and hashes: run `make lock`"
    # What the .in asks for is what was locked (an exact version, or one a bound allows): an edited .in with a stale
    # lock fails here.
    wanted = locked(ENVIRONMENTS[name] / "requirements.in")
    stale = {
        package: f"{asked} asked, {packages[package][0] if package in packages else 'nothing'} locked"
        for package, (asked, _) in wanted.items()
        if package not in packages or packages[package][0].removeprefix("==") not in SpecifierSet(asked)
    }
    assert not stale, f"{stale}: run `make lock`"


def test_the_tests_and_binder_run_the_books_packages_at_the_books_versions():
    book, tests, binder = lock("book"), lock("tests"), lock("binder")
    assert {package: tests.get(package) for package in book} == book
    assert {package: tests.get(package) for package in binder} == binder
    assert {"torch", "numpy", "matplotlib", "scikit-learn", "jupytext", "ipykernel"} <= binder.keys()
    assert "myst-nb" not in binder  # a reader's notebook runs without the book's build tools


def test_the_locked_torch_is_the_cpu_wheel_pytorch_serves():
    """The one torch file the locks allow (the CPU build for this Python on Linux x86-64) is compared with the file
    PyTorch's CPU index serves where the index can be reached (GitHub's runners: there it must be), and with the copy
    on this machine's disk (PIP_FIND_LINKS), which pip-compile hashed, where it is there. Offline, this proves the
    lock matches that copy; that the copy is the index's file, only a run that reaches the index can say."""
    version = lock("book")["torch"][0].removeprefix("==")
    wheel = (
        f"torch-{version}-cp{sys.version_info.major}{sys.version_info.minor}-cp{sys.version_info.major}"
        f"{sys.version_info.minor}-manylinux_2_28_x86_64.whl"
    )
    served = {}
    try:
        with urllib.request.urlopen(CPU_INDEX, timeout=30) as response:
            index = response.read().decode()
        files = dict(re.findall(r'href="[^"]*#sha256=([0-9a-f]{64})"[^>]*>([^<]+)</a>', index))
        served[CPU_INDEX] = {name: digest for digest, name in files.items()}.get(wheel)
    except urllib.error.URLError as error:
        assert not os.environ.get("GITHUB_ACTIONS"), f"PyTorch's CPU index unreachable on GitHub: {error}"
    for folder in filter(None, os.environ.get("PIP_FIND_LINKS", "").split()):
        if (Path(folder) / wheel).exists():
            served[str(Path(folder) / wheel)] = hashlib.sha256((Path(folder) / wheel).read_bytes()).hexdigest()
    assert served, f"{wheel}: PyTorch's CPU index cannot be reached and no copy is on disk; nothing to compare with"
    for name in ENVIRONMENTS:
        assert {source: [f"sha256:{digest}"] for source, digest in served.items()} == {
            source: lock(name)["torch"][1] for source in served
        }, name


@pytest.mark.parametrize("target", [".venv/.book-installed", ".venv/.test-installed", ".venv-reader/.installed"])
def test_installs_take_only_the_locked_files(target):
    commands = make("--dry-run", "--always-make", target).stdout
    installs = [line for line in commands.splitlines() if " pip install " in line]
    # The book's own package is the one install from the working tree: with no dependencies and no build tools of its
    # own (pyproject.toml's setuptools comes from the lock).
    own = [line for line in installs if line.endswith(" --editable .")]
    assert all("--no-deps --no-build-isolation" in line for line in own), commands
    assert installs and all("--require-hashes -r " in line for line in installs if line not in own), commands


def copy_of_lock(folder, edit=lambda text: text):
    folder.mkdir()
    (folder / "requirements.txt").write_text(edit((ROOT / "requirements.txt").read_text()))
    return folder


def test_the_execution_cache_is_keyed_on_the_locks_versions_and_hashes_not_its_comments(tmp_path):
    torch_hash = lock("book")["torch"][1][0].removeprefix("sha256:")
    key = environment(copy_of_lock(tmp_path / "same"))
    assert key == environment(ROOT)
    assert environment(copy_of_lock(tmp_path / "comments", lambda text: text.replace("# via", "# needed by"))) == key
    assert environment(copy_of_lock(tmp_path / "file", lambda text: text.replace(torch_hash, "0" * 64))) != key
    numpy = "numpy" + lock("book")["numpy"][0]
    assert environment(copy_of_lock(tmp_path / "version", lambda text: text.replace(numpy, "numpy==1.0"))) != key


def imports(module):
    """The top-level names a booktools module imports anywhere (at the top, or inside a function), and the booktools
    modules among them."""
    tree = ast.parse(Path(importlib.util.find_spec(module).origin).read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def is_module(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a name imported from a module (booktools.toc.pages), not a module
        return False


def test_whatever_the_build_imports_is_in_the_books_lock():
    """A `make book` venv has the book's lock only: an import from the tests' lock (jupytext, say) would fail there,
    and where it sits on the path of a failure, the build would crash instead of saying why."""
    seen, to_read, outside = set(), ["booktools.extension"], set()
    while to_read:
        seen.add(module := to_read.pop())
        for name in imports(module):
            if name.split(".")[0] != "booktools":
                outside.add(name.split(".")[0])
            elif name not in seen and name not in to_read and is_module(name):
                to_read.append(name)
    distributions = importlib.metadata.packages_distributions()
    packages = {canonicalize_name(d) for name in outside - set(sys.stdlib_module_names) for d in distributions[name]}
    assert packages - lock("book").keys() == set()
