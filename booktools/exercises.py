"""Each exercise's checks can tell a right answer from none: the build runs them both ways, in the chapter's one run.

An exercise in a chapter is an answer cell (tagged answer) holding the reader's starting point, its checks (a cell
tagged check, calling booktools.checking.check) and the book's solution (tagged hide-cell), in that order. The build's
run of the chapter runs the checks on the untouched starting point: they must not pass (a check that cannot fail would
tell every reader "holds"). The same run runs a copy of the checks right after the solution, which binds the names the
answer fills in, as a reader who ran the solution and checked again would: they must pass. The copies are taken out
before the run is cached, and what they said is kept beside it. Either failing is a warning, so an error in `make
book`, naming the chapter and the exercise.
"""

from pathlib import Path

import nbformat

from booktools import checking

# The tags of an exercise's cells (booktools.notebooks keeps the checks and the helper in the notebooks), and of the
# copy of its checks that runs after its solution, in the build's run and the tests'.
ANSWER, CHECK, CHECK_HELPER, SOLUTION = "answer", "check", "check-helper", "hide-cell"
AFTER_SOLUTION = "check-after-solution"
# Where the build keeps what those copies said: in the chapter's cache record (booktools.execution), so a rebuild
# that takes the chapter from the cache still knows.
SAID_AFTER_SOLUTIONS = "checks_after_solutions"


def setup(app):
    app.connect("env-updated", verify_checks)


def exercises(notebook):
    """[(number, answer cell, check cell, solution cell)] by their indices in notebook.cells, in order."""
    found, current = [], None
    for i, cell in enumerate(notebook.cells):
        tags = cell.metadata.get("tags", []) if cell.cell_type == "code" else []
        if ANSWER in tags:
            current = [len(found) + 1, i, None, None]
            found.append(current)
        elif current and CHECK in tags and current[2] is None:
            current[2] = i
        elif current and SOLUTION in tags and current[2] is not None and current[3] is None:
            current[3] = i
    for number, _answer, check, solution in found:
        if check is None or solution is None:
            raise ValueError(f"exercise {number}: an answer cell is followed by its checks, then its solution")
    return [tuple(exercise) for exercise in found]


def add_checks_after_solutions(notebook):
    """Put a copy of each exercise's checks right after its solution, tagged AFTER_SOLUTION."""
    for _number, _answer, check, solution in reversed(exercises(notebook)):
        copy = nbformat.v4.new_code_cell(notebook.cells[check].source, metadata={"tags": [AFTER_SOLUTION]})
        notebook.cells.insert(solution + 1, copy)
    return notebook


def take_checks_after_solutions(notebook):
    """Take those copies out of a notebook that ran, the other cells numbered as if they never ran; [what each said]."""
    said_after, kept, ran = [], [], 0
    for cell in notebook.cells:
        if AFTER_SOLUTION in cell.metadata.get("tags", []):
            said_after.append(said(cell))
            ran += cell.get("execution_count") is not None
            continue
        if ran and cell.get("execution_count"):
            cell.execution_count -= ran
            for output in cell.outputs:
                if output.get("execution_count"):
                    output.execution_count -= ran
        kept.append(cell)
    notebook.cells = kept
    return said_after


def said(cell):
    """What a check cell printed."""
    return "".join(output.get("text", "") for output in cell.get("outputs", []) if output.output_type == "stream")


def passed(words):
    """Whether what a check cell printed ends in the checks' pass."""
    return words.rstrip("\n").endswith(checking.PASSED)


def verify_checks(app, env):
    """Warn, naming the chapter and exercise, of checks that pass on a starting point or fail on the solution."""
    from jupyter_cache import get_cache
    from sphinx.util import logging

    config = env.mystnb_config
    if config.execution_mode != "cache":
        return []
    logger = logging.getLogger(__name__)
    for docname, path, built in chapters_with_exercises(env, get_cache(config.execution_cache_path)):
        text = path.read_text()
        for line, problem in starting_point_problems(text, built.nb) or solution_problems(text, built):
            logger.warning(problem, location=(docname, line))
    return []


def chapters_with_exercises(env, cache):
    """(docname, path, the chapter's cache bundle) of each chapter that has exercises and ran."""
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if path.suffix != ".md" or f"tags: [{ANSWER}]" not in path.read_text():
            continue
        record = cache.add_nb_to_project(str(path), read_data={"type": "plugin", "name": "myst_nb_md"})
        try:
            built = cache.match_cache_notebook(cache.get_project_notebook(record.pk).nb)
        except KeyError:
            continue  # not executed (a failed chapter): the build reports that instead
        yield docname, path, cache.get_cache_bundle(built.pk)


def starting_point_problems(text, built):
    """[(line, problem)] of exercises whose checks passed on the untouched starting point, in the build's run."""
    problems = []
    for number, answer, check, _solution in exercises(built):
        if passed(said(built.cells[check])):
            problems.append(
                (
                    line_of(text, built.cells[answer]),
                    f"exercise {number}: its checks pass on the untouched starting point, so they cannot tell an "
                    "answer from none. Make them test what the answer must be.",
                )
            )
    return problems


def solution_problems(text, built):
    """[(line, problem)] of the first exercise whose checks did not pass after its solution, in the build's run."""
    said_after = built.record.data.get(SAID_AFTER_SOLUTIONS)
    if said_after is None:  # run by myst-nb itself (a chapter with execution options of its own)
        return [(1, "its exercises' checks did not run after their solutions: booktools.execution runs them")]
    for (number, answer, _check, _solution), words in zip(exercises(built.nb), said_after, strict=True):
        if not passed(words):
            words = " ".join(words.split()) or "nothing"
            where = line_of(text, built.nb.cells[answer])
            return [(where, f"exercise {number}: its checks do not pass on the book's solution. They said: {words}")]
    return []


def line_of(text, cell):
    """The chapter line where a cell's code starts."""
    return text[: text.find(cell.source)].count("\n") + 1
