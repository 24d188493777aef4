"""The GitOps workflow's own commands, run against the emulator.

The `run:` scripts of .github/workflows/webex-iac.yml (the PR preview + plan comment, the plain
`pulumi up` on main, the nightly drift check) are taken from the workflow file itself and run
with bash as the runner would, in a scratch checkout (the project, this venv as .venv, the policy
pack) whose stack points at a test emulator. The locally built CLI bundle stands in for the
workflow's install step (pulumi/actions, pinned to the same version). So what CI runs is what is
tested.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from harness import PASSPHRASE, WebexStack, org_holders
from webex_iac import engine
from webex_iac.engine import REPO_ROOT
from webex_iac.project import python_path
from webex_iac.plan_summary import MARKER

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "webex-iac.yml"
KOFI = "kofi.jensen119@acme.example.com"

CLEAN = f"""\
licenses:
  ops-hosts:
    owner: ops@acme.example.com
    pools:
      - license: {{siteUrl: acme.webex.com}}
        exclusive: false
        users: [{KOFI}]
meetings:
  ops-weekly:
    owner: ops@acme.example.com
    host: {KOFI}
    siteUrl: acme.webex.com
    title: Ops weekly
    start: 2027-01-04T10:00:00
    durationMinutes: 30
    timezone: Europe/Berlin
    recurrence: FREQ=WEEKLY;BYDAY=MO
"""


def workflow_step(job: str, step_id: str) -> dict:
    doc = YAML(typ="safe").load(WORKFLOW.read_text())
    steps = [s for s in doc["jobs"][job]["steps"] if s.get("id") == step_id]
    assert len(steps) == 1, f"{job}.{step_id} is not in {WORKFLOW.name}"
    return steps[0]


class Runner:
    """Runs workflow steps as GitHub's runner does: bash -eo pipefail, in the checkout."""

    def __init__(self, project: Path, stack: str, tmp: Path):
        doc = YAML(typ="safe").load(WORKFLOW.read_text())
        literal = {k: str(v) for k, v in (doc.get("env") or {}).items() if "${{" not in str(v)}
        self.temp = tmp / "runner-temp"
        self.temp.mkdir()
        self.output, self.summary = tmp / "github-output", tmp / "step-summary"
        self.project = project
        self.env = {
            **os.environ,
            **literal,
            # What the workflow takes from vars/secrets, for the scratch project:
            "STACK": stack,
            "EPHEMERAL_ORG": "false",
            "WEBEX_IAC_PROJECT_DIR": str(project),
            # The scratch project holds no resources/ (the project's code, not installed): the
            # commands (plan-summary loads the stack file) run this checkout's, as the harness does.
            "PYTHONPATH": python_path(REPO_ROOT),
            # The workflow's "Install the Pulumi CLI" step: the local bundle, first on PATH.
            "PATH": f"{engine.find_pulumi_bin_dir()}{os.pathsep}{os.environ['PATH']}",
            "PULUMI_BACKEND_URL": (project / ".pulumi-state").as_uri(),
            "PULUMI_HOME": str(project / ".pulumi-home"),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
        }

    def run(self, job: str, step_id: str) -> subprocess.CompletedProcess:
        step = workflow_step(job, step_id)
        self.output.write_text("")
        script = self.temp / f"{job}-{step_id}.sh"
        script.write_text(step["run"])
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.project,
            env={**self.env, **{k: str(v) for k, v in (step.get("env") or {}).items()}},
            capture_output=True,
            text=True,
            timeout=600,
        )
        print(f"--- {job}.{step_id} -> {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        return proc

    def outputs(self) -> dict[str, str]:
        return dict(line.split("=", 1) for line in self.output.read_text().splitlines() if "=" in line)


@pytest.fixture(scope="module")
def project(emu, tmp_path_factory):
    root = tmp_path_factory.mktemp("ci-project")
    st = WebexStack(root, emu, name="ci", extra_config={"webex:orgId": emu.org_id})
    # What else a checkout has that the workflow's commands use.
    (root / ".venv").symlink_to(sys.prefix)
    (root / "policies").symlink_to(REPO_ROOT / "policies")
    return st


def _new_site_license(emu) -> str:
    return emu.seed_summary["orgs"][0]["licenses"]["new-meetings"]


def test_pr_preview_up_and_nightly_drift_check_run_as_in_the_workflow(emu, project, tmp_path):
    ci = Runner(project.root, "ci", tmp_path)
    project.write(CLEAN)

    # Pull request: the preview with the policy pack, rendered as the PR comment.
    assert ci.run("preview", "plan").returncode == 0
    assert ci.outputs()["status"] == "0"
    plan = (ci.temp / "plan.md").read_text()
    print(plan)
    assert plan.startswith(MARKER)
    version = YAML(typ="safe").load((REPO_ROOT / "policies" / "PulumiPolicy.yaml").read_text())["version"]
    assert f"✅ **Every policy passes** (`webex-iac@{version}`)." in plan
    assert (
        "| `ops-hosts` (create) | acme.webex.com (Meeting - Webex Meeting Center) | 111/120 → 112/120 | +1 | −0 "
        "| stacks/ci.yaml:6 |"
    ) in plan
    assert f"**Gain (1):** {KOFI}" in plan
    assert f"| `ops-weekly` | create | {KOFI} · acme.webex.com | FREQ=WEEKLY;BYDAY=MO, 30 min, Europe/Berlin |" in plan
    assert plan in ci.summary.read_text(), "the plan also goes to the job summary"

    # Push to main: plain `pulumi up`, with the policy pack.
    assert workflow_step("up", "up")["run"].startswith("pulumi up --yes ")
    assert ci.run("up", "up").returncode == 0
    assert KOFI in org_holders(emu, _new_site_license(emu))

    # Nightly: no drift right after up.
    assert ci.run("drift", "drift").returncode == 0

    # Someone removes the host's license in Control Hub: the drift check fails and says why.
    admin = emu.client()
    person = admin.get("/people", params={"email": KOFI}).json()["items"][0]
    admin.patch(
        "/licenses/users", json={"personId": person["id"], "licenses": [{"id": _new_site_license(emu), "operation": "remove"}]}
    ).raise_for_status()
    drift = ci.run("drift", "drift")
    assert drift.returncode != 0
    assert "ops-hosts" in drift.stdout
    assert ci.run("drift", "drift-summary").returncode == 0
    assert (
        "| `ops-hosts` (update) | acme.webex.com (Meeting - Webex Meeting Center) | 111/120 → 112/120 | +1 | −0 |"
        in ci.summary.read_text()
    )


def test_pr_with_a_policy_violation_fails_the_check_and_still_posts_the_plan(project, tmp_path):
    ci = Runner(project.root, "ci", tmp_path)
    project.write(CLEAN.replace("    owner: ops@acme.example.com\n    host:", "    host:"))
    proc = ci.run("preview", "plan")
    assert proc.returncode == 0, "the step records the status so the comment is still posted"
    assert ci.outputs()["status"] == "1"
    plan = (ci.temp / "plan.md").read_text()
    print(plan)
    assert "❌ **Policy violations: 1 mandatory, 0 advisory.** `up` is blocked until they are fixed." in plan
    assert (
        "| mandatory | `ownership` | `ops-weekly` | StandingMeeting 'ops-weekly' (stacks/ci.yaml:11): no owner declared;"
    ) in plan
    # The step after it fails the check when the status is not 0.
    gate = workflow_step("preview", "gate")
    assert gate["if"] == "steps.plan.outputs.status != '0'" and "exit 1" in gate["run"]
