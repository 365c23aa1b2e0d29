"""Checks of a reader's answer to an exercise, said in words: which part holds, which does not, and a hint.

This file is plain Python with no import beyond the standard library: the chapters import it in the build, and each
Colab/Binder notebook carries a copy of it in a cell (booktools.notebooks), since Colab has no booktools.
"""

# The last line the checks print when every part holds (the build and the page read it).
PASSED = "Every part holds."
# The first words when the answer cell still holds its starting point (a `...`).
NOT_ANSWERED = "Not answered yet"
# The first words when reading the answer's values raised (a name bound to another type than the checks expect).
UNREADABLE = "Your answer could not be read"


def check(answer, *parts):
    """Print, part by part, whether the reader's answer holds. answer: a function returning the answer's values (a
    `...` among them means not answered yet); parts: (what is checked, a test function, a hint for when it fails)."""
    try:
        values = answer()
    except NameError as error:
        print(f"{NOT_ANSWERED}: {error}. Run your answer cell, then check again.")
        return
    except Exception as error:  # a checked name bound to something else (another type): say so, never stop
        print(f"{UNREADABLE}: it raised {raised(error)} Check what your answer cell binds, then check again.")
        return
    if any(value is ... for value in values):
        print(f"{NOT_ANSWERED}: replace each ... in your answer cell with your answer, run it, then check again.")
        return
    holding = 0
    for what, test, hint in parts:
        verdict = part_verdict(test)
        holding += verdict is True
        print(f"✓ {what}: holds." if verdict is True else f"✗ {what}: {verdict} Hint: {hint}")
    print(PASSED if holding == len(parts) else f"{holding} of {len(parts)} parts hold.")


def part_verdict(test):
    """True if the test holds, else what went wrong, in a sentence (never a traceback)."""
    try:
        if bool(test()):
            return True
        return "does not hold."
    except Exception as error:  # the reader's answer may be anything: say what broke, never stop the notebook
        return f"could not be checked, it raised {raised(error)}"


def raised(error):
    """An error in a sentence's end: its type and the first line of its message, cut short."""
    message = str(error).splitlines()[0] if str(error) else ""
    if len(message) > 120:
        message = message[:117] + "..."
    return type(error).__name__ + (f" ({message})." if message else ".")
