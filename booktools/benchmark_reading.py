"""The benchmark's reader-side measurements: each chapter page's first load, Live Code's click to first output on a
local kernel, and Lighthouse's scores, on the site as the one static host serves it.
"""

import time
from statistics import median

from playwright.sync_api import sync_playwright

from booktools import browser, toc
from booktools.lighthouse import TARGETS, audit
from booktools.live_page import kernel_output, live_cell, run_button, start_live_code
from booktools.live_server import free_port
from booktools.make_live import LiveServer
from booktools.page_weight import page_weight


def in_the_browser(site, runs):
    """{"weights": {chapter: page_weight}, "clicks": {wait: [seconds] of `runs` clicks}, "browser": its version}.
    A reader clicks Live Code some seconds after the page opened, having read a little, or at once."""
    with sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        try:
            weights = {
                chapter: page_weight(chromium.new_context, f"{site}/chapters/{chapter}.html")
                for chapter in toc.chapters()
            }
            with LiveServer(free_port(0)) as live:
                clicks = {wait: [live_code(chromium, live, wait) for _ in range(runs)] for wait in (5, 0)}
            return {"weights": weights, "clicks": clicks, "browser": chromium.version}
        finally:
            chromium.close()


def live_code(chromium, server, wait):
    """Seconds from the click on Live Code to the first output of chapter 1's first cell that prints something,
    clicked `wait` seconds after the page opened."""
    page = chromium.new_page()
    server.sign_in(page.context)  # as the reader opens the address `make live` printed
    try:
        page.goto(f"{server.url}/chapters/01-autograd.html")
        page.wait_for_timeout(wait * 1000)
        start = time.perf_counter()
        start_live_code(page)
        for first_line in ["import torch", "var_1 = torch.tensor(3.0"]:
            run_button(live_cell(page, first_line)).click()
        kernel_output(live_cell(page, "var_1 = torch.tensor(3.0")).filter(has_text="tensor(3.").wait_for()
        return time.perf_counter() - start
    finally:
        page.close()


def lighthouse_scores(site, runs):
    """{chapter: [`runs` audits]} of every chapter page."""
    return {chapter: [audit(f"{site}/chapters/{chapter}.html") for _ in range(runs)] for chapter in toc.chapters()}


def click_results(clicks):
    """The medians the table shows of the clicks."""
    return {
        "live code, click 5 s after the page opens": median(clicks[5]),
        "live code, click as the page opens": median(clicks[0]),
    }


def page_results(weight, scores):
    """One chapter page's first load, and its median Lighthouse scores."""
    return {
        "first load": {how: weight[how] for how in ("served", "gzip")},
        "lighthouse": {name: median([score[name][0] for score in scores]) for name in TARGETS},
    }
