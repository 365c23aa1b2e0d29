"""Exercises a reader checks in the page (issue 27: assets/live-code/exercises.js and checks.js, the checks written by
booktools/exercise_pages.py), in Chromium against `make live`: for the first exercise of chapters 3 and 4, Check on the
starting point, a wrong answer and the book's solution pasted, then the count after a reload; on one page, every bad
input a reader can give; axe on a checked exercise, light and dark, phone and desktop. Each test has a page of its
own, closed (with its kernel) when it ends."""

import json

import pytest
from myst_nb.core.read import read_myst_markdown_notebook
from playwright.sync_api import expect

from book import ROOT, assert_nothing_serious, keyboard_to, watch
from book import page as built_page
from booktools import checking
from booktools.exercises import exercises
from booktools.live_page import start_live_code

WITH_EXERCISES = sorted(path.stem for path in (ROOT / "chapters").glob("*.md") if "tags: [answer]" in path.read_text())
# A wrong answer to a chapter's first exercise, and the part of its checks that it fails.
WRONG = {
    "01-autograd": ("dy_da = 24\ndy_db = 12", "dy_db, the gradient in b"),
    "03-neural-networks": (
        "sequential = nn.Sequential(nn.Linear(20, 30), nn.ReLU(), nn.Linear(30, 10), nn.Linear(10, 1))\n"
        "same_count = True",
        "sequential computes what ThreeLayers computes",
    ),
    "04-training-loop": ("total = 100\nlargest_layer = model[1]", "total"),
}
# A checked exercise's verdict settles in seconds, but the first Check runs every cell above the answer (chapter 4
# trains its model there): minutes, on a busy machine.
CHECKED = 240_000


def chapter_exercises(chapter):
    """[(answer, checks, solution)] sources of a chapter's exercises, as the chapter writes them."""
    notebook = read_myst_markdown_notebook((ROOT / "chapters" / f"{chapter}.md").read_text())
    return [tuple(notebook.cells[i].source for i in cells) for _n, *cells in exercises(notebook)]


def button(page, number):
    return page.get_by_role("button", name=f"Check exercise {number}", exact=True)


def verdict(page, number):
    return page.locator(f"#live-code-verdict-{number}")


def tally(page):
    return page.locator(".live-code-bar .live-code-tally")


def answer(page, source, number=1):
    """Replace the answer cell's code as a reader pastes it."""
    page.locator("div.cell.tag_answer").nth(number - 1).locator(".CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)


def check(page, number=1, press=None):
    """Press Check (or do press()), wait for what the checks say; returns (result, its lines)."""
    found = verdict(page, number)
    found.evaluate("verdict => delete verdict.dataset.result")  # what the last Check said no longer counts
    (press or button(page, number).click)()
    page.wait_for_function(
        "verdict => !['busy', undefined].includes(verdict.dataset.result)",
        arg=found.element_handle(),
        timeout=CHECKED,
    )
    lines = found.locator("p").all_inner_texts()
    assert not any("Traceback" in line for line in lines), lines
    return found.get_attribute("data-result"), lines


def open_exercises(page, url):
    """The page with Live Code started and its Check buttons there, with nothing remembered from other tests."""
    page.goto(url)
    page.evaluate("localStorage.clear()")
    start_live_code(page)
    expect(button(page, 1)).to_be_visible()


def test_the_checks_reach_the_page_only_on_the_click_and_never_with_the_solution(book):
    for chapter in WITH_EXERCISES:
        found = chapter_exercises(chapter)
        written = (book / "html" / "_static" / "checks" / "chapters" / f"{chapter}.json").read_text()
        assert [each["check"] for each in json.loads(written)["exercises"]] == [checks for _a, checks, _s in found]
        assert not any(solution in written for _a, _c, solution in found)
        built = built_page(chapter)
        assert len(built.select("div.cell.tag_answer")) == len(found)  # the page's answer cells, in the same order
        lambdas = [line.strip() for _a, checks, _s in found for line in checks.splitlines() if "lambda: [" in line]
        assert lambdas and not any(line in str(built) for line in lambdas)


# The chapters whose first exercise once had checks a wrong answer passed (a network with ReLUs, the wrong layer): the
# others' checks are tried both ways by the build, and Check itself by every test here on chapter 1.
@pytest.mark.parametrize("chapter", ["03-neural-networks", "04-training-loop"])
def test_check_tells_unanswered_wrong_and_right_and_the_chapter_remembers(page, live, chapter):
    problems = watch(page)
    total = len(chapter_exercises(chapter))
    first, checks, solution = chapter_exercises(chapter)[0]
    wrong, failing = WRONG[chapter]
    assert f'"{failing}"' in checks  # the part the wrong answer fails is one the chapter checks
    open_exercises(page, f"{live.url}/chapters/{chapter}.html")
    expect(tally(page)).to_have_text(f"0 of {total} exercises checked")
    # By keyboard, on the starting point: a hint, not a pass.
    page.locator("div.cell.tag_answer").first.locator(".CodeMirror").click()
    result, lines = check(page, press=lambda: (keyboard_to(page, button(page, 1)), page.keyboard.press("Enter")))
    assert (result, lines[0].split(":")[0]) == ("unanswered", checking.NOT_ANSWERED), lines
    # A wrong answer: the part it fails is named, with a hint, and the others hold.
    answer(page, wrong)
    result, lines = check(page)
    assert result == "failed" and lines[-1] != checking.PASSED, lines
    assert any(line.startswith(f"✗ {failing}: does not hold. Hint: ") for line in lines), lines
    # The book's solution, pasted: a pass, counted; the solution itself stays folded.
    answer(page, solution)
    result, lines = check(page)
    assert (result, lines[-1]) == ("passed", checking.PASSED), lines
    expect(tally(page)).to_have_text(f"1 of {total} exercises checked")
    assert page.locator("div.cell.tag_hide-cell details[open]").count() == 0
    # Remembered in this browser, after a reload.
    page.reload()
    start_live_code(page)
    expect(tally(page)).to_have_text(f"1 of {total} exercises checked")
    expect(verdict(page, 1)).to_have_attribute("data-result", "remembered")
    assert problems == []


LOOPS = "while True:\n    pass"
# An answer whose value loops, or floods the output, when the checks compare it.
LOOPS_WHEN_CHECKED = """class Slow(float):
    def __eq__(self, other):
        while True:
            pass
dy_da = Slow(24)
dy_db = 9"""
FLOODS = """for i in range(20_000):
    print("flood", i)
class Loud(float):
    def __eq__(self, other):
        for i in range(20_000):
            print("loud", i)
        return float(self) == other
dy_da = Loud(24)
dy_db = 9"""


def stop_when(page, condition):
    page.wait_for_function(condition, timeout=CHECKED)
    page.get_by_role("button", name="Stop", exact=True).click()


def test_every_bad_answer_gets_words_and_the_kernel_carries_on(page, live):
    solution = chapter_exercises("01-autograd")[0][2]
    open_exercises(page, f"{live.url}/chapters/01-autograd.html")
    answer(page, "dy_da = 1 / 0\ndy_db = 9")
    result, lines = check(page)
    assert result == "error" and lines[0].startswith("Your answer cell raised an error (see below it)"), lines
    expect(page.locator("div.cell.tag_answer").first.locator(".jp-OutputArea")).to_contain_text("ZeroDivisionError")
    answer(page, LOOPS)
    running = "document.querySelector('div.cell.tag_answer').dataset.live === 'running'"
    result, lines = check(page, press=lambda: (button(page, 1).click(), stop_when(page, running)))
    assert result == "error" and lines[0].startswith("Stopped before the checks ran"), lines
    answer(page, LOOPS_WHEN_CHECKED)
    checking_now = "document.querySelector('.live-code-status').textContent === 'Checking exercise 1…'"
    result, lines = check(page, press=lambda: (button(page, 1).click(), stop_when(page, checking_now)))
    assert result == "stopped" and lines[0].startswith("Stopped: the checks were interrupted"), lines
    answer(page, FLOODS)
    result, lines = check(page)
    assert (result, lines[-1]) == ("passed", checking.PASSED) and not any("loud" in line for line in lines), lines
    # Checked names bound to other types, and the helper's own name taken: the checks still speak.
    answer(page, 'dy_da = "24"\ndy_db = [9]\ncheck = None')
    result, lines = check(page)
    assert result == "failed" and [line[:2] for line in lines[:2]] == ["✗ ", "✗ "], lines
    answer(page, "dy_db = 9\ndel dy_da")
    result, lines = check(page)
    assert result == "unanswered" and "name 'dy_da' is not defined" in lines[0], lines
    answer(page, solution)
    assert check(page)[0] == "passed"


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_finds_nothing_serious_on_a_checked_exercise_on_phone_and_desktop(new_page, live, mode):
    page = new_page(color_scheme=mode)
    open_exercises(page, f"{live.url}/chapters/01-autograd.html")
    check(page)
    answer(page, WRONG["01-autograd"][0])
    check(page)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 844})
        verdict(page, 1).scroll_into_view_if_needed()
        assert_nothing_serious(page)
