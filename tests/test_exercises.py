"""Exercises a reader can check (booktools.checking, booktools.exercises): the checks speak in words, the build
catches checks that cannot fail or that fail the book's own solution, and the notebooks run them both ways."""

import contextlib
import io
import re

import jupytext
import pytest

from book import CHAPTERS, ROOT, code_cells, tags, text
from booktools import checking
from booktools.exercises import ANSWER, CHECK, SAID_AFTER_SOLUTIONS, exercises, passed
from booktools.make_book import executed, make, output
from test_execution import FIXTURES, book_with

WITH_EXERCISES = [
    chapter for chapter in CHAPTERS if "tags: [answer]" in (ROOT / "chapters" / f"{chapter}.md").read_text()
]


def said(answer, *parts):
    """What check() prints for an answer and parts."""
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        checking.check(answer, *parts)
    return printed.getvalue()


def test_untouched_deleted_wrong_raising_and_right_answers_each_get_words():
    product = ...
    assert said(lambda: [product], ("p", lambda: product == 42, "multiply")).startswith("Not answered yet: replace")
    assert said(lambda: [undefined_name], ("p", lambda: True, "h")).startswith(  # noqa: F821 (deleted on purpose)
        "Not answered yet: name 'undefined_name' is not defined. Run your answer cell"
    )
    product = 41
    wrong = said(lambda: [product], ("the product", lambda: product == 42, "multiply six by seven."))
    assert wrong.splitlines() == ["✗ the product: does not hold. Hint: multiply six by seven.", "0 of 1 parts hold."]
    product = "forty-two"
    raising = said(lambda: [product], ("the product", lambda: product + 1 == 43, "a number."), ("p", lambda: 1, "h"))
    assert raising.splitlines()[0].startswith("✗ the product: could not be checked, it raised TypeError (can only")
    assert raising.splitlines()[1:] == ["✓ p: holds.", "1 of 2 parts hold."]
    assert "Traceback" not in raising
    runs = 5  # a checked name bound to another type than the answer's: the checks cannot read it
    unreadable = said(lambda: [runs[0.1]], ("p", lambda: True, "h"))
    assert unreadable.startswith(
        f"{checking.UNREADABLE}: it raised TypeError ('int' object is not subscriptable). Check what "
    )
    assert "Traceback" not in unreadable
    product = 42
    assert said(lambda: [product], ("the product", lambda: product == 42, "h")).splitlines()[-1] == checking.PASSED


def test_every_chapter_exercise_has_its_answer_checks_and_solution():
    for chapter in WITH_EXERCISES:
        notebook = jupytext.read(ROOT / "chapters" / f"{chapter}.md")
        found = exercises(notebook)  # raises where an answer cell lacks its checks or its solution
        answers = [cell for cell in notebook.cells if ANSWER in cell.metadata.get("tags", [])]
        assert len(found) == len(answers) > 0, chapter
        # Each answer cell's starting point binds the names the answer fills in to `...`.
        answered = [notebook.cells[answer].source for _n, answer, _c, _s in found]
        assert all(re.search(r"[=:] \.\.\.(,|$)", source, re.MULTILINE) for source in answered), answered


def test_the_build_names_the_exercise_whose_checks_cannot_fail_or_fail_the_solution(tmp_path):
    """Two fixture chapters, one for each way; a good one beside them is checked once, then taken as it was."""
    chapters = ["exercise-good", "exercise-passes-untouched", "exercise-fails-on-solution"]
    book = book_with(chapters, tmp_path)
    lines = {chapter: answer_lines(FIXTURES / f"{chapter}.md") for chapter in chapters}
    untouched = (
        f"chapters/exercise-passes-untouched.md:{lines['exercise-passes-untouched'][0]}: WARNING: exercise 1: its "
        "checks pass on the untouched starting point"
    )
    on_solution = (
        f"chapters/exercise-fails-on-solution.md:{lines['exercise-fails-on-solution'][1]}: WARNING: exercise 2: its "
        "checks do not pass on the book's solution. They said: ✗ the product: does not hold. Hint: multiply."
    )
    for run in ("first", "again"):
        build = make("book", f"BOOK={book}")
        log = output(build)
        assert build.returncode != 0, log[-3000:]
        assert untouched in log and on_solution in log, log[-3000:]
        assert log.count("WARNING:") == 2, log[-3000:]  # those two alone
        assert "exercise-fails-on-solution.md:" + str(lines["exercise-fails-on-solution"][0]) not in log
        # The checks ran after the solutions in each chapter's one run, which a rebuild takes from the cache.
        assert executed(build) == (sorted(chapters) if run == "first" else []), log[-3000:]


def answer_lines(path):
    """The line of each answer cell's code in a chapter."""
    lines = path.read_text().splitlines()
    return [i + 3 for i, line in enumerate(lines) if line == ":tags: [answer]"]


@pytest.mark.parametrize("chapter", WITH_EXERCISES)
def test_untouched_every_check_in_the_notebook_says_not_answered_yet(run, chapter):
    checks = [cell for cell in code_cells(run(chapter)) if CHECK in tags(cell)]
    assert len(checks) == len(exercises(jupytext.read(ROOT / "chapters" / f"{chapter}.md")))
    assert all(text(cell).startswith(f"{checking.NOT_ANSWERED}: ") for cell in checks), [text(c) for c in checks]


@pytest.mark.parametrize("chapter", WITH_EXERCISES)
def test_after_its_solution_every_check_in_the_notebook_passes(run, chapter):
    """The committed notebook in the reader's kernel: each exercise's checks, run again after its solution."""
    said_after = run(chapter).metadata[SAID_AFTER_SOLUTIONS]
    assert len(said_after) == len(exercises(jupytext.read(ROOT / "chapters" / f"{chapter}.md")))
    assert all(passed(words) for words in said_after), said_after
