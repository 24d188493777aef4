"""The Pulumi program body: declare the current stack's Webex org from ``stacks/<stack>.yaml``."""

from __future__ import annotations

from pathlib import Path

import pulumi

from .engine import REPO_ROOT


def stack_file(stack: str, project_dir: Path = REPO_ROOT) -> Path:
    return project_dir / "stacks" / f"{stack}.yaml"


def declare_stack(project_dir: Path = REPO_ROOT) -> None:
    stack = pulumi.get_stack()
    path = stack_file(stack, project_dir)
    if not path.exists():
        pulumi.log.warn(f"{path} does not exist: this stack declares nothing")
        return
    pulumi.export("desiredState", str(path.relative_to(project_dir)))
