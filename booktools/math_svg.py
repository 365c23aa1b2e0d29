"""Math typeset to SVG at build time (`html_math_renderer: svg` in _config.yml): readers download no MathJax.

MathJax runs in Node, one process per build: TeX in, SVG out, with MathML for screen readers (the SVG is
aria-hidden). Undefined macros fail like other TeX errors instead of showing in red. Each page carries the glyphs its
formulas use, once each. math.css, the CSS that the SVG needs, goes only on pages with math.
"""

import functools
import json
import subprocess
from html import escape
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number, wrap_displaymath

from booktools import vendored, write_if_changed

logger = logging.getLogger(__name__)

PROGRAM = Path(__file__).with_suffix(".mjs")


def setup(app):
    app.add_html_math_renderer("svg", (visit_math, None), (visit_math_block, None))
    app.connect("builder-inited", lambda app: vendored("mathjax"))
    app.connect("html-page-context", math_css_on_pages_with_math)
    app.connect("build-finished", write_math_css)


@functools.cache
def mathjax():
    """The build's MathJax process, and the CSS that its SVG needs (it sends that first)."""
    vendored("mathjax")  # or the build's error that says how to get it
    process = subprocess.Popen(["node", str(PROGRAM)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    css = process.stdout.readline()
    if not css:
        raise ExtensionError("MathJax did not start in Node (its messages are above)")
    return process, json.loads(css)


def ask(question):
    process, _css = mathjax()
    process.stdin.write(json.dumps(question) + "\n")
    process.stdin.flush()
    return json.loads(process.stdout.readline())


def typeset(node, tex, display):
    answer = ask({"tex": tex, "display": display})
    if "error" in answer:
        logger.warning(f"TeX error: {answer['error']} in {tex!r}", location=node)
        return f"<code>{escape(tex)}</code>"
    return answer["html"]


def visit_math(self, node):
    self.body.append(f'<span class="math">{typeset(node, node.astext(), display=False)}</span>')
    raise nodes.SkipNode


def visit_math_block(self, node):
    # As Sphinx's own MathJax renderer does, less what MathJax would do in the browser.
    self.body.append(self.starttag(node, "div", CLASS="math"))
    if node["number"]:
        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    tex = node.astext() if node["nowrap"] else wrap_displaymath(node.astext(), None, False)
    self.body.append(typeset(node, tex, display=True) + "</div>\n")
    raise nodes.SkipNode


def math_css_on_pages_with_math(app, pagename, templatename, context, doctree):
    """math.css, and the glyphs the page's formulas refer to, once each (the body is written by now)."""
    if app.env.get_domain("math").has_equations(pagename):
        app.add_css_file("math.css")
        context["body"] += ask({"page": True})["html"]


def write_math_css(app, exception):
    """The CSS of MathJax's SVG and hidden MathML, if this build typeset math; and the end of its MathJax process."""
    if not mathjax.cache_info().currsize:
        return  # no page with math was written (a rebuild with no change starts no Node)
    process, css = mathjax()
    if exception is None:
        write_if_changed(Path(app.outdir) / "_static" / "math.css", css + "\n")
    process.stdin.close()
    process.wait()
    mathjax.cache_clear()
