"""What the build can be trusted with (booktools.execution): a broken chapter or link stops it and says where and
why, and a new environment runs every chapter again. (Two runs of a chapter show the same outputs: test_book.py.)"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from book import ROOT
from booktools.make_book import copy_of_book, executed, make, output

FIXTURES = ROOT / "tests" / "fixtures" / "chapters"
TIMEOUT = 5  # seconds a fixture cell may run: the hanging cell is stopped after this (the others take milliseconds)


def book_with(chapters, folder):
    """A book of fixture chapters around the real configuration and extension, with a short cell timeout."""
    copy_of_book(folder, [FIXTURES / f"{chapter}.md" for chapter in chapters])
    config = yaml.safe_load((folder / "_config.yml").read_text())
    config["execute"]["timeout"] = TIMEOUT
    (folder / "_config.yml").write_text(yaml.safe_dump(config))
    return folder


# A cell that fails: the last words of the build name the chapter, the line that failed (marked "# fails here" in the
# fixture; a cell that runs too long has no such line: its first line), the number of the cell, and the cause.
FAILING_CELLS = {
    "cell-error": "raised NameError: name 'undefined_name_in_broken_chapter' is not defined",
    "syntax-error": "raised SyntaxError: incomplete input",
    "hanging-cell": f"ran longer than the {TIMEOUT} s a cell may take (execute.timeout in _config.yml)",
    "missing-import": "raised ModuleNotFoundError: No module named 'package_missing_from_requirements'",
}


def failing_line(chapter):
    """The line of the fixture's last code cell (the one that fails) that raised, and the cell's number."""
    lines = (FIXTURES / f"{chapter}.md").read_text().splitlines()
    fences = [i for i, line in enumerate(lines) if line.startswith("```{code-cell}")]
    marked = [i + 1 for i, line in enumerate(lines) if line.endswith("# fails here")]
    return (marked or [fences[-1] + 2])[0], len(fences)


def last_words(chapter):
    """What the build says last when the fixture chapter's failing cell stops it."""
    line, number = failing_line(chapter)
    return f"The book did not build. chapters/{chapter}.md, line {line} (code cell {number}) {FAILING_CELLS[chapter]}"


@pytest.mark.parametrize("chapter", FAILING_CELLS)
def test_a_failing_cell_stops_the_readme_build_and_the_last_words_say_where_and_why(chapter, tmp_path):
    build = make("book", f"BOOK={book_with([chapter], tmp_path)}")
    assert build.returncode != 0
    summary = last_words(chapter)
    assert summary in output(build)
    # Last, after the cell's traceback, where a reader looks first; and that traceback once, not three times over.
    last_lines = build.stderr.rstrip().splitlines()[-3:]  # the summary, its hint if any, make's own last line
    assert any(line.startswith(summary) for line in last_lines), build.stderr[-3000:]
    assert output(build).count("nbclient.exceptions.Cell") == 1  # the last line of each time the error is printed


def test_a_cell_error_stops_even_a_plain_jupyter_book_build(tmp_path):
    jupyter_book = Path(sys.executable).with_name("jupyter-book")  # the one in the tests' virtual environment
    plain = subprocess.run(
        [jupyter_book, "build", book_with(["cell-error"], tmp_path)], capture_output=True, text=True, timeout=600
    )
    assert plain.returncode != 0
    line, number = failing_line("cell-error")
    assert f"chapters/cell-error.md, line {line} (code cell {number}) raised NameError" in output(plain)


# A warning is an error (-W): Sphinx names the chapter, the line (of the text that caused it) and the cause.
WARNINGS = {
    "typed-number": {
        "the number 2.051 is typed: glue it, or declare it {given}`2.051`": "it was 2.051",
        "the glued value 'never_shown' is not used in the prose": "never_shown",
    },
    "missing-glue": {"No key 'question_never_glued' found in glue data": "question_never_glued"},
    "stray-stderr": {"stderr was found in the cell outputs of cell": None},  # myst-nb's line is near the cell
    "broken-link": {
        "undefined label: 'a-label-nobody-defined'": "a-label-nobody-defined",
        "'myst' cross-reference target not found: 'no-such-chapter.md'": "no-such-chapter.md",
        "py:func reference target not found: torch.no_such_function": "torch.no_such_function",
    },
}


def test_warnings_stop_the_readme_build_and_name_the_chapter_line_and_cause(tmp_path):
    # One book with a chapter for each kind of warning (--keep-going reports them all), built twice.
    book = book_with(list(WARNINGS), tmp_path)
    assert make("book", f"BOOK={book}").returncode != 0
    build = make("book", f"BOOK={book}")  # and again, until it is fixed: it must not pass on what it read before
    assert build.returncode != 0
    for chapter, messages in WARNINGS.items():
        lines = (FIXTURES / f"{chapter}.md").read_text().splitlines()
        for message, marker in messages.items():
            line = next(i + 1 for i, text in enumerate(lines) if marker in text) if marker else r"\d+"
            assert re.search(rf"chapters/{chapter}\.md:{line}: WARNING: {re.escape(message)}", output(build)), message


# What a build that succeeded may not print, as a contributor would have to learn to ignore it: a warning that did not
# stop it (a kernel's: Sphinx's stop it under -W), an error logged on the way, or Sphinx saying that a file it copies
# replaces a different one.
NOISE = re.compile(r"WARNING|ERROR|will overwrite data")


def test_a_build_and_a_rebuild_print_nothing_a_contributor_must_learn_to_ignore(grown_book):
    _book, logs = grown_book  # two chapters side by side; one added, run alone, pages rewritten; its notebook written
    for build, log in zip(["first", "second", "third"], logs, strict=True):
        noise = [line for line in log.splitlines() if NOISE.search(line)]
        assert not noise, f"the {build} build printed:\n" + "\n".join(noise)


def test_a_new_environment_runs_every_chapter_again(tmp_path):
    book = book_with(["small", "small-too"], tmp_path)
    assert executed(make("book", f"BOOK={book}")) == ["small", "small-too"]
    assert executed(make("book", f"BOOK={book}")) == []  # nothing changed: all from the cache
    # jupyter-cache keys on code only: without the environment in its key, a new torch would re-run nothing.
    requirements = book / "requirements.txt"
    requirements.write_text(re.sub(r"^torch==.*$", "torch==99.0", requirements.read_text(), flags=re.MULTILINE))
    rebuild = make("book", f"BOOK={book}")
    assert rebuild.returncode == 0, output(rebuild)[-3000:]
    assert executed(rebuild) == ["small", "small-too"]
    assert len(list((book / "_build" / ".jupyter_cache").iterdir())) == 1  # the old environment's cache is gone


def test_chapters_missing_from_the_cache_run_side_by_side(tmp_path):
    # Each fixture waits a few seconds for the other to start: run one after the other, the first would fail.
    build = make("book", f"BOOK={book_with(['meet-first', 'meet-second'], tmp_path)}")
    assert build.returncode == 0, output(build)[-3000:]
    assert executed(build) == ["meet-first", "meet-second"]


def test_a_chapter_that_fails_beside_others_is_named_last_and_the_others_are_kept(tmp_path):
    book = book_with(["small", "small-too", "cell-error"], tmp_path)
    build = make("book", f"BOOK={book}")
    assert build.returncode != 0
    assert output(build).rindex(last_words("cell-error")) > output(build).rindex("Traceback")
    # The chapters that ran beside it are cached: the next build runs the failed one alone.
    assert executed(make("book", f"BOOK={book}")) == ["cell-error"]
