"""The stack file as a whole: load the existing one, merge every section, validate, write."""

from __future__ import annotations

import os
from pathlib import Path

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from .connection import DiscoverError
from .merge_licenses import merge_licenses
from .merge_meetings import merge_meetings
from .merge_sites import merge_sites
from .notes import Notes
from .org_read import OrgRead
from .yaml_doc import strip_generated, yaml_rt


def build_document(
    existing: CommentedMap | None,
    org: OrgRead,
    *,
    stack: str,
    owner: str,
) -> tuple[CommentedMap, list[str], Notes]:
    doc = existing if existing is not None else CommentedMap()
    changes: list[str] = []
    notes = Notes()
    if existing is None:
        doc["description"] = f"{org.org_name or 'The org'}, adopted from the live org by `webex-iac discover`."
    merge_sites(doc, org, owner, changes)
    merge_licenses(doc, org, owner, changes, notes)
    merge_meetings(doc, org, stack, changes, notes)
    return doc, changes, notes


def load_existing(path: Path) -> CommentedMap | None:
    """The existing stack file, round trip; refused when invalid (discover would guess)."""
    if not path.exists():
        return None
    from ..stack_file import StackFileError, load_stack_file

    try:
        load_stack_file(path, display=str(path), allow_empty=True)
    except StackFileError as e:
        raise DiscoverError(f"the existing stack file is invalid; fix it (or move it away) first:\n{e}") from None
    try:
        data = yaml_rt().load(strip_generated(path.read_text()))
    except YAMLError as e:
        raise DiscoverError(f"{path}: not valid YAML, fix or move it first: {e}") from None
    if data is None:
        return None
    if not isinstance(data, CommentedMap):
        raise DiscoverError(f"{path}: not a stack file (the top level must be a mapping)")
    return data


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def validate_text(text: str, display: str) -> None:
    """The written file must load with the stack-file loader (schema + names + pools)."""
    import tempfile

    from ..stack_file import StackFileError, load_stack_file

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "stack.yaml"
        p.write_text(text)
        try:
            load_stack_file(p, display=display, allow_empty=True)
        except StackFileError as e:
            raise DiscoverError(f"the generated file does not validate (a bug; nothing written):\n{e}") from None
