"""The Sphinx extension that _config.yml loads: each part of the book's build registers its own hooks.

Their order is the order of their build-finished steps: the live-code files are copied before the pages are scanned
for icons, and the failure message is registered last.
"""

from booktools import accessibility, build_report, execution, lean_pages, live_code, math_svg


def setup(app):
    for part in (live_code, lean_pages, math_svg, execution, accessibility, build_report):
        part.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
