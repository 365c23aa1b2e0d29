"""The benchmark's results as the README shows them (booktools.benchmark writes them there): the targets first, each
beside the figure it replaces, then each chapter."""

import re


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
    """Whether a run of pytest (booktools.benchmark.tests) ended with every test passed."""
    return bool(result["last words"]) and not result["failures"] and not re.search("failed|error", result["last words"])


def report(r):
    """The results as the README shows them: the targets first, then each chapter."""

    def met(ok):
        return "met" if ok else "**not met**"

    rebuilds = {kind: r[kind] for kind in ("no-change rebuild", "prose edit rebuild", "code edit rebuild")}
    ran = {kind: ", ".join(found["executed"]) or "none" for kind, found in rebuilds.items()}
    largest = max(chapter["first load"]["served"]["total"] for chapter in r["chapters"].values())
    slowest = min(chapter["lighthouse"]["performance"] for chapter in r["chapters"].values())
    lines = [
        f"Measured on {r['machine']}; medians of {r['runs']} runs.",
        "",
        "| Measure | Result | Target |",
        "|---|---|---|",
        f"| Clean build (`make book`, empty cache) | {r['clean build']:.1f} s | |",
        f"| Pure execution: every chapter run by nbclient alone, one after another | {r['pure execution']:.1f} s | |",
        f"| Build overhead: clean build / pure execution | {r['build / pure execution']:.2f} (each build right after "
        f"its run) | "
        f"at most 0.7: {met(r['build / pure execution'] <= 0.7)} |",
        f"| Clean build on 4 cores, estimated from the chapters' times | "
        f"{r['clean build on 4 cores, estimated']:.1f} s "
        f"({r['clean build on 4 cores, estimated'] / r['pure execution']:.2f} of pure execution) | |",
        f"| Rebuild, nothing changed | {rebuilds['no-change rebuild']['seconds']:.1f} s "
        f"({rebuilds['no-change rebuild']['seconds'] / r['clean build']:.0%} of clean); executed: "
        f"{ran['no-change rebuild']} | at most 10%: "
        f"{met(rebuilds['no-change rebuild']['seconds'] <= 0.1 * r['clean build'])} |",
        f"| Rebuild after a prose edit (chapter 1) | {rebuilds['prose edit rebuild']['seconds']:.1f} s; executed: "
        f"{ran['prose edit rebuild']} | executes nothing: {met(ran['prose edit rebuild'] == 'none')} |",
        f"| Rebuild after a code edit (chapter 2) | {rebuilds['code edit rebuild']['seconds']:.1f} s; executed: "
        f"{ran['code edit rebuild']} | executes only that chapter: "
        f"{met(ran['code edit rebuild'] == '02-gradient-descent')} |",
        f"| Largest first load of a chapter page, as served | {largest / 1e3:.0f} kB | at most 300 kB: "
        f"{met(largest <= 300e3)} |",
        f"| Lowest Lighthouse performance (mobile) of a chapter page | {slowest:.0f} | 100: {met(slowest >= 100)} |",
        f"| Screenshots of every page and state, lean and as shipped, alike | {r['screenshots']['last words']} | "
        f"all passed: {met(passed(r['screenshots']))} |",
        f"| Live code (local kernel), click 5 s after the page opens, to the first output | "
        f"{r['live code, click 5 s after the page opens']:.2f} s | at most 2 s: "
        f"{met(r['live code, click 5 s after the page opens'] <= 2)} |",
        f"| The same, click as the page opens | {r['live code, click as the page opens']:.2f} s | |",
    ]
    if r["test suite"]["seconds"] is not None:
        lines.append(
            f"| Test suite (`make test`, one run, book cached) | {r['test suite']['seconds']:.0f} s "
            f"({r['test suite']['result']['last words']}) | at most 240 s: {met(r['test suite']['seconds'] <= 240)} |"
        )
    if r.get("test suite beside a build"):
        loaded = r["test suite beside a build"]
        seconds = sorted(run["seconds"] for run in loaded["runs"])
        passing = [run for run in loaded["runs"] if passed(run["result"])]
        lines.append(
            f"| Test suite, {len(seconds)} runs in a row beside a second book build (built from clean "
            f"{len(loaded['builds'])} times meanwhile, {loaded['builds'].count(0)} passed) | "
            f"{len(passing)} of {len(seconds)} passed; "
            f"{seconds[0]:.0f} to {seconds[-1]:.0f} s | all pass: {met(len(passing) == len(seconds))} |"
        )
    lines += [
        "",
        "| Chapter | Executed in the build | By nbclient alone | First load as served (HTML / CSS / JS / images / "
        "fonts) | gzip | Lighthouse performance / accessibility / best practices |",
        "|---|---|---|---|---|---|",
    ]
    for name, chapter in r["chapters"].items():
        served, zipped = chapter["first load"]["served"], chapter["first load"]["gzip"]
        parts = " / ".join(f"{served[kind] / 1e3:.0f}" for kind in ("html", "css", "js", "images", "fonts"))
        scores = " / ".join(
            f"{chapter['lighthouse'][name]:.0f}" for name in ("performance", "accessibility", "best-practices")
        )
        lines.append(
            f"| {name} | {chapter['build execution']:.1f} s | {chapter['pure execution']:.1f} s | "
            f"{served['total'] / 1e3:.0f} kB ({parts}) | {zipped['total'] / 1e3:.0f} kB | {scores} |"
        )
    return "\n".join(lines)
