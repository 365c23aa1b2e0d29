"""The Sphinx extension that _config.yml loads: each part of the book's build registers its own hooks.

Their order is the order of their build-finished steps: the live-code files are copied before the pages are scanned
for icons, and the files are slimmed last (lean_assets also asks for a late priority).
"""

from booktools import (
    accessibility,
    build_failures,
    build_report,
    execution,
    execution_cache,
    exercise_pages,
    exercises,
    icons,
    lean_assets,
    lean_pages,
    live_code,
    math_svg,
    navigation,
    theme_templates,
    typed_numbers,
)


def setup(app):
    for part in (
        theme_templates,
        navigation,
        live_code,
        lean_pages,
        icons,
        math_svg,
        execution_cache,
        execution,
        exercises,
        exercise_pages,
        accessibility,
        build_report,
        build_failures,
        typed_numbers,
        lean_assets,
    ):
        part.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
