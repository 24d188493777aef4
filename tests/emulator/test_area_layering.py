"""The emulator in moto's shape (issue 16 item 5), checked on the source.

Per API area (``webex_emulator/areas/<area>/``) a backend owns the SQL and the rules; route modules
(every module that declares ``@router`` handlers) only parse the request, call backends and
render. Areas reach each other through backends, never through each other's tables. And
``webex_emulator/deviations.py`` holds only constants that the emulator reads.

The checks read the source (ast), so they cost no emulator start.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EMULATOR = REPO / "webex_emulator"
AREAS = EMULATOR / "areas"
ROUTES_MAX_LINES = 400

#: Tables of the core schema (webex_emulator/core/state.py) whose API an area implements: only that
#: area's backend touches them. The other core tables (tokens, service apps, meta) are core's.
CORE_TABLES_OF_AREAS = {"people": "people", "orgs": "organizations"}
EXECUTE_METHODS = {"execute", "executemany", "executescript"}
#: SQL keywords are upper case in this code base; prose ("from the") never matches.
TABLE_REF = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|EXISTS)\s+\"?([A-Za-z_][A-Za-z0-9_]*)")
CREATE_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS\s+([A-Za-z_][A-Za-z0-9_]*)")


def _areas() -> list[str]:
    return sorted(p.name for p in AREAS.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def _modules(area: str) -> list[Path]:
    return sorted((AREAS / area).rglob("*.py"))


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _strings(tree: ast.AST) -> list[str]:
    """String literals, f-strings as their literal parts joined (so "FROM {table}" keeps FROM)."""
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            out.append("".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else " " for v in node.values))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append(node.value)
    return out


@functools.cache
def _owned_tables() -> dict[str, str]:
    """table -> owning area, from each area's ``CREATE TABLE`` statements."""
    owners = dict(CORE_TABLES_OF_AREAS)
    for area in _areas():
        for path in _modules(area):
            for text in _strings(_tree(path)):
                for table in CREATE_TABLE.findall(text):
                    owners[table] = area
    return owners


def _tables_named(path: Path, known: set[str]) -> set[str]:
    return {t for text in _strings(_tree(path)) for t in TABLE_REF.findall(text) if t in known}


def _is_route_module(path: Path) -> bool:
    if path.name == "routes.py":
        return True
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "router":
                    return True
    return False


def _route_modules() -> list[Path]:
    return [p for area in _areas() for p in _modules(area) if _is_route_module(p)]


def test_the_checks_see_the_areas_and_their_tables() -> None:
    """Guards the checks below against passing vacuously (a renamed folder, a broken regex)."""
    owners = _owned_tables()
    assert {"people", "licenses", "groups", "meetings", "sites"} <= set(_areas())
    assert owners["license_assignments"] == "licenses"
    assert owners["meeting_series"] == "meetings"
    assert owners["groups_"] == "groups"
    assert owners["site_settings"] == "sites"
    routes = {p.relative_to(AREAS).as_posix() for p in _route_modules()}
    assert {"people/routes.py", "meetings/routes.py", "meetings/invitees.py"} <= routes


@pytest.mark.parametrize("path", _route_modules(), ids=lambda p: p.relative_to(AREAS).as_posix())
def test_route_modules_run_no_sql_they_call_the_backend(path: Path) -> None:
    tree = _tree(path)
    calls = [
        f"line {node.lineno}: .{node.func.attr}(...)"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in EXECUTE_METHODS
    ]
    tables = _tables_named(path, set(_owned_tables()))
    assert not calls and not tables, (
        f"{path.relative_to(REPO)} runs SQL ({'; '.join(calls)}) or names tables {sorted(tables)}: "
        "move the statement into the area's backend (model.py/store.py) and call it"
    )


@pytest.mark.parametrize("area", _areas())
def test_an_area_names_only_its_own_tables_and_calls_other_areas_backends(area: str) -> None:
    owners = _owned_tables()
    foreign = {
        f"{path.relative_to(REPO)}: {table} (area {owners[table]})"
        for path in _modules(area)
        for table in _tables_named(path, set(owners))
        if owners[table] != area
    }
    assert not foreign, f"an area reads or writes another area's table; call that area's backend instead: {sorted(foreign)}"


@pytest.mark.parametrize("path", _route_modules(), ids=lambda p: p.relative_to(AREAS).as_posix())
def test_route_modules_are_at_most_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= ROUTES_MAX_LINES, (
        f"{path.relative_to(REPO)} has {lines} lines (> {ROUTES_MAX_LINES}): split it into cohesive "
        "modules (validation, rendering, the backend's rules)"
    )


def test_every_deviation_constant_is_read_where_the_behaviour_is() -> None:
    source = (EMULATOR / "deviations.py").read_text(encoding="utf-8")
    constants = [
        t.id
        for node in ast.parse(source).body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(t, ast.Name) and t.id.isupper()
    ]
    assert constants
    others = "\n".join(p.read_text(encoding="utf-8") for p in EMULATOR.rglob("*.py") if p.name != "deviations.py")
    unread = [name for name in constants if not re.search(rf"\b{name}\b", others)]
    assert not unread, (
        f"webex_emulator/deviations.py defines {unread}, which nothing in emulator/ reads: "
        "read it where the behaviour is implemented, or make it a comment"
    )
