"""The benchmark's build measurements: a clean build of a copy of the book and three rebuilds, each right after the
chapters' baseline run, and what they add up to.
"""

import os
import re
import tempfile
from pathlib import Path
from statistics import median

from booktools import toc
from booktools.baseline import baseline
from booktools.make_book import copy_of_book, executed, make, output
from booktools.stopwatch import timed

REBUILDS = ("no-change rebuild", "prose edit rebuild", "code edit rebuild")


def building(runs):
    """`runs` times the baseline then the builds: ([{chapter: seconds}], [builds()]). Each build comes right after
    its baseline because the machine may be busy with other work, and their ratio is fairer measured side by side."""
    pure, build_runs = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for i in range(runs):
            pure.append(baseline())
            build_runs.append(builds(Path(scratch) / f"run-{i}"))
    return pure, build_runs


def builds(folder):
    """A clean build of a copy of the book, then a rebuild with no change, after a prose edit, after a code edit:
    {kind: (seconds, chapters executed)}, and "chapters": {chapter: seconds the clean build executed it}."""
    book = copy_of_book(folder)
    seconds, clean = timed(make, "book", f"BOOK={book}")
    ran = re.findall(r"chapters/([\w-]+)\.md: Executed notebook in ([\d.]+) seconds", output(built(clean)))
    chapters = {name: float(taken) for name, taken in ran}
    result = {"clean build": (seconds, executed(clean)), "chapters": chapters}
    result["no-change rebuild"] = rebuild(book)
    prose = book / "chapters" / "01-autograd.md"
    prose.write_text(prose.read_text() + "\nA sentence added by the benchmark.\n")
    result["prose edit rebuild"] = rebuild(book)
    code = book / "chapters" / "02-gradient-descent.md"
    # The first code cell without options: a line inserted before options would break them.
    code.write_text(
        re.sub(r"(```\{code-cell\} ipython3\n)(?![:-])", r"\1# edited by the benchmark\n", code.read_text(), count=1)
    )
    result["code edit rebuild"] = rebuild(book)
    return result


def rebuild(book):
    seconds, build = timed(make, "book", f"BOOK={book}")
    return seconds, executed(built(build))


def built(build):
    assert build.returncode == 0, output(build)[-3000:]
    return build


def side_by_side(seconds, cores):
    """How long chapters that take `seconds` (in reading order) take on `cores` kernels, each starting the next chapter
    when it is free, as the build's pool does."""
    free = [0.0] * min(cores, len(seconds)) or [0.0]
    for each in seconds:
        free[free.index(min(free))] += each
    return max(free)


def build_results(pure, build_runs):
    """The medians the table shows of the builds, and of the baseline beside them."""
    clean = median([run["clean build"][0] for run in build_runs])
    chapter_seconds = [median([run[chapter] for run in pure]) for chapter in toc.chapters()]
    return {
        "clean build": clean,
        "pure execution": median([sum(run.values()) for run in pure]),
        "build / pure execution": median(
            [build["clean build"][0] / sum(run.values()) for build, run in zip(build_runs, pure, strict=True)]
        ),
        # The same build less the chapters' run side by side here, plus their run side by side on 4 kernels.
        "clean build on 4 cores, estimated": clean
        - side_by_side(chapter_seconds, os.cpu_count())
        + side_by_side(chapter_seconds, 4),
        **{
            kind: {
                "seconds": median([run[kind][0] for run in build_runs]),
                "executed": sorted({chapter for run in build_runs for chapter in run[kind][1]}),
            }
            for kind in REBUILDS
        },
    }
