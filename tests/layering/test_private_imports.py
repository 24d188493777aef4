"""Packages meet only at public names (issue 16): no module imports a ``_private`` module or
name of *another* package. Inside one package, private modules are the point and stay allowed.
Test code (tests/) may reach into internals and is not scanned."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: Top-level import name → the package (directory of the repo) it belongs to.
PACKAGES = {
    "webex_client": "webex_client",
    "resources": "resources",
    "webex_iac": "webex_iac",
    "webex_emulator": "webex_emulator",
    "webex_policy": "policies",  # policies/ puts webex_policy on the path
    "policies": "policies",
    "bench": "bench",
}
SKIP_DIRS = {"tests", "node_modules", "__pycache__", "build", "dist"}


def _private(part: str) -> bool:
    return part.startswith("_") and not part.startswith("__")


def private_imports(source: str, own_package: str) -> list[tuple[int, str]]:
    """``(line, import)`` for each import of another package's private module or name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if PACKAGES.get(parts[0], own_package) == own_package:
                continue
            names = [a.name for a in node.names]
            if any(map(_private, parts)) or any(map(_private, names)):
                found.append((node.lineno, f"from {node.module} import {', '.join(names)}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if PACKAGES.get(parts[0], own_package) != own_package and any(map(_private, parts)):
                    found.append((node.lineno, f"import {alias.name}"))
    return found


def _modules():
    for path in sorted(REPO.rglob("*.py")):
        rel = path.relative_to(REPO)
        if rel.parts[0].startswith(".") or SKIP_DIRS & set(rel.parts):
            continue
        yield rel


def test_no_module_imports_a_private_name_of_another_package():
    offenders = []
    for rel in _modules():
        own = rel.parts[0] if len(rel.parts) > 1 else ""
        for line, text in private_imports((REPO / rel).read_text(encoding="utf-8"), own):
            offenders.append(f"{rel}:{line}: {text}")
    assert not offenders, "give these a public name in their package:\n" + "\n".join(offenders)


def test_the_scan_flags_private_modules_and_names_but_not_imports_within_a_package():
    source = (
        "from resources._runtime import WebexConfig\n"
        "from resources.license_distribution import _resolve\n"
        "import webex_client._settings\n"
        "from webex_policy._x import y\n"
        "from resources import WebexConfig, __version__\n"
        "from ._common import Model\n"
        "from webex_iac._private import ok_inside_webex_iac\n"
    )
    assert [line for line, _ in private_imports(source, "webex_iac")] == [1, 2, 3, 4]
    assert private_imports("from resources._common import Model\n", "resources") == []


def test_the_scan_sees_every_package():
    scanned = {rel.parts[0] for rel in _modules() if len(rel.parts) > 1}
    assert {"webex_client", "resources", "webex_iac", "policies", "webex_emulator"} <= scanned
