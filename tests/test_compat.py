"""The compatibility check (make compat): notebooks run in a kernel of a given Python, compared with the book's run.

The multi-GB environments it installs are not made here: every run uses this environment's Python, which is what
the check calls the book's own.
"""

import base64
import copy
import io
import subprocess
import sys

import nbformat
import PIL.Image
import PIL.PngImagePlugin
import pytest

from booktools import compat

# Each kind of output the comparison must see through: a tensor, an object's memory address, a stream the kernel
# may cut into several messages, an expected error with its traceback, and a figure.
PROBE = [
    "import torch\nprint(torch.ones(2))",
    "print(object())",
    "import time\nfor step in range(3):\n    print(step, flush=True)\n    time.sleep(0.05)",
    "1 / 0",
    "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\nplt.show()",
]


def probe(path, sources=PROBE):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])
    notebook.cells[3].metadata.tags = ["raises-exception"]
    nbformat.write(notebook, path)
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The probe run twice as it is, and once with its first cell printing something else."""
    folder = tmp_path_factory.mktemp("runs")
    changed = [PROBE[0].replace("ones(2)", "ones(3)"), *PROBE[1:]]
    executed = {}
    for name, sources in [("first", PROBE), ("second", PROBE), ("changed", changed)]:
        executed[name], error = compat.run(probe(folder / f"{name}.ipynb", sources), sys.executable, str(folder))
        assert error is None, error
    return executed


def test_two_runs_of_the_same_notebook_compare_equal(runs):
    assert compat.differences(runs["first"], runs["second"]) == []
    # Equal because the comparison joins and masks, not because the runs were identical.
    assert runs["first"].cells[1].outputs != runs["second"].cells[1].outputs  # two objects, two addresses
    assert "image/png" in runs["first"].cells[4].outputs[0].data


def test_a_changed_output_is_named_by_its_cell_and_kind(runs):
    assert compat.differences(runs["first"], runs["changed"]) == [
        {"cell": 1, "source": "import torch", "outputs": ["stdout"]}
    ]


def test_a_figure_is_compared_by_its_pixels_not_its_bytes(runs):
    """One picture, written again with another "Software" note (each matplotlib writes its own), is the same
    picture; one pixel changed makes it another."""
    cell = copy.deepcopy(runs["first"].cells[4])
    figure = next(output for output in cell.outputs if "image/png" in output.get("data", {}))
    image = PIL.Image.open(io.BytesIO(base64.b64decode(figure.data["image/png"])))
    note = PIL.PngImagePlugin.PngInfo()
    note.add_text("Software", "Matplotlib version 0.0, https://matplotlib.org/")

    def written(picture):
        png = io.BytesIO()
        picture.save(png, format="png", pnginfo=note)
        other = copy.deepcopy(cell)
        next(o for o in other.outputs if "image/png" in o.get("data", {})).data["image/png"] = base64.b64encode(
            png.getvalue()
        ).decode()
        return other

    again = written(image)
    assert again.outputs != cell.outputs and compat.comparable(again) == compat.comparable(cell)
    changed = image.copy()
    changed.putpixel((0, 0), (1, 2, 3, 255))
    assert compat.comparable(written(changed)) != compat.comparable(cell)


def test_a_check_reports_every_chapter_on_every_environment(tmp_path, monkeypatch):
    """Runs on the book's environment and the others; an unexpected error stops a notebook and names its cell, and an
    environment pip cannot install leaves its chapters not run, the others checked."""

    # Environments that install nothing: "again" is this Python, so that only the check's bookkeeping is new.
    def virtualenv(folder, requirements):
        if requirements == ["no-such-package==0"]:
            raise subprocess.CalledProcessError(1, "pip")
        return sys.executable

    monkeypatch.setattr(compat, "virtualenv", virtualenv)
    chapters = [tmp_path / "probe.ipynb", tmp_path / "broken.ipynb"]
    probe(chapters[0])
    probe(chapters[1], [*PROBE[:4], "undefined_name"])
    report = compat.check(chapters, {"missing": ["no-such-package==0"], "again": ["numpy"]})
    assert list(report["environments"]) == [compat.BOOK, "missing", "again"]
    assert report["environments"]["missing"] == {"not installed": "pip exited with 1"}
    assert report["environments"]["again"]["torch"] == report["environments"][compat.BOOK]["torch"]
    assert report["chapters"]["probe"]["again"] == {"runs": True, "error": None, "differs": []}
    assert report["chapters"]["broken"]["again"]["runs"] is False
    failed = "fails (code cell 5: NameError: name 'undefined_name' is not defined)"
    assert compat.table(report).splitlines()[2:] == [
        "| probe | runs | not run | runs, same outputs |",
        f"| broken | {failed} | not run | {failed} |",
    ]
