"""A preview as a reviewer reads it: the Markdown PR comment of the GitOps pipeline.

Input is the engine's event stream of a ``preview`` (the Automation API's ``on_event``
objects, or the JSON lines ``pulumi preview --event-log FILE`` writes). The event stream is
used rather than ``preview --json`` because the JSON digest of pulumi v3.274 leaves policy
violations out ("we don't handle policy events in JSON serialization").

What the comment shows:

* per LicenseDistribution pool: units used/total before -> after, who gains, who loses (the
  ``plan`` the provider's check attaches to the inputs);
* meetings created, updated (which declared fields), replaced (why: host/siteUrl change or a
  series deleted outside Pulumi), deleted;
* other resources that change; policy violations (level, policy, resource, message); errors.

``python -m webex_iac plan-summary --stack dev --policy-pack policies --out plan.md`` runs the
preview and writes it (exit status 1 when the preview fails, e.g. on a mandatory violation).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

# (kind, name, pool index or None) -> where it is declared ("stacks/dev.yaml:12"), or None.
Sources = Callable[[str, str, "int | None"], "str | None"]

MARKER = "<!-- webex-iac-plan -->"  # the workflow updates the comment carrying it
MAX_CHARS = 60000  # GitHub refuses comments over 65536 characters
# Inputs that are bookkeeping, not declarations: never shown as "what changes" (`source`: the
# file:line releases up to 737dc3e stored in the inputs).
_IGNORED_INPUTS = {"source", "name", "stack", "plan", "live"}
_REPLACE_OPS = {"replace", "create-replacement", "delete-replaced", "discard-replaced"}
_COLOR = re.compile(r"<\{%[^%]*%\}>|\x1b\[[0-9;]*m")


@dataclass
class Step:
    urn: str
    type: str
    ops: list[str] = field(default_factory=list)
    old: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)
    diffs: list[str] = field(default_factory=list)
    replace_keys: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def kind(self) -> str:
        # The project's code (not installed): imported when used, from the project root.
        from resources import TYPE_PREFIX

        return self.type[len(TYPE_PREFIX) :] if self.type.startswith(TYPE_PREFIX) else self.type

    @property
    def op(self) -> str:
        if any(o in _REPLACE_OPS for o in self.ops):
            return "replace"
        for o in ("create", "update", "delete", "read", "refresh"):
            if o in self.ops:
                return o
        return self.ops[-1] if self.ops else "same"


@dataclass
class Violation:
    policy: str
    level: str
    urn: str
    message: str

    @property
    def resource(self) -> str:
        if not self.urn or "::pulumi:pulumi:Stack::" in self.urn:
            return "(stack)"  # a stack policy's finding about no one resource
        return self.urn.rsplit("::", 1)[-1]


@dataclass
class PlanData:
    steps: dict[str, Step] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)
    policy_packs: dict[str, str] = field(default_factory=dict)
    finished: bool = False


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def _inputs(state: Any) -> dict[str, Any]:
    if state is None:
        return {}
    inputs = state.get("inputs") if isinstance(state, dict) else getattr(state, "inputs", None)
    return dict(inputs or {})


def collect(events: Iterable[Any]) -> PlanData:
    """Fold engine events (EngineEvent objects or their JSON dicts) into a :class:`PlanData`."""
    from pulumi.automation import EngineEvent

    data = PlanData()
    seen_violations = set()
    for ev in events:
        if isinstance(ev, dict):
            ev = EngineEvent.from_json(ev)
        pre = ev.resource_pre_event
        if pre is not None and pre.metadata is not None:
            m = pre.metadata
            op = str(_plain(m.op))
            if str(m.type).startswith(("pulumi:pulumi:Stack", "pulumi:providers:")):
                continue
            step = data.steps.setdefault(m.urn, Step(m.urn, str(m.type)))
            step.ops.append(op)
            if m.old is not None and not step.old:
                step.old = _inputs(m.old)
            if m.new is not None and (op != "delete-replaced" or not step.new):
                step.new = _inputs(m.new)
            step.diffs = sorted(set(step.diffs) | set(m.diffs or []))
            step.replace_keys = sorted(set(step.replace_keys) | set(m.keys or [])) if op in _REPLACE_OPS else step.replace_keys
        pol = ev.policy_event
        if pol is not None:
            text = _COLOR.sub("", pol.message or "").strip()
            # pulumi-policy sends "<policy description>\n<message>"; the description is known.
            message = text.split("\n", 1)[1].strip() if "\n" in text else text
            key = (pol.policy_name, pol.resource_urn, message)
            if key not in seen_violations:
                seen_violations.add(key)
                data.violations.append(
                    Violation(pol.policy_name, str(_plain(pol.enforcement_level)).lower(), pol.resource_urn or "", message)
                )
        diag = ev.diagnostic_event
        if diag is not None and str(diag.severity) == "error" and not diag.ephemeral:
            text = _COLOR.sub("", (diag.prefix or "") + (diag.message or "")).strip()
            generic = re.fullmatch(r"(error: )?((preview|update) failed|Resource monitor has terminated, shutting down)", text)
            if text and not generic and text not in data.errors:
                where = (diag.urn or "").rsplit("::", 1)[-1]
                data.errors.append(f"{where}: {text}" if where else text)
        summary = ev.summary_event
        if summary is not None:
            data.finished = True
            data.changes = {str(_plain(k)): int(v) for k, v in (summary.resource_changes or {}).items()}
            data.policy_packs = dict(summary.policy_packs or {})
    return data


def read_event_log(path: str | Path) -> list[dict[str, Any]]:
    """The JSON lines of ``pulumi preview --event-log FILE``."""
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


# --- rendering -------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    text = str(value).replace("\r", " ").replace("\n", " ").strip()
    return text.replace("|", "\\|")


def _code(value: Any) -> str:
    return f"`{_cell(value)}`"


def _changed_fields(step: Step) -> list[str]:
    keys = (set(step.old) | set(step.new)) - _IGNORED_INPUTS
    return sorted(k for k in keys if not k.startswith("__") and step.old.get(k) != step.new.get(k))


def _names(text: str) -> str:
    return text or "—"


def _meeting_details(step: Step) -> str:
    n = step.new or step.old
    if step.op == "create":
        parts = [str(n.get("recurrence") or "one-off"), f"{n.get('durationMinutes', '?')} min", str(n.get("timezone") or "UTC")]
        inv = n.get("invitees") or []
        if inv:
            parts.append(f"{len(inv)} invitees")
        if n.get("adoptMeetingId"):
            parts.append(f"adopts {n['adoptMeetingId']}")
        return ", ".join(parts)
    if step.op == "replace":
        # A meeting cannot change host or site: those make a new series. Said from the inputs,
        # whatever key the provider named.
        why = [
            f"{k} {step.old.get(k)} → {step.new.get(k)}"
            for k in ("host", "siteUrl")
            if step.old and str(step.old.get(k) or "").lower() != str(step.new.get(k) or "").lower()
        ]
        if why:
            return f"{'; '.join(why)}: a new series (new meetingId and join link)"
        why = [k for k in step.replace_keys if k != "meetingId"]
        if why:
            return f"{', '.join(why)} changed: a new series (new meetingId and join link)"
        return "the series was deleted outside Pulumi: re-created (new meetingId and join link)"
    if step.op == "delete":
        return "the series is cancelled"
    changed = _changed_fields(step)
    return ", ".join(changed) if changed else "drift: the live meeting differs from the declaration; up restores it"


def stack_file_sources(project_dir: Path, stack: str) -> Sources | None:
    """Where each resource is declared, from the stack file (resource inputs carry no file:line)."""
    from .stack_file import load_stack_file

    rel = f"stacks/{stack}.yaml"
    try:
        return load_stack_file(Path(project_dir) / rel, display=rel).source_of
    except Exception:  # noqa: BLE001 - an unreadable file fails the preview itself, with its own message
        return None


def render_markdown(
    data: PlanData, stack: str, *, ok: bool | None = None, title: str | None = None, sources: Sources | None = None
) -> str:
    """The PR comment for one stack's preview; ``sources`` fills the "Declared at" cells."""

    def where(kind: str, name: str, pool: int | None = None) -> str:
        return (sources(kind, name, pool) if sources else None) or ""

    ok = (data.finished and not data.errors and not any(v.level == "mandatory" for v in data.violations)) if ok is None else ok
    out = [MARKER, f"## {title or f'webex-iac preview of stack `{stack}`'}", ""]
    mandatory = sum(1 for v in data.violations if v.level == "mandatory")
    advisory = sum(1 for v in data.violations if v.level == "advisory")
    if data.violations:
        icon = "❌" if mandatory else "⚠️"
        out.append(
            f"{icon} **Policy violations: {mandatory} mandatory, {advisory} advisory.**"
            + (" `up` is blocked until they are fixed." if mandatory else "")
        )
    elif data.policy_packs and ok:
        packs = sorted({f"{k.split('|', 1)[0]}@{v}" for k, v in data.policy_packs.items()})
        out.append("✅ **Every policy passes** (" + ", ".join(f"`{p}`" for p in packs) + ").")
    if not ok and not mandatory:
        out.append("❌ **The preview failed**; see the errors below.")
    counts = {k: v for k, v in data.changes.items() if v and k != "same"}
    labels = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to delete"}
    if counts:
        out.append("**Changes:** " + " · ".join(f"{v} {labels.get(k, k)}" for k, v in sorted(counts.items())))
    elif data.finished:
        out.append("**No changes:** the org matches the declaration.")
    out.append("")

    steps = [s for s in data.steps.values() if s.op != "same" or s.kind == "LicenseDistribution"]
    dists = [s for s in steps if s.kind == "LicenseDistribution"]
    rows, details = [], []
    for s in dists:
        plan = (s.new or {}).get("plan") or []
        if s.op == "delete":
            rows.append(f"| {_code(s.name)} (delete) | stops managing its pools; nobody's license changes | | | | |")
            continue
        if not plan and s.op != "same":
            rows.append(
                f"| {_code(s.name)} ({s.op}) | no plan: the provider refused the declaration (see below) "
                f"| | | | {_cell(where(s.kind, s.name, 0))} |"
            )
        for i, p in enumerate(plan if isinstance(plan, list) else []):
            gains, losses = int(p.get("gains") or 0), int(p.get("losses") or 0)
            if not (gains or losses) and s.op != "create":
                continue
            rows.append(
                f"| {_code(s.name)} ({s.op}) | {_cell(p.get('pool'))} | "
                f"{_cell(str(p.get('units', '?')).replace('->', '→'))} | +{gains} | −{losses} | "
                f"{_cell(where(s.kind, s.name, i))} |"
            )
            if gains or losses:
                details.append(
                    f"<details><summary><code>{_cell(s.name)}</code> · {_cell(p.get('pool'))}: "
                    f"{gains} gain, {losses} lose</summary>\n\n"
                    f"**Gain ({gains}):** {_names(_cell(p.get('gainers')))}\n\n"
                    f"**Lose ({losses}):** {_names(_cell(p.get('losers')))}\n\n</details>"
                )
    if dists:
        out.append("### Licenses")
        if rows:
            out += [
                "| Distribution | Pool | Units used/total | Gains | Losses | Declared at |",
                "|---|---|---|---|---|---|",
                *rows,
                "",
                *details,
                "",
            ]
        else:
            out += ["No license changes.", ""]

    meetings = [s for s in steps if s.kind == "StandingMeeting" and s.op != "same"]
    if meetings:
        out += ["### Meetings", "| Meeting | Change | Host · site | Details | Declared at |", "|---|---|---|---|---|"]
        order = {"create": 0, "replace": 1, "update": 2, "delete": 3}
        for s in sorted(meetings, key=lambda s: (order.get(s.op, 9), s.name)):
            n = s.new or s.old
            out.append(
                f"| {_code(s.name)} | {s.op} | {_cell(n.get('host', '?'))} · {_cell(n.get('siteUrl', '?'))} | "
                f"{_cell(_meeting_details(s))} | {_cell(where(s.kind, s.name))} |"
            )
        out.append("")

    others = [s for s in steps if s.kind not in ("StandingMeeting", "LicenseDistribution") and s.op != "same"]
    if others:
        out += ["### Other resources", "| Resource | Kind | Change | Details |", "|---|---|---|---|"]
        for s in sorted(others, key=lambda s: (s.kind, s.name)):
            detail = ", ".join(_changed_fields(s)) if s.op == "update" else ""
            if s.op == "replace":
                detail = "replaced: " + ", ".join(s.replace_keys)
            out.append(f"| {_code(s.name)} | {s.kind} | {s.op} | {_cell(detail or where(s.kind, s.name))} |")
        out.append("")

    if data.violations:
        out += ["### Policy violations", "| Level | Policy | Resource | Violation |", "|---|---|---|---|"]
        for v in sorted(data.violations, key=lambda v: (v.level != "mandatory", v.policy, v.resource)):
            out.append(f"| {v.level} | {_code(v.policy)} | {_code(v.resource)} | {_cell(v.message)} |")
        out.append("")
    if data.errors:
        out += ["### Errors", *[f"- {_cell(e)}" for e in data.errors], ""]

    text = "\n".join(out).rstrip() + "\n"
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit("\n", 1)[0] + "\n\n… (truncated: the full plan is in the job log)\n"
    return text


def preview_markdown(
    stack_obj,
    stack: str,
    policy_packs: list[str] | None = None,
    policy_pack_configs: list[str] | None = None,
    on_output: Callable[[str], None] | None = None,
) -> tuple[str, bool]:
    """Run a preview of ``stack_obj`` (an Automation API stack) and render it: (markdown, ok)."""
    from pulumi.automation.errors import CommandError

    events: list[Any] = []
    ok = True
    try:
        stack_obj.preview(
            policy_packs=policy_packs or None,
            policy_pack_configs=policy_pack_configs or None,
            on_event=events.append,
            on_output=on_output,
            color="never",
        )
    except CommandError:
        ok = False
    sources = stack_file_sources(Path(stack_obj.workspace.work_dir), stack)
    return render_markdown(collect(events), stack, ok=ok, sources=sources), ok
