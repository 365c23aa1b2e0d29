"""A jupyter-cache per environment.

jupyter-cache keys a chapter on its code alone, so a new torch would not run it again: the cache lives in a folder
named after the environment (the Python, the lock and what is installed) instead.
"""

import contextlib
import hashlib
import importlib.metadata
import shutil
import sys
from pathlib import Path

from booktools.locks import locked


def setup(app):
    app.connect("config-inited", cache_per_environment)


def cache_per_environment(app, config):
    """A new environment starts with an empty cache, and Sphinx, seeing this setting change, reads every chapter
    again. Only the current environment's cache is kept."""
    if config.nb_execution_cache_path:
        return  # chosen in _config.yml
    caches = Path(app.outdir).parent / ".jupyter_cache"
    current = caches / environment(Path(app.srcdir))
    for other in caches.glob("*"):
        if other != current:
            shutil.rmtree(other) if other.is_dir() else other.unlink()
    config.nb_execution_cache_path = str(current)


def environment(book):
    """A short name for what the chapters run on: the Python, the lock (requirements.txt: every package's version and
    hashes) and the installed version of each package it names (a hand-installed torch counts too)."""
    lock = book / "requirements.txt"
    packages = locked(lock) if lock.exists() else {}
    installed = []
    for name in packages:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            installed.append(f"{name}=={importlib.metadata.version(name)}")
    return hashlib.sha256(repr([sys.version, packages, installed]).encode()).hexdigest()[:16]
