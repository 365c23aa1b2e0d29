"""The benchmark's one way of timing a step."""

import time


def timed(function, *arguments, **keywords):
    """(seconds, result) of one call: wall time, since a reader and a contributor wait in wall time."""
    start = time.perf_counter()
    result = function(*arguments, **keywords)
    return time.perf_counter() - start, result
