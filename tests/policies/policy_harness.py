"""Run previews with the policy pack through the real engine and read what it reported."""
from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from pulumi import automation as auto

from webex_iac import engine, plan_summary
from webex_iac.engine import REPO_ROOT

PACK_DIR = REPO_ROOT / "policies"
SAMPLE_APP_CLIENT_ID = "C0ffee00000000000000000000000000000000000000000000000000000000001"
SAMPLE_APP_ID = "Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL0MwZmZlZTAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAx"


@dataclass
class Outcome:
    ok: bool
    data: plan_summary.PlanData
    output: str

    @property
    def violations(self) -> list[plan_summary.Violation]:
        return self.data.violations

    def of(self, policy: str) -> list[plan_summary.Violation]:
        return [v for v in self.violations if v.policy == policy]

    def messages(self, policy: str) -> str:
        return "\n".join(v.message for v in self.of(policy))


def line_of(stack_text: str, needle: str) -> int:
    """1-based line of ``needle`` in the file WebexStack.write makes of ``stack_text``
    (it prepends one schema comment line)."""
    lines = textwrap.dedent(stack_text).splitlines()
    hits = [i for i, line in enumerate(lines) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on {len(hits)} lines"
    return hits[0] + 2


def preview(ws, stack_text: str | None, *, policy_config: dict[str, Any] | None = None,
            program: Callable[[], None] | None = None, tmp: Path | None = None) -> Outcome:
    """Write the stack file, preview with the pack (and a policy-pack config file), collect."""
    if stack_text is not None:
        ws.write(stack_text)
    configs = None
    if policy_config is not None:
        path = (tmp or ws.root) / "policy-config.json"
        path.write_text(json.dumps(policy_config))
        configs = [str(path)]
    stack = ws.stack if program is None else engine.open_stack(ws.name, program, ws.settings)
    events: list[Any] = []
    lines: list[str] = []
    try:
        stack.preview(policy_packs=[str(PACK_DIR)], policy_pack_configs=configs,
                      on_event=events.append, on_output=lines.append, color="never")
        ok = True
    except auto.errors.CommandError as e:
        ok = False
        lines.append(str(e))
    out = "".join(lines)
    print(out)
    return Outcome(ok, plan_summary.collect(events), out)


def holders_yaml(emails: list[str], indent: int = 10) -> str:
    pad = " " * indent
    return "\n".join(f"{pad}- {e}" for e in sorted(emails))
