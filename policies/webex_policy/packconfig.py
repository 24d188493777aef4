"""The pack's own config, ``policies/config.json``: the pack hands it to the engine as its initial
config, so it applies however the pack is named on the command line. ``--policy-pack-config
FILE`` still overrides it key by key (the engine merges the two and validates the result
against each policy's schema).

A missing, unreadable or invalid file does not fall back to defaults: :data:`ERROR` is set and
every policy reports it as a mandatory violation (fail closed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .context import PACK_DIR

CONFIG_PATH = PACK_DIR / "config.json"
LEVELS = ("advisory", "mandatory", "remediate", "disabled")
ERROR: str | None = None


def _policy_names() -> set[str]:
    from .rules import DEFAULTS

    return set(DEFAULTS)


def parse(text: str, where: str = "policies/config.json") -> dict[str, Any]:
    """Validate the file's shape (the engine validates properties against the schemas)."""
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ValueError(f"{where} is not JSON ({e})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be an object of policy name -> level or settings")
    known = _policy_names() | {"all"}
    problems = []
    for name, value in data.items():
        if name not in known:
            problems.append(f"{name!r} is not a policy of this pack (known: {', '.join(sorted(known))})")
        elif isinstance(value, str):
            if value not in LEVELS:
                problems.append(f"{name}: {value!r} is not an enforcement level ({', '.join(LEVELS)})")
        elif isinstance(value, dict):
            level = value.get("enforcementLevel")
            if level is not None and level not in LEVELS:
                problems.append(f"{name}.enforcementLevel: {level!r} is not an enforcement level ({', '.join(LEVELS)})")
        else:
            problems.append(f"{name}: expected a level or an object, got {type(value).__name__}")
    if problems:
        raise ValueError(f"{where}: " + "; ".join(problems))
    return data


def to_initial_config(data: dict[str, Any]) -> dict[str, Any]:
    from pulumi_policy import EnforcementLevel

    out: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, str):
            out[name] = EnforcementLevel(value)
        else:
            out[name] = {k: (EnforcementLevel(v) if k == "enforcementLevel" else v) for k, v in value.items()}
    return out


def load_pack_config(path: Path = CONFIG_PATH) -> dict[str, Any] | None:
    global ERROR
    try:
        data = parse(path.read_text(), where=f"policies/{path.name}")
    except OSError as e:
        ERROR = f"the pack config policies/{path.name} cannot be read ({type(e).__name__}: {e.strerror or e})"
        return None
    except ValueError as e:
        ERROR = f"the pack config is invalid: {e}"
        return None
    ERROR = None
    return to_initial_config(data)
