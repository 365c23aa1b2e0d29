"""Numbers in a chapter's prose come from its run: glued, set in its code, or declared given where they stand.

A number typed into the prose passes every other check while the code moves on under it. Each number in a chapter's
text must be one of:
- glued (`{glue:text}` from a cell's myst_nb.glue);
- a literal of the chapter's own code (the 20 inputs of `nn.Linear(20, 30)`, the target 7 of `loss = (p - 7) ** 2`):
  an input the reader sees set, not a result;
- declared as given where it stands, `{given}`2026``: a year, a chapter's number, a constant the prose states.
Anything else is a warning, so an error in `make book` (-W), naming the chapter, the line and the number. So is a value
glued that no prose uses.
"""

import re
from pathlib import Path

from docutils import nodes

from booktools import toc

NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:e-?\d+)?(?![\w])")
# Where a number is not prose: code, math, what glue or {given} wrote.
NOT_PROSE = (nodes.literal, nodes.literal_block, nodes.math, nodes.math_block, nodes.raw, nodes.comment)
WRITTEN = {"pasted-text", "given"}
GLUED = re.compile(r"glue\(\s*[\"']([\w.-]+)[\"']")
GLUE_USED = re.compile(r"\{glue(?::\w+)?\}`([\w.-]+)|```\{glue(?::\w+)?\}\s+([\w.-]+)")


def setup(app):
    app.add_role("given", given)
    app.connect("doctree-read", check_numbers)


def given(name, rawtext, text, lineno, inliner, options=None, content=None):
    """{given}`7`: a number typed on purpose, shown as it is."""
    return [nodes.inline(text, text, classes=["given"])], []


def check_numbers(app, doctree):
    from sphinx.util import logging

    source = Path(app.env.doc2path(app.env.docname))
    if not (source.suffix == ".md" and toc.is_notebook(source)):
        return
    logger = logging.getLogger(__name__)
    for number, node in typed(doctree):
        logger.warning(f"the number {number} is typed: glue it, or declare it {{given}}`{number}`", location=node)
    text = source.read_text()
    used = {key for match in GLUE_USED.finditer(text) for key in match.groups() if key}
    for match in GLUED.finditer(text):
        if match.group(1) not in used:
            line = text[: match.start()].count("\n") + 1
            logger.warning(
                f"the glued value {match.group(1)!r} is not used in the prose", location=(app.env.docname, line)
            )


def typed(doctree):
    """(number, its paragraph) for each number in the prose that is neither glued, given nor set in the code."""
    cells = [node for node in doctree.findall(nodes.container) if "cell" in node["classes"]]
    code = {number for cell in cells for block in cell.findall(nodes.literal_block) for number in numbers(block)}
    for text in doctree.findall(nodes.Text):
        if not in_prose(text):
            continue
        for number in NUMBER.findall(text.astext()):
            if number not in code:
                yield number, text.parent


def in_prose(text):
    node = text.parent
    while node is not None:
        if isinstance(node, NOT_PROSE) or WRITTEN & set(node.get("classes", [])) or "cell" in node.get("classes", []):
            return False
        node = node.parent
    return True


def numbers(node):
    return set(NUMBER.findall(node.astext()))
