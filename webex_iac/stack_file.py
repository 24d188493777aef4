"""The desired state of a stack: ``stacks/<stack>.yaml``, validated before any API call.

Errors name the file, line, column and field, e.g.::

    stacks/dev.yaml:42:9: licenses.meeting-hosts.pools[0].users[3]: 'bob@' is not an email address

The schema is published as JSON Schema (``schema/stack.schema.json``, generated from these
models by ``make schema``) so editors validate and complete the files.

How a file is read (safe by default, issue 15; fast, issue 14):

1. Bytes: at most ``MAX_FILE_BYTES``; UTF-8 only (a UTF-16/32 file, a stray 0xFF byte or a NUL
   is reported with its line and column, never a traceback).
2. One pass over libyaml's *event* stream (C parser, no objects built) refuses what could make
   the load explode or lie: aliases (``*ref``: an alias bomb of 499 bytes expands to gigabytes,
   so stack files simply write values out), merge keys (``<<``), duplicate keys, nesting deeper
   than ``MAX_DEPTH`` and scalars longer than ``MAX_SCALAR_CHARS``. The same pass records
   where each declaration starts, for ``source`` and for error positions.
3. libyaml's C loader builds plain Python data (an impossible timestamp such as ``2027-02-30``
   stays text, so it is a located validation error instead of a crash), and pydantic validates it.
4. Only when there are errors is the event stream walked again recording every position, to
   point each error at its line. The round-trip loader (ruamel, pure Python, ~10× slower) is
   no longer on the load path at all: positions come from the same C parser that read the file.

A file that declares nothing (empty, or none of ``sites``, ``serviceApps``, ``licenses``,
``meetings``) is refused: applying it would delete everything the stack manages. Emptying a
stack on purpose is written out: ``meetings: {}`` etc. ``protect: true`` on any resource makes
Pulumi refuse to delete or replace it (Pulumi's ``protect`` resource option).
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, PrivateAttr, ValidationError
from ruamel.yaml import YAML

from resources import LicenseDistributionArgs, MeetingSiteArgs, ServiceAppArgs, StandingMeetingArgs
from resources import Model

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "stack.schema.json"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

SECTIONS = ("sites", "serviceApps", "licenses", "meetings")
MAX_FILE_BYTES = 64 * 1024 * 1024  # a 100,000-user org is ~6 MB; 10x headroom
MAX_DEPTH = 32  # the deepest real declaration is 6 levels
MAX_SCALAR_CHARS = 10_000  # the longest field Webex takes (agenda) is 1,300
MAX_ERRORS = 50  # listed; the rest are counted
EARLIEST_START = datetime(2015, 1, 1)  # before the Webex meetings API existed: a typo

_PROTECT = Field(
    default=None,
    description=(
        "Pulumi's `protect` resource option: while true, Pulumi refuses to delete or replace this "
        "resource (set it to false, run up, then remove the declaration)."
    ),
)


class _Declared:
    """Stack-file-only keys of a declaration; never part of the resource's inputs.

    ``source`` (where it is declared, ``stacks/dev.yaml:12``) is for messages: the policy pack
    and ``plan-summary`` read it from the stack file they load. It is a private attribute, not
    a field: it never enters the resource's inputs or state (a line number would move with
    every edit above it) and cannot be written in the file.
    """

    _source: str | None

    @property
    def source(self) -> str | None:
        return self._source

    def to_props(self) -> dict[str, Any]:
        props = super().to_props()  # type: ignore[misc]
        props.pop("protect", None)
        return props


class DeclaredSite(_Declared, MeetingSiteArgs):
    """A meeting site as declared in a stack file (MeetingSite inputs, plus `protect`)."""

    protect: bool | None = _PROTECT
    _source: str | None = PrivateAttr(default=None)


class DeclaredServiceApp(_Declared, ServiceAppArgs):
    """A Service App as declared in a stack file (ServiceApp inputs, plus `protect`)."""

    protect: bool | None = _PROTECT
    _source: str | None = PrivateAttr(default=None)


class DeclaredDistribution(_Declared, LicenseDistributionArgs):
    """A license distribution as declared in a stack file (LicenseDistribution inputs, plus `protect`).

    ``source`` is where its first pool is declared; ``pool_sources[i]`` where pool ``i`` is."""

    protect: bool | None = _PROTECT
    _source: str | None = PrivateAttr(default=None)
    _pool_sources: list[str] = PrivateAttr(default_factory=list)

    @property
    def pool_sources(self) -> list[str]:
        return self._pool_sources


class DeclaredMeeting(_Declared, StandingMeetingArgs):
    """A standing meeting as declared in a stack file (StandingMeeting inputs, plus `protect`)."""

    protect: bool | None = _PROTECT
    _source: str | None = PrivateAttr(default=None)


class PolicySettings(Model):
    """Per-stack overrides the policy pack reads (explicit, reviewed in the PR)."""

    max_license_removals: int | None = Field(
        default=None, ge=0, description="Licenses this change may remove (change-size-guard), up to the pack config's ceiling."
    )
    max_meeting_deletions: int | None = Field(
        default=None,
        ge=0,
        description="Meeting series this change may delete or replace (deletion-limit), up to the pack config's ceiling.",
    )
    protected_users: list[str] = Field(default_factory=list)
    protected_groups: list[str] = Field(default_factory=list)


class StackFile(Model):
    """A stack's Webex org: what the platform team declares and reviews."""

    description: str | None = Field(default=None, max_length=2000)
    sites: dict[str, DeclaredSite] = Field(default_factory=dict, description="Adopted meeting sites, by resource name.")
    service_apps: dict[str, DeclaredServiceApp] = Field(default_factory=dict)
    licenses: dict[str, DeclaredDistribution] = Field(default_factory=dict, description="License distributions, by name.")
    meetings: dict[str, DeclaredMeeting] = Field(default_factory=dict, description="Standing meetings, by name.")
    policy: PolicySettings = Field(default_factory=PolicySettings)

    def declaration(self, kind: str, name: str) -> "_Declared | None":
        """The declaration of resource ``name`` of ``kind`` (``MeetingSite`` …), if any."""
        return getattr(self, SECTION_OF_KIND[kind]).get(name) if kind in SECTION_OF_KIND else None

    def source_of(self, kind: str, name: str, pool: int | None = None) -> str | None:
        """Where a resource (or pool ``pool`` of a distribution) is declared: ``stacks/x.yaml:12``."""
        decl = self.declaration(kind, name)
        if decl is None:
            return None
        if pool is not None and isinstance(decl, DeclaredDistribution):
            return decl.pool_sources[pool] if 0 <= pool < len(decl.pool_sources) else None
        return decl.source


#: Resource kind -> the StackFile attribute that declares it.
SECTION_OF_KIND = {
    "MeetingSite": "sites",
    "ServiceApp": "service_apps",
    "LicenseDistribution": "licenses",
    "StandingMeeting": "meetings",
}


Problem = tuple[int | None, int | None, str, str]


class StackFileError(ValueError):
    """The stack file is invalid; ``str()`` lists every problem as file:line:col: field: message.

    At most ``MAX_ERRORS`` are listed, then how many more there are.
    """

    def __init__(self, path: str, problems: list[Problem]):
        self.path = path
        self.problems = problems
        lines = []
        for line, col, field, msg in problems[:MAX_ERRORS]:
            where = f"{path}:{line}:{col}" if line is not None else f"{path}:1:1"
            lines.append(f"{where}: {field}: {msg}" if field else f"{where}: {msg}")
        if len(problems) > MAX_ERRORS:
            lines.append(
                f"{path}: ... and {len(problems) - MAX_ERRORS} more problems "
                f"({len(problems)} in all; the first {MAX_ERRORS} are listed)"
            )
        super().__init__("\n".join(lines))


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --- bytes -----------------------------------------------------------------------------------

_BOMS = ((b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"), (b"\xfe\xff", "UTF-16"), (b"\xff\xfe", "UTF-16"))
# What YAML 1.2 does not allow in a stream (besides surrogates, which UTF-8 decoding refuses).
_NON_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def _line_col(text: str | bytes, index: int) -> tuple[int, int]:
    if isinstance(text, str):
        line, start = text.count("\n", 0, index) + 1, text.rfind("\n", 0, index) + 1
    else:
        line, start = text.count(b"\n", 0, index) + 1, text.rfind(b"\n", 0, index) + 1
    return line, index - start + 1


def _decode(raw: bytes) -> tuple[str | None, list[Problem]]:
    if len(raw) > MAX_FILE_BYTES:
        return None, [
            (1, 1, "", f"the file is {len(raw) / 1e6:.1f} MB; stack files are limited to {MAX_FILE_BYTES // (1024 * 1024)} MB")
        ]
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return None, [(1, 1, "", f"the file is {name}; save it as UTF-8")]
    if raw[:2].count(0) == 1:  # UTF-16 without a byte-order mark: every other byte is 0
        return None, [(1, 1, "", "the file looks like UTF-16 (NUL bytes); save it as UTF-8")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line, col = _line_col(raw, e.start)
        return None, [(line, col, "", f"byte 0x{raw[e.start]:02X} is not valid UTF-8; save the file as UTF-8")]
    text = text.removeprefix("\ufeff")
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line, col = _line_col(text, bad.start())
        name = "a NUL byte" if bad.group() == "\x00" else f"control character U+{ord(bad.group()):04X}"
        return None, [(line, col, "", f"{name} is not allowed in a YAML file")]
    return text, []


# --- the event pass --------------------------------------------------------------------------

_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FastLoader(_YamlLoader):  # type: ignore[misc, valid-type]
    """libyaml's safe loader; a timestamp that is no real date stays text (see below)."""


def _timestamp(loader: Any, node: Any) -> Any:
    # `2027-02-30` made YAML loaders raise with no position; as text, pydantic reports it at
    # its line. Real dates and times are built as YAML defines them (`2027-1-4 9:30:00` too).
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_FastLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)

Path_ = tuple[Any, ...]


class _Scan:
    """Walks the event stream once: refuses aliases, merge keys, duplicate keys, deep nesting
    and huge scalars, and records positions (1-based line, col) of keys and items.

    Positions are recorded for the top four levels (enough for the ``source`` of sites, apps,
    meetings and pools) and for the paths in ``wanted`` (the errors to locate).
    """

    def __init__(self, wanted: set[Path_] | None = None) -> None:
        self.wanted = wanted or set()  # paths as tuples of str
        self.key_pos: dict[Path_, tuple[int, int]] = {}  # where a key (or a seq item) is
        self.node_pos: dict[Path_, tuple[int, int]] = {}  # where a value node starts
        self.problems: list[Problem] = []
        self.documents = 0

    def _add(self, mark: Any, path: Path_, msg: str) -> None:
        self.problems.append((mark.line + 1, mark.column + 1, _field_path(path), msg))

    def run(self, text: str) -> None:
        # Frames: [is_map, path, expecting_key, current_key, seen_keys | next_index]
        stack: list[list[Any]] = []
        wanted = self.wanted
        for ev in yaml.parse(text, Loader=_YamlLoader):
            if isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
                if stack and stack[-1][0]:
                    stack[-1][2] = True
                continue
            if isinstance(ev, yaml.DocumentStartEvent):
                self.documents += 1
                if self.documents == 2:
                    self._add(ev.start_mark, (), "a stack file holds one YAML document; remove the second '---'")
                    return
                continue
            if not isinstance(ev, yaml.NodeEvent):
                continue
            if isinstance(ev, yaml.AliasEvent):
                top = stack[-1] if stack else None
                path: Path_ = (
                    () if top is None else top[1] + ((top[3],) if top[0] and not top[2] else (top[4],) if not top[0] else ())
                )
                self._add(ev.start_mark, path, f"YAML aliases (*{ev.anchor}) are not allowed in stack files; write the value out")
                return  # stop before anything could expand
            mark = ev.start_mark
            assert mark is not None  # the parser marks every event; the stubs allow None
            pos = (mark.line + 1, mark.column + 1)
            # Where is this node?
            if not stack:
                path = ()
                self.node_pos[()] = pos
                self.key_pos[()] = pos
            else:
                top = stack[-1]
                if top[0]:
                    if top[2]:  # a key
                        if not isinstance(ev, yaml.ScalarEvent):
                            self._add(mark, top[1], "complex (non-text) mapping keys are not allowed")
                            return
                        key = ev.value
                        # Plain or tagged !!merge; a quoted '<<' is an ordinary key.
                        if key == "<<" and (ev.implicit[0] or ev.tag == "tag:yaml.org,2002:merge"):
                            self._add(mark, top[1], "YAML merge keys (<<) are not allowed in stack files; write the keys out")
                            return
                        kpath = top[1] + (key,)
                        seen = top[4]
                        if key in seen:
                            self._add(mark, kpath, f"duplicate key {key!r} (first at line {seen[key]})")
                        else:
                            seen[key] = pos[0]
                        if len(kpath) <= 4 or tuple(map(str, kpath)) in wanted:
                            self.key_pos.setdefault(kpath, pos)
                        top[2], top[3] = False, key
                        continue
                    path = top[1] + (top[3],)
                    top[2] = True
                else:
                    path = top[1] + (top[4],)
                    top[4] += 1
                    if len(path) <= 4 or tuple(map(str, path)) in wanted:
                        self.key_pos[path] = pos
                if len(path) <= 4 or tuple(map(str, path)) in wanted:
                    self.node_pos.setdefault(path, pos)
            if isinstance(ev, yaml.ScalarEvent):
                if len(ev.value) > MAX_SCALAR_CHARS:
                    self._add(
                        mark,
                        path,
                        f"{len(ev.value):,} characters is far too long for any field (the limit is {MAX_SCALAR_CHARS:,})",
                    )
                continue
            if len(stack) >= MAX_DEPTH:
                self._add(mark, path, f"nested more than {MAX_DEPTH} levels deep; no declaration is")
                return
            is_map = isinstance(ev, yaml.MappingStartEvent)
            stack.append([is_map, path, True, None, {} if is_map else 0])

    def position(self, loc: tuple[Any, ...]) -> tuple[int | None, int | None]:
        """Position of the deepest part of ``loc`` that exists in the file."""
        path: Path_ = ()
        best = self.key_pos.get((), (1, 1))
        for part in loc:
            for cand in (part, str(part)):
                if path + (cand,) in self.key_pos:
                    path = path + (cand,)
                    best = self.key_pos[path]
                    break
            else:
                break
        return best


def _scan(text: str, wanted: set[Path_] | None = None) -> _Scan:
    scan = _Scan(wanted)
    scan.run(text)
    return scan


def _yaml_problem(e: yaml.YAMLError) -> Problem:
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e)
    if isinstance(e, yaml.reader.ReaderError):
        return (None, None, "", f"YAML: {e.reason}")
    if mark is None:
        return (None, None, "", f"YAML syntax: {problem}")
    return (mark.line + 1, mark.column + 1, "", f"YAML syntax: {problem}")


# --- checks pydantic cannot do ---------------------------------------------------------------


def _raw_checks(data: dict[str, Any]) -> list[tuple[Path_, str]]:
    """Names, duplicates: on the data as written, so each points at its own line."""
    out: list[tuple[Path_, str]] = []
    for section in SECTIONS:
        items = data.get(section)
        if not isinstance(items, dict):
            continue
        for name in items:
            if not isinstance(name, str) or not _NAME.match(name):
                out.append(
                    (
                        (section, name),
                        f"{name!r}: resource names are lower-case letters, digits and '-' "
                        "(at most 63, starting with a letter or digit)",
                    )
                )
    for dname, dist in (data.get("licenses") or {}).items() if isinstance(data.get("licenses"), dict) else ():
        pools = dist.get("pools") if isinstance(dist, dict) else None
        for i, pool in enumerate(pools if isinstance(pools, list) else []):
            if not isinstance(pool, dict):
                continue
            for key in ("users", "groups"):
                seen: dict[str, int] = {}
                listed = pool.get(key)
                for j, item in enumerate(listed if isinstance(listed, list) else []):
                    if not isinstance(item, str):
                        continue
                    norm = item.strip().lower()
                    if norm in seen:
                        out.append(
                            (
                                ("licenses", dname, "pools", i, key, j),
                                f"{item!r} is listed twice in this pool (first as {key}[{seen[norm]}])",
                            )
                        )
                    else:
                        seen[norm] = j
    return out


def _model_checks(sf: StackFile, now: datetime) -> list[tuple[Path_, str]]:
    out: list[tuple[Path_, str]] = []
    owners: dict[str, str] = {}
    for dist_name, dist in sf.licenses.items():
        for i, pool in enumerate(dist.pools):
            key = pool.license.model_dump_json()
            if key in owners and owners[key] != dist_name:
                out.append(
                    (
                        ("licenses", dist_name, "pools", i, "license"),
                        f"license {pool.license.describe()} is in both distributions {owners[key]!r} and {dist_name!r}",
                    )
                )
            owners.setdefault(key, dist_name)
    for name, m in sf.meetings.items():
        start = m.start.replace(tzinfo=None) if m.start.tzinfo is None else m.start.astimezone(timezone.utc).replace(tzinfo=None)
        if start < EARLIEST_START:
            out.append(
                (
                    ("meetings", name, "start"),
                    f"{m.start.isoformat()} is before {EARLIEST_START.year}: not a date a meeting can start on",
                )
            )
        elif not m.recurrence and not m.adopt_meeting_id and start + timedelta(minutes=m.duration_minutes) < now:
            out.append(
                (
                    ("meetings", name, "start"),
                    f"this one-off meeting starting {m.start.isoformat()} is over; move it forward or remove the declaration",
                )
            )
    return out


# --- the loader ------------------------------------------------------------------------------


def _nothing_declared(shown: str) -> StackFileError:
    return StackFileError(
        shown,
        [
            (
                1,
                1,
                "",
                (
                    "the file declares nothing (none of sites, serviceApps, licenses, meetings). Applying it "
                    "would delete every resource this stack manages, so it is refused: a truncated file, a bad "
                    "merge or a wrong stack name looks exactly like this. To really empty the stack, declare the "
                    "sections explicitly empty:  sites: {}  serviceApps: {}  licenses: {}  meetings: {}"
                ),
            )
        ],
    )


def load_stack_file(
    path: str | Path, display: str | None = None, *, allow_empty: bool = False, now: datetime | None = None
) -> StackFile:
    """Parse and validate; raise :class:`StackFileError` naming file, line, column and field.

    ``allow_empty``: accept a file that declares nothing (discover reads such files; the
    program never does).
    """
    path = Path(path)
    shown = display or str(path)
    now = now or datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(hours=14)  # any timezone's today
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise StackFileError(shown, [(None, None, "", f"cannot read the file: {e.strerror or e}")]) from None
    text, problems = _decode(raw)
    if text is None:
        raise StackFileError(shown, problems)
    try:
        scan = _scan(text)
    except yaml.YAMLError as e:
        raise StackFileError(shown, [_yaml_problem(e)]) from None
    if scan.problems:
        raise StackFileError(shown, scan.problems)
    try:
        data = yaml.load(text, Loader=_FastLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as e:
        raise StackFileError(shown, [_yaml_problem(e)]) from None
    except (ValueError, TypeError, OverflowError) as e:  # e.g. an explicit !!int abc
        raise StackFileError(shown, [(None, None, "", f"YAML value: {e}")]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise StackFileError(shown, [(1, 1, "", "the file must be a mapping (sites, serviceApps, licenses, meetings)")])
    if not allow_empty and not any(s in data for s in SECTIONS):
        raise _nothing_declared(shown)

    located: list[tuple[Path_, str]] = _raw_checks(data)
    model = None
    try:
        model = StackFile.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            located.append((tuple(err["loc"]), err["msg"].removeprefix("Value error, ")))
    if model is not None and not located:
        located = _model_checks(model, now)
    if located:
        # A second pass, only now that positions are needed, and only for the listed errors.
        wanted = {tuple(map(str, loc[:i])) for loc, _ in located[:MAX_ERRORS] for i in range(len(loc) + 1)}
        full = _scan(text, wanted)
        problems = []
        for i, (loc, msg) in enumerate(located):
            # Only the listed ones need a position (140,000 unknown users must stay cheap).
            line, col = full.position(loc) if i < MAX_ERRORS else (None, None)
            problems.append((line, col, _field_path(loc), msg))
        raise StackFileError(shown, problems)
    assert model is not None
    _annotate_sources(model, scan, shown)
    return model


def _annotate_sources(sf: StackFile, scan: _Scan, rel: str) -> None:
    """Record where each pool, meeting, site and app was declared, for errors and policies."""

    def line_of(path: Path_) -> int:
        return scan.node_pos.get(path, (0, 0))[0]

    for section, items in (("sites", sf.sites), ("serviceApps", sf.service_apps), ("meetings", sf.meetings)):
        for name, item in items.items():
            item._source = f"{rel}:{line_of((section, name))}"
    for dname, dist in sf.licenses.items():
        dist._pool_sources = [f"{rel}:{line_of(('licenses', dname, 'pools', i))}" for i in range(len(dist.pools))]
        dist._source = dist._pool_sources[0] if dist._pool_sources else f"{rel}:{line_of(('licenses', dname))}"


def protected(sf: StackFile) -> set[str]:
    """``kind/name`` of every declaration with ``protect: true``."""
    out: set[str] = set()
    for section, items in (
        ("sites", sf.sites),
        ("serviceApps", sf.service_apps),
        ("licenses", sf.licenses),
        ("meetings", sf.meetings),
    ):
        out.update(f"{section}/{name}" for name, item in items.items() if item.protect)
    return out


def json_schema() -> dict[str, Any]:
    schema = StackFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://webex-iac.invalid/schema/stack.schema.json"
    schema["title"] = "webex-iac stack file (stacks/<stack>.yaml)"
    return schema


def write_json_schema(path: Path = SCHEMA_PATH) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n")


def dumps(data: Any) -> str:
    buf = io.StringIO()
    YAML(typ="rt").dump(data, buf)
    return buf.getvalue()
