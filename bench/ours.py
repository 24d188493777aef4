"""Scenarios (a)–(c): our LicenseDistribution on the generated org."""

from __future__ import annotations

from pathlib import Path

from webex_iac.program import declare_stack

from .org import BenchOrg, distribution_yaml
from .stack import BenchStack, Run


def make_stack(root: Path, emu, config: dict[str, str], extra_env: dict[str, str] | None = None) -> BenchStack:
    root.mkdir(parents=True, exist_ok=True)
    return BenchStack(root, emu, lambda: declare_stack(root), config=config, extra_env=extra_env)


def declare(st: BenchStack, classic: list[str], new: list[str]) -> None:
    st.stack_file.write_text(distribution_yaml(classic, new))


def adopt(st: BenchStack, org: BenchOrg) -> Run:
    """Declare the org as it is and bring it under management (no write expected)."""
    declare(st, org.classic, org.new)
    return st.run("up")


def preview_no_change(st: BenchStack) -> Run:
    return st.run("preview", expect_no_changes=True)


def move(st: BenchStack, org: BenchOrg, n: int) -> Run:
    classic, new = org.moved(n)
    declare(st, classic, new)
    return st.run("up")
