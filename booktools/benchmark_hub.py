"""How many readers a JupyterHub of the book holds: `python -m booktools.benchmark_hub [--readers 1 5 10]`.

For each count, that many new readers log in to `make hub` and, all at once, open chapter 1, press Live Code and run
its first cells (Run on the last runs those above first), in Chromium. Measured per reader: the time from the click on
Live Code to the first cells' output (the reader's server started by the Hub, a kernel, torch imported, the cells
run), and the memory of the reader's server and kernel afterwards (unique set size: what stopping them frees). The
readers' servers are stopped between counts. Writes _build/benchmark/hub.json and prints a table.
"""

import argparse
import json
import statistics
import time

import psutil
from playwright.sync_api import sync_playwright

from booktools import ROOT, browser
from booktools.live_page import kernel_output, live_cell, press_live_code, run_button
from booktools.live_server import free_port
from booktools.make_hub import HubServer

LAST_OF_THE_FIRST_CELLS = "var_mult = var_1 * var_2"
OUT = ROOT / "_build" / "benchmark" / "hub.json"


def round_of(hub, chromium, count, label):
    """`count` readers at once; returns each one's seconds to first output and MB."""
    names = [f"{label}-{number}" for number in range(count)]
    contexts = [chromium.new_context() for _ in names]
    try:
        for name, context in zip(names, contexts, strict=True):
            hub.log_in(context, name)
        pages = [context.new_page() for context in contexts]
        for page in pages:
            page.goto(f"{hub.url}/services/book/chapters/01-autograd.html", wait_until="load")
        clicked = {}
        for page in pages:
            press_live_code(page)
            clicked[page] = time.monotonic()
        seconds = first_outputs(pages, clicked)
        megabytes = [reader_memory(hub, name) for name in names]
        for name, context in zip(names, contexts, strict=True):
            stop_server(hub, context, name)
        return seconds, megabytes
    finally:
        for context in contexts:
            context.close()


def first_outputs(pages, clicked, timeout=600):
    """Each page's seconds from its click to its first cells' output: each page's Run is pressed once its Live Code is
    ready, and the pages are polled in turn."""
    done, pressed, deadline = {}, set(), time.monotonic() + timeout
    while len(done) < len(pages) and time.monotonic() < deadline:
        for page in pages:
            if page in done:
                continue
            if page not in pressed and page.evaluate("document.documentElement.dataset.liveCode") == "ready":
                run_button(live_cell(page, LAST_OF_THE_FIRST_CELLS)).click()
                pressed.add(page)
            elif page in pressed and kernel_output(live_cell(page, LAST_OF_THE_FIRST_CELLS)).inner_text().strip():
                done[page] = time.monotonic() - clicked[page]
        time.sleep(0.05)
    if len(done) < len(pages):
        raise SystemExit(f"{len(pages) - len(done)} of {len(pages)} readers had no output in {timeout} s")
    return [round(done[page], 1) for page in pages]


def reader_memory(hub, name):
    """MB of unique memory of the reader's server and its kernels."""
    for process in hub.processes():
        if process.environ().get("JUPYTERHUB_USER") == name and "jupyterhub.singleuser" in " ".join(process.cmdline()):
            tree = [process, *process.children(recursive=True)]
            return round(sum(each.memory_full_info().uss for each in tree) / 2**20)
    raise SystemExit(f"no server of {name} under make hub")


def stop_server(hub, context, name):
    """Stop the reader's server as the Hub's own page does (its API, with the reader's login and XSRF cookie)."""
    xsrf = next(cookie["value"] for cookie in context.cookies(f"{hub.url}/hub/") if cookie["name"] == "_xsrf")
    answer = context.request.delete(f"{hub.url}/hub/api/users/{name}/server", headers={"X-XSRFToken": xsrf})
    assert answer.status in (202, 204), f"{answer.status}: {answer.text()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, nargs="+", default=[1, 5, 10])
    counts = parser.parse_args().readers
    results = []
    with HubServer(free_port(0)) as hub, sync_playwright() as playwright:
        chromium = browser.launch(playwright, shell=True)
        try:
            for count in counts:
                load = psutil.getloadavg()[0]
                seconds, megabytes = round_of(hub, chromium, count, f"r{count}")
                results.append({"readers": count, "seconds": seconds, "mb": megabytes, "load_before": load})
                time.sleep(5)  # the stopped servers' memory back to the system
        finally:
            chromium.close()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"cpus": psutil.cpu_count(), "results": results}, indent=1) + "\n")
    print("readers | first output, median (max) | MB per reader, median (max) | MB all readers")
    for row in results:
        seconds, mb = row["seconds"], row["mb"]
        print(
            f"{row['readers']:7} | {statistics.median(seconds):.1f} s ({max(seconds):.1f} s)"
            f" | {statistics.median(mb):.0f} ({max(mb)}) | {sum(mb)}"
        )


if __name__ == "__main__":
    main()
