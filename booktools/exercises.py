"""Each exercise's checks can tell a right answer from none: the build runs them both ways.

An exercise in a chapter is an answer cell (tagged answer) holding the reader's starting point, its checks (a cell
tagged check, calling booktools.checking.check) and the book's solution (tagged hide-cell), in that order. The build's
own run of the chapter runs the checks on the untouched starting point: they must not pass (a check that cannot fail
would tell every reader "holds"). A second run, with each solution pasted into its answer cell, must pass every check.
Either failing is a warning, so an error in `make book`, naming the chapter and the exercise. The second run costs a
chapter's execution; it runs only when the chapter's code (or the checking helper) changed since it last passed, the
chapters side by side.
"""

import concurrent.futures
import hashlib
import os
from pathlib import Path

from booktools import checking

# The tags of an exercise's cells (booktools.notebooks keeps the checks and the helper in the notebooks).
ANSWER, CHECK, CHECK_HELPER, SOLUTION = "answer", "check", "check-helper", "hide-cell"


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


def with_solutions_pasted(notebook):
    """The notebook as a reader who pasted each solution into its answer cell runs it: the solutions themselves
    emptied (so that every cell keeps its index), no outputs."""
    pasted = notebook.copy()
    pasted.cells = [cell.copy() for cell in notebook.cells]
    for cell in pasted.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    for _number, answer, _check, solution in exercises(notebook):
        pasted.cells[answer].source, pasted.cells[solution].source = notebook.cells[solution].source, ""
    return pasted


def said(cell):
    """What a check cell printed."""
    return "".join(output.get("text", "") for output in cell.get("outputs", []) if output.output_type == "stream")


def passed(cell):
    return said(cell).rstrip("\n").endswith(checking.PASSED)


def verify_checks(app, env):
    """Warn, naming the chapter and exercise, of checks that pass on a starting point or fail on the solution."""
    from jupyter_cache import get_cache
    from sphinx.util import logging

    config = env.mystnb_config
    if config.execution_mode != "cache":
        return []
    logger = logging.getLogger(__name__)
    cache = get_cache(config.execution_cache_path)
    to_run = {}
    for docname, path, built in chapters_with_exercises(env, cache):
        marker = Path(config.execution_cache_path) / "exercise-checks" / f"{fingerprint(built)}"
        if marker.exists():
            continue  # these checks passed both ways on this very code
        problems = starting_point_problems(path.read_text(), built)
        if problems:
            for line, problem in problems:
                logger.warning(problem, location=(docname, line))
            continue
        to_run[docname] = (path, built, marker)
    for docname, (line, problem) in run_with_solutions(to_run, config).items():
        logger.warning(problem, location=(docname, line))
    return []


def chapters_with_exercises(env, cache):
    """(docname, path, the chapter as the build ran it, from the cache) of each chapter that has exercises."""
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if path.suffix != ".md" or f"tags: [{ANSWER}]" not in path.read_text():
            continue
        record = cache.add_nb_to_project(str(path), read_data={"type": "plugin", "name": "myst_nb_md"})
        try:
            built = cache.get_cache_bundle(cache.match_cache_notebook(cache.get_project_notebook(record.pk).nb).pk)
        except KeyError:
            continue  # not executed (a failed chapter): the build reports that instead
        yield docname, path, built.nb


def fingerprint(notebook):
    """The code the checks ran on and the helper they use."""
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    return hashlib.sha256(repr([code, Path(checking.__file__).read_text()]).encode()).hexdigest()[:16]


def starting_point_problems(text, built):
    """[(line, problem)] of exercises whose checks passed on the untouched starting point, in the build's run."""
    problems = []
    for number, answer, check, _solution in exercises(built):
        if passed(built.cells[check]):
            problems.append(
                (
                    line_of(text, built.cells[answer]),
                    f"exercise {number}: its checks pass on the untouched starting point, so they cannot tell an "
                    "answer from none. Make them test what the answer must be.",
                )
            )
    return problems


def run_with_solutions(chapters, config):
    """Run each chapter with its solutions pasted, side by side; {docname: (line, problem)} of the first exercise
    whose checks did not pass, and a marker written for each chapter whose checks all passed."""
    from sphinx.util import logging

    from booktools.execution import execute

    logger = logging.getLogger(__name__)
    if not chapters:
        return {}
    problems = {}
    with concurrent.futures.ThreadPoolExecutor(min(len(chapters), os.cpu_count() or 1)) as pool:
        running = {}
        for docname, (path, built, _marker) in chapters.items():
            logger.info("Checking its exercises with the solutions pasted", location=docname)
            pasted = with_solutions_pasted(built)
            running[docname] = (pool.submit(execute, pasted, path, config), pasted)
        for docname, (future, pasted) in running.items():
            path, built, marker = chapters[docname]
            problem = solution_problem(path.read_text(), built, pasted, future.result().err)
            if problem:
                problems[docname] = problem
            else:
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
    return problems


def solution_problem(text, built, pasted, error):
    """(line, problem) of the first exercise whose checks did not pass on its solution, or None."""
    for number, answer, check, _solution in exercises(built):
        where = line_of(text, built.cells[answer])
        if not pasted.cells[check].outputs and error is not None:
            return (
                where,
                f"exercise {number}: with the solutions pasted, the chapter stopped before its checks: {error}",
            )
        if not passed(pasted.cells[check]):
            words = " ".join(said(pasted.cells[check]).split()) or "nothing"
            return where, f"exercise {number}: its checks do not pass on the book's solution. They said: {words}"
    return None


def line_of(text, cell):
    """The chapter line where a cell's code starts."""
    return text[: text.find(cell.source)].count("\n") + 1
