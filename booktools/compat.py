"""Do the chapters still run where readers run them? `python -m booktools.compat` (make compat; weekly on GitHub).

Every chapter's Colab/Binder notebook runs top to bottom in a fresh kernel, first on the book's own environment (the
lock), then in a throwaway virtual environment for each entry of ENVIRONMENTS. Per chapter and environment it says
whether the notebook ran (an error in a cell not tagged raises-exception stops it) and which code cells printed
something other than the book's run. The result goes to _build/compat/compat.json, which the build report page
shows, and a table to stdout (and to the GitHub job summary). A chapter that fails, or an environment that pip could
not install, is a result, not an error.
"""

import argparse
import base64
import copy
import datetime
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import nbclient
import nbformat
import PIL.Image
import yaml
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

from booktools import ROOT, toc
from booktools.locks import locked

REPORT = ROOT / "_build" / "compat" / "compat.json"
BOOK = "the book's lock"
# What readers run on, besides the book's own pins. Colab's versions as its runtime listed them in 2026 (update them
# here when Colab moves); the newest torch is whatever pip finds newest, beside the book's other pins.
SCIENTIFIC = ["torch", "numpy", "matplotlib", "scikit-learn"]
READER = locked(ROOT / "binder" / "requirements.in")
ENVIRONMENTS = {
    "newest torch": ["torch", *(f"{name}{spec}" for name, (spec, _) in READER.items() if name != "torch")],
    "Colab": ["torch==2.11.0", "numpy==2.1.3", "matplotlib==3.10.0", "scikit-learn==1.6.1"],
}
# Where objects sit in memory, and where a package is installed, differ between any two runs or environments.
VOLATILE = [(re.compile(r"0x[0-9a-f]{8,}"), "0x…"), (re.compile(r"\S*/site-packages/"), "…/site-packages/")]


def comparable(cell):
    """A code cell's outputs as a reader sees them: a stream the kernel's timing cut into several messages joined
    (STACK-NOTES: two runs of the same code split them differently), an error by its name and message (a traceback
    names files on disk), a PNG by its pixels, memory addresses and install paths masked, execution counts and
    metadata left out."""
    kept = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            if kept and kept[-1].get("stream") == output["name"]:
                kept[-1]["text"] += output["text"]
                continue
            kept.append({"stream": output["name"], "text": output["text"]})
        elif output["output_type"] == "error":
            kept.append({"error": output["ename"], "text": output["evalue"]})
        else:
            data = dict(output.get("data", {}))
            if "image/png" in data:
                data["image/png"] = pixels(data["image/png"])
            kept.append({"data": data})
    text = json.dumps(kept, sort_keys=True)
    for pattern, mask in VOLATILE:
        text = pattern.sub(mask, text)
    return json.loads(text)


def pixels(png):
    """A base64 PNG by what it shows: matplotlib writes its own version into the file, so one picture drawn by two
    versions differs in bytes."""
    image = PIL.Image.open(io.BytesIO(base64.b64decode(png))).convert("RGBA")
    return f"{image.width}x{image.height} pixels, sha256 {hashlib.sha256(image.tobytes()).hexdigest()}"


def kind(output):
    """stdout, stderr, error, figure or the display's text type: what a reader would see change."""
    if "data" not in output:
        return output.get("stream") or "error"
    return "figure" if any(key.startswith("image/") for key in output["data"]) else min(output["data"], default="")


def differences(book, other):
    """The code cells whose outputs differ between two runs of one notebook: number, first line, kinds of output."""
    found = []
    code = [(a, b) for a, b in zip(book.cells, other.cells, strict=True) if a.cell_type == "code"]
    for number, (a, b) in enumerate(code, start=1):
        ours, theirs = comparable(a), comparable(b)
        if ours != theirs:
            changed = {kind(o) for o in [*ours, *theirs] if (o in ours) != (o in theirs)}
            found.append(
                {"cell": number, "source": a.source.splitlines()[0] if a.source else "", "outputs": sorted(changed)}
            )
    return found


def run(notebook, python, folder):
    """Run a notebook in a kernel of the given Python, in an empty working folder; returns (notebook, error)."""
    specs = Path(folder) / "kernels"
    (specs / "compat").mkdir(parents=True, exist_ok=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (specs / "compat" / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "compat"}))
    kernel = KernelManager(kernel_name="compat", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)]))
    timeout = yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]["timeout"]
    client = nbclient.NotebookClient(notebook, km=kernel, timeout=timeout, resources={"metadata": {"path": folder}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        failed = next(
            (
                i
                for i, cell in enumerate(code, 1)
                for o in cell.get("outputs", [])
                if o["output_type"] == "error" and "raises-exception" not in cell.metadata.get("tags", [])
            ),
            "?",
        )
        return notebook, f"code cell {failed}: {error.ename}: {error.evalue}"
    except (nbclient.exceptions.CellTimeoutError, RuntimeError) as error:
        return notebook, f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    finally:
        if kernel.has_kernel:  # nbclient leaves a kernel it was handed running
            kernel.shutdown_kernel(now=True)
    return notebook, None


def virtualenv(folder, requirements):
    """A fresh virtual environment with a kernel and the given packages; returns its Python."""
    venv.create(folder, with_pip=True)
    python = Path(folder) / "bin" / "python"
    kernel = f"ipykernel{locked(ROOT / 'requirements.txt')['ipykernel'][0]}"
    subprocess.run([python, "-m", "pip", "install", "--quiet", kernel, *requirements], check=True)
    return python


def versions(python):
    script = (
        "import importlib.metadata as m, json, platform; print(json.dumps({'python': platform.python_version(),"
        f" **{{name: m.version(name) for name in {SCIENTIFIC!r}}}}}))"
    )
    return json.loads(subprocess.run([python, "-c", script], capture_output=True, text=True, check=True).stdout)


def check(chapters, environments):
    """Run every chapter on the book's environment, then on each of the others; the report as a dict."""
    notebooks = {path.stem: nbformat.read(path, as_version=4) for path in chapters}
    report = {
        "date": datetime.datetime.now(datetime.UTC).date().isoformat(),
        "commit": commit(),
        "environments": {},
        "chapters": {name: {} for name in notebooks},
    }
    book = {}
    with tempfile.TemporaryDirectory(prefix="compat-") as scratch:
        for name, requirements in {BOOK: None, **environments}.items():
            print(
                f"compat: {name}: {'installing ' + ' '.join(requirements) if requirements else sys.executable}",
                file=sys.stderr,
                flush=True,
            )
            try:
                python = virtualenv(Path(scratch) / "venv", requirements) if requirements else Path(sys.executable)
            except subprocess.CalledProcessError as error:  # its chapters show as not run
                report["environments"][name] = {"not installed": f"pip exited with {error.returncode}"}
                continue
            report["environments"][name] = versions(python)
            for chapter, notebook in notebooks.items():
                work = Path(tempfile.mkdtemp(dir=scratch))
                executed, error = run(copy.deepcopy(notebook), python, str(work))
                result = {"runs": error is None, "error": error}
                if requirements is None:
                    book[chapter] = executed if error is None else None
                elif error is None and book.get(chapter):
                    result["differs"] = differences(book[chapter], executed)
                report["chapters"][chapter][name] = result
                print(f"compat: {name}: {chapter}: {summary(result)}", file=sys.stderr, flush=True)
            if requirements:
                shutil.rmtree(Path(scratch) / "venv", ignore_errors=True)  # GBs each: one at a time
    return report


def commit():
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return head.stdout.strip() or None


def summary(result):
    if not result["runs"]:
        return f"fails ({result['error']})"
    differs = result.get("differs")
    if differs is None:
        return "runs"
    if not differs:
        return "runs, same outputs"
    return (
        "runs; outputs differ in code cell"
        + ("s " if len(differs) > 1 else " ")
        + ", ".join(f"{d['cell']} ({', '.join(d['outputs'])})" for d in differs)
    )


def table(report):
    """The report as a Markdown table: one row per chapter, one column per environment with its versions."""
    names = list(report["environments"])
    header = [
        " ".join([name, "(" + ", ".join(f"{k} {v}" for k, v in report["environments"][name].items()) + ")"])
        for name in names
    ]
    lines = ["| chapter | " + " | ".join(header) + " |", "|---" * (len(names) + 1) + "|"]
    for chapter, results in report["chapters"].items():
        cells = [summary(results[n]).replace("|", "\\|") if n in results else "not run" for n in names]
        lines.append(f"| {chapter} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=ENVIRONMENTS, help="check only these (repeatable)")
    parser.add_argument("chapters", nargs="*", type=Path, help="notebooks (default: every chapter's)")
    arguments = parser.parse_args()
    notebooks = [source.with_suffix(".ipynb") for source in toc.sources()]
    chapters = arguments.chapters or [notebook for notebook in notebooks if notebook.exists()]
    environments = {name: ENVIRONMENTS[name] for name in arguments.only or ENVIRONMENTS}
    report = check(chapters, environments)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=1) + "\n")
    text = f"Compatibility check of {report['date']} (commit {report['commit']}):\n\n{table(report)}\n"
    print(text)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a") as summary_file:
            summary_file.write(text)


if __name__ == "__main__":
    main()
