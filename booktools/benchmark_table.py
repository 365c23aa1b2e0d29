"""The benchmark's results as the README shows them (booktools.benchmark writes them there): the targets first, each
beside the figure it replaces, then each chapter."""

import re

from booktools.benchmark_builds import REBUILDS


def beside_previous(table, previous):
    """The summary's figures beside those of the table in the README, the last run's."""

    def cells(line):
        return [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []

    old = {row[0]: row[1] for row in map(cells, previous.splitlines()) if len(row) in (3, 4)}
    lines = []
    for line in table.splitlines():
        row = cells(line)
        if len(row) == 3:  # a summary row: measure, result, target
            row.insert(2, "Previous" if row[0] == "Measure" else "---" if row[0] == "---" else old.get(row[0], ""))
            line = "| " + " | ".join(row) + " |"
        lines.append(line)
    return "\n".join(lines)


def passed(result):
    """Whether a run of pytest (booktools.benchmark_suite.tests) ended with every test passed."""
    return bool(result["last words"]) and not result["failures"] and not re.search("failed|error", result["last words"])


def met(ok):
    return "met" if ok else "**not met**"


def report(r):
    """The results as the README shows them: the targets first, then each chapter."""
    lines = [
        f"Measured on {r['machine']}; medians of {r['runs']} runs.",
        "",
        "| Measure | Result | Target |",
        "|---|---|---|",
        *build_rows(r),
        *reading_rows(r),
        *suite_rows(r),
        "",
        *chapter_rows(r["chapters"]),
    ]
    return "\n".join(lines)


def build_rows(r):
    """The summary's rows on the clean build against the baseline, and on the rebuilds."""
    ran = {kind: ", ".join(r[kind]["executed"]) or "none" for kind in REBUILDS}
    seconds = {kind: r[kind]["seconds"] for kind in REBUILDS}
    ratio, four_cores = r["build / pure execution"], r["clean build on 4 cores, estimated"]
    return [
        f"| Clean build (`make book`, empty cache) | {r['clean build']:.1f} s | |",
        f"| Pure execution: every chapter run by nbclient alone, one after another | {r['pure execution']:.1f} s | |",
        f"| Build overhead: clean build / pure execution | {ratio:.2f} (each build right after its run) | "
        f"at most 0.7: {met(ratio <= 0.7)} |",
        f"| Clean build on 4 cores, estimated from the chapters' times | {four_cores:.1f} s "
        f"({four_cores / r['pure execution']:.2f} of pure execution) | |",
        f"| Rebuild, nothing changed | {seconds['no-change rebuild']:.1f} s "
        f"({seconds['no-change rebuild'] / r['clean build']:.0%} of clean); executed: {ran['no-change rebuild']} | "
        f"at most 10%: {met(seconds['no-change rebuild'] <= 0.1 * r['clean build'])} |",
        f"| Rebuild after a prose edit (chapter 1) | {seconds['prose edit rebuild']:.1f} s; executed: "
        f"{ran['prose edit rebuild']} | executes nothing: {met(ran['prose edit rebuild'] == 'none')} |",
        f"| Rebuild after a code edit (chapter 2) | {seconds['code edit rebuild']:.1f} s; executed: "
        f"{ran['code edit rebuild']} | executes only that chapter: "
        f"{met(ran['code edit rebuild'] == '02-gradient-descent')} |",
    ]


def reading_rows(r):
    """The summary's rows on what a reader downloads, sees and waits for."""
    largest = max(chapter["first load"]["served"]["total"] for chapter in r["chapters"].values())
    slowest = min(chapter["lighthouse"]["performance"] for chapter in r["chapters"].values())
    late, early = r["live code, click 5 s after the page opens"], r["live code, click as the page opens"]
    return [
        f"| Largest first load of a chapter page, as served | {largest / 1e3:.0f} kB | at most 300 kB: "
        f"{met(largest <= 300e3)} |",
        f"| Lowest Lighthouse performance (mobile) of a chapter page | {slowest:.0f} | 100: {met(slowest >= 100)} |",
        f"| Screenshots of every page and state, lean and as shipped, alike | {r['screenshots']['last words']} | "
        f"all passed: {met(passed(r['screenshots']))} |",
        f"| Live code (local kernel), click 5 s after the page opens, to the first output | {late:.2f} s | "
        f"at most 2 s: {met(late <= 2)} |",
        f"| The same, click as the page opens | {early:.2f} s | |",
    ]


def suite_rows(r):
    """The summary's rows on the test suite, where it ran: once, and in a row beside a build."""
    rows, suite, loaded = [], r["test suite"], r.get("test suite beside a build")
    if suite["seconds"] is not None:
        rows.append(
            f"| Test suite (`make test`, one run, book cached) | {suite['seconds']:.0f} s "
            f"({suite['result']['last words']}) | at most 240 s: {met(suite['seconds'] <= 240)} |"
        )
    if loaded:
        seconds = sorted(run["seconds"] for run in loaded["runs"])
        passing = [run for run in loaded["runs"] if passed(run["result"])]
        rows.append(
            f"| Test suite, {len(seconds)} runs in a row beside a second book build (built from clean "
            f"{len(loaded['builds'])} times meanwhile, {loaded['builds'].count(0)} passed) | "
            f"{len(passing)} of {len(seconds)} passed; "
            f"{seconds[0]:.0f} to {seconds[-1]:.0f} s | all pass: {met(len(passing) == len(seconds))} |"
        )
    return rows


def chapter_rows(chapters):
    """The table of chapters: execution in the build and alone, first load, Lighthouse's scores."""
    rows = [
        "| Chapter | Executed in the build | By nbclient alone | First load as served (HTML / CSS / JS / images / "
        "fonts) | gzip | Lighthouse performance / accessibility / best practices |",
        "|---|---|---|---|---|---|",
    ]
    for name, chapter in chapters.items():
        served, zipped = chapter["first load"]["served"], chapter["first load"]["gzip"]
        parts = " / ".join(f"{served[kind] / 1e3:.0f}" for kind in ("html", "css", "js", "images", "fonts"))
        scores = " / ".join(
            f"{chapter['lighthouse'][category]:.0f}" for category in ("performance", "accessibility", "best-practices")
        )
        rows.append(
            f"| {name} | {chapter['build execution']:.1f} s | {chapter['pure execution']:.1f} s | "
            f"{served['total'] / 1e3:.0f} kB ({parts}) | {zipped['total'] / 1e3:.0f} kB | {scores} |"
        )
    return rows
