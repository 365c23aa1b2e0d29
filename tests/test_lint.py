"""ruff (pyproject.toml) and ESLint (eslint.config.js) over the whole tree, and ruff as the pre-commit hook runs it:
CI runs `make test`, so the lint runs there too."""

import shutil
import subprocess
import sys
from pathlib import Path

from book import ROOT

BIN = Path(sys.executable).parent


def test_the_python_is_formatted_and_linted():
    for command in (["format", "--check", "--diff"], ["check"]):
        ruff = subprocess.run([BIN / "ruff", *command, "."], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert ruff.returncode == 0, f"ruff {' '.join(command)}: fix with `ruff format . && ruff check --fix .`\n" + (
            ruff.stdout[-5000:] + ruff.stderr
        )


def test_the_javascript_is_linted():
    eslint = subprocess.run(
        [ROOT / "node_modules" / ".bin" / "eslint", "."], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert eslint.returncode == 0, "ESLint (eslint.config.js):\n" + eslint.stdout[-5000:] + eslint.stderr


def test_the_commit_hook_formats_and_lints_what_is_committed(tmp_path):
    repository = tmp_path / "repository"
    repository.mkdir()
    for name in (".pre-commit-config.yaml", "pyproject.toml"):
        shutil.copy(ROOT / name, repository)
    (repository / ".venv").symlink_to(ROOT / ".venv")
    (repository / "sloppy.py").write_text("x=1\nprint(undefined_name)\n")
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run([*git, "init", "--quiet"], cwd=repository, check=True, timeout=30)
    subprocess.run([*git, "add", "."], cwd=repository, check=True, timeout=30)

    def hook():
        env = {"PATH": f"{BIN}:/usr/bin:/bin", "PRE_COMMIT_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}
        command = [BIN / "pre-commit", "run", "--all-files"]
        return subprocess.run(command, cwd=repository, capture_output=True, text=True, env=env, timeout=120)

    first = hook()
    assert first.returncode == 1, first.stdout + first.stderr
    assert "F821 Undefined name `undefined_name`" in first.stdout
    assert (repository / "sloppy.py").read_text() == "x = 1\nprint(undefined_name)\n"  # formatted in place
    (repository / "sloppy.py").write_text("x = 1\nprint(x)\n")
    second = hook()
    assert second.returncode == 0, second.stdout + second.stderr
