"""The desired state of a stack: ``stacks/<stack>.yaml``, validated before any API call.

Errors name the file, line, column and field (ruamel.yaml keeps positions), e.g.::

    stacks/dev.yaml:42:9: licenses.meeting-hosts.pools[0].users[3]: 'bob@' is not an email address

The schema is published as JSON Schema (``schema/stack.schema.json``, generated from these
models by ``make schema``) so editors validate and complete the files.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from resources import LicenseDistributionArgs, MeetingSiteArgs, ServiceAppArgs, StandingMeetingArgs
from resources._common import Model

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "stack.schema.json"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class PolicySettings(Model):
    """Per-stack overrides the policy pack reads (explicit, reviewed in the PR)."""

    max_license_removals: int | None = Field(default=None, ge=0, description="Override of the change-size guard.")
    protected_users: list[str] = Field(default_factory=list)
    protected_groups: list[str] = Field(default_factory=list)


class StackFile(Model):
    """A stack's Webex org: what the platform team declares and reviews."""

    description: str | None = None
    sites: dict[str, MeetingSiteArgs] = Field(default_factory=dict, description="Adopted meeting sites, by resource name.")
    service_apps: dict[str, ServiceAppArgs] = Field(default_factory=dict)
    licenses: dict[str, LicenseDistributionArgs] = Field(default_factory=dict, description="License distributions, by name.")
    meetings: dict[str, StandingMeetingArgs] = Field(default_factory=dict, description="Standing meetings, by name.")
    policy: PolicySettings = Field(default_factory=PolicySettings)

    @model_validator(mode="after")
    def _names_and_pools(self) -> "StackFile":
        for section in ("sites", "service_apps", "licenses", "meetings"):
            for name in getattr(self, section):
                if not _NAME.match(name):
                    raise ValueError(f"{name!r}: resource names are lower-case letters, digits and '-'")
        owners: dict[str, str] = {}
        for dist_name, dist in self.licenses.items():
            for pool in dist.pools:
                key = pool.license.model_dump_json(exclude={"source"})
                if key in owners and owners[key] != dist_name:
                    raise ValueError(
                        f"license {pool.license.describe()} is in both distributions {owners[key]!r} and {dist_name!r}"
                    )
                owners[key] = dist_name
        return self


class StackFileError(ValueError):
    """The stack file is invalid; ``str()`` lists every problem as file:line:col: field: message."""

    def __init__(self, path: str, problems: list[tuple[int | None, int | None, str, str]]):
        self.path = path
        self.problems = problems
        lines = []
        for line, col, field, msg in problems:
            where = f"{path}:{line}:{col}" if line is not None else path
            lines.append(f"{where}: {field}: {msg}" if field else f"{where}: {msg}")
        super().__init__("\n".join(lines))


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _position(data: Any, loc: tuple[Any, ...]) -> tuple[int | None, int | None]:
    """1-based line and column of the deepest node of ``loc`` that exists in the YAML."""
    node, pos = data, (getattr(getattr(data, "lc", None), "line", None), getattr(getattr(data, "lc", None), "col", None))
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            pos = node.lc.key(part)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            pos = node.lc.item(part)
            node = node[part]
        else:
            break
    line, col = pos
    return (line + 1 if line is not None else None, col + 1 if col is not None else None)


def _snake_to_camel_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # pydantic reports aliases for aliased fields already; keep as is.
    return loc


def _annotate_sources(data: CommentedMap, rel: str) -> None:
    """Record where each pool, meeting, site and app was declared, for errors and policies."""
    def line_of(m: Any) -> int:
        return m.lc.line + 1 if hasattr(m, "lc") else 0

    for section in ("sites", "serviceApps", "meetings"):
        for _, item in (data.get(section) or {}).items():
            if isinstance(item, CommentedMap):
                item["source"] = f"{rel}:{line_of(item)}"
    for _, dist in (data.get("licenses") or {}).items():
        if isinstance(dist, CommentedMap):
            for pool in dist.get("pools") or []:
                if isinstance(pool, CommentedMap):
                    pool["source"] = f"{rel}:{line_of(pool)}"


def load_stack_file(path: str | Path, display: str | None = None) -> StackFile:
    """Parse and validate; raise :class:`StackFileError` naming file, line, column and field."""
    path = Path(path)
    shown = display or str(path)
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(path.read_text())
    except MarkedYAMLError as e:
        mark = e.problem_mark
        raise StackFileError(shown, [(mark.line + 1 if mark else None, mark.column + 1 if mark else None, "",
                                      f"YAML syntax: {e.problem}")]) from None
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise StackFileError(shown, [(1, 1, "", "the file must be a mapping (sites, serviceApps, licenses, meetings)")])
    # Validate the file exactly as written first, so positions point at the user's text.
    try:
        StackFile.model_validate(json.loads(json.dumps(data, default=str)))
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = tuple(err["loc"])
            line, col = _position(data, loc)
            msg = err["msg"].removeprefix("Value error, ")
            problems.append((line, col, _field_path(loc), msg))
        raise StackFileError(shown, problems) from None
    _annotate_sources(data, shown)
    return StackFile.model_validate(json.loads(json.dumps(data, default=str)))


def json_schema() -> dict[str, Any]:
    schema = StackFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://webex-iac.invalid/schema/stack.schema.json"
    schema["title"] = "webex-iac stack file (stacks/<stack>.yaml)"
    return schema


def write_json_schema(path: Path = SCHEMA_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n")


def dumps(data: Any) -> str:
    buf = io.StringIO()
    YAML(typ="rt").dump(data, buf)
    return buf.getvalue()
