"""Editing the stack file as a ruamel round-trip document, keeping the humans' comments.

This is the only module that touches ruamel's comment internals (``ca.items``, ``ca.end``,
``CommentToken``, ``TimeStamp._yaml``): ruamel documents no API for moving a comment, so the
knowledge of where it keeps them is confined here and pinned by tests/discover/test_yaml_doc.py.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.timestamp import TimeStamp
from ruamel.yaml.tokens import CommentToken

SCHEMA_LINE = "# yaml-language-server: $schema=../schema/stack.schema.json"
BLOCK_START = "# >>> webex-iac discover"
BLOCK_END = "# <<< webex-iac discover"


def yaml_rt() -> YAML:
    y = YAML(typ="rt")
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096
    y.preserve_quotes = True
    return y


def flow(d: dict[str, Any]) -> CommentedMap:
    m = CommentedMap(d)
    m.fa.set_flow_style()
    return m


def _is_block(value: Any) -> bool:
    return isinstance(value, (CommentedMap, CommentedSeq)) and len(value) > 0 and not value.fa.flow_style()


def _last_key(value: Any) -> Any:
    return list(value.keys())[-1] if isinstance(value, CommentedMap) else len(value) - 1


def _following_lines(container: Any, key: Any) -> str:
    """Comment lines below ``container[key]`` (after its eol comment): they describe what
    follows. ruamel keeps them on the deepest last scalar, or in a block's ``ca.end`` when the
    block ends with a flow collection."""
    value = container[key]
    if _is_block(value):
        if value.ca.end:
            return "".join(_line_text(t) for t in value.ca.end if isinstance(t, CommentToken))
        return _following_lines(value, _last_key(value))
    entry = container.ca.items.get(key)
    pos = 2 if isinstance(container, CommentedMap) else 0
    tok = entry[pos] if entry is not None and len(entry) > pos else None
    if not isinstance(tok, CommentToken):
        return ""
    _, sep, rest = tok.value.partition("\n")
    return rest if sep else ""


def _line_text(tok: CommentToken) -> str:
    """A whole-line comment token as text with its indentation."""
    col = tok.start_mark.column if tok.start_mark is not None else 0
    return " " * col + tok.value if not tok.value.startswith(("\n", " ")) else tok.value.lstrip("\n")


def _append_following(container: Any, key: Any, lines: str) -> None:
    if not lines:
        return
    value = container[key]
    if _is_block(value):
        last = value[_last_key(value)]
        if value.ca.end or isinstance(last, (CommentedMap, CommentedSeq)) and last.fa.flow_style():
            stripped = lines.lstrip(" ")
            if value.ca.comment is None:
                value.ca.comment = [None, None]  # ruamel only emits `end` next to a `comment` list
            value.ca.end = list(value.ca.end or []) + [CommentToken(stripped, CommentMark(len(lines) - len(stripped)), None)]
            return
        _append_following(value, _last_key(value), lines)
        return
    pos = 2 if isinstance(container, CommentedMap) else 0
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    while len(entry) <= pos:
        entry.append(None)
    tok = entry[pos]
    if isinstance(tok, CommentToken):
        tok.value = (tok.value if tok.value.endswith("\n") else tok.value + "\n") + lines
    else:
        entry[pos] = CommentToken("\n" + lines, CommentMark(0), None)


def remove(container: Any, key: Any) -> None:
    """Delete ``container[key]`` keeping the comment lines that stood below it (they belong to
    whatever follows) by moving them to the previous sibling."""
    lines = _following_lines(container, key)
    keys = list(container.keys()) if isinstance(container, CommentedMap) else list(range(len(container)))
    idx = keys.index(key)
    del container[key]
    if lines and idx > 0:
        _append_following(container, keys[idx - 1], lines)


def same_value(old: Any, new: Any) -> bool:
    if isinstance(new, datetime) or isinstance(old, datetime):
        try:
            return _naive(old) == _naive(new)
        except (TypeError, ValueError):
            return False
    if isinstance(new, str) and isinstance(old, str):
        return old == new
    return old == new


def _naive(v: Any) -> datetime:
    if isinstance(v, datetime):
        d = datetime(v.year, v.month, v.day, v.hour, v.minute, v.second)
        return d
    return datetime.fromisoformat(str(v).replace(" ", "T")).replace(tzinfo=None, microsecond=0)


def set_value(m: CommentedMap, key: str, value: Any, changes: list[str], where: str) -> None:
    """Set only when different; None removes the key."""
    if value is None:
        if key in m:
            remove(m, key)
            changes.append(f"~ {where}.{key}: removed")
        return
    if key in m and same_value(m[key], value):
        return
    changes.append(f"~ {where}.{key}: {show(m.get(key))} -> {show(value)}" if key in m else f"~ {where}.{key}: set")
    m[key] = value


def show(v: Any) -> str:
    s = str(v)
    return s if len(s) <= 40 else s[:37] + "..."


def timestamp(local: datetime) -> TimeStamp:
    ts = TimeStamp(local.year, local.month, local.day, local.hour, local.minute, local.second)
    ts._yaml["t"] = True  # 2027-01-04T09:30:00, as people write it
    return ts


def section(doc: CommentedMap, key: str) -> CommentedMap:
    if not isinstance(doc.get(key), CommentedMap):
        doc[key] = CommentedMap()
    return doc[key]


def drop_if_empty(doc: CommentedMap, key: str) -> None:
    if key in doc and isinstance(doc[key], CommentedMap) and not doc[key]:
        remove(doc, key)


def to_commented(d: dict[str, Any]) -> CommentedMap:
    out = CommentedMap()
    for k, v in d.items():
        if isinstance(v, dict):
            out[k] = to_commented(v)
        elif isinstance(v, list):
            out[k] = flow_seq(v)
        else:
            out[k] = v
    return out


def flow_seq(items: list[Any]) -> CommentedSeq:
    s = CommentedSeq(items)
    s.fa.set_flow_style()
    return s


def as_comments(lines: list[str]) -> str:
    return "".join((ln if ln.startswith("#") else f"# {ln}").rstrip() + "\n" for ln in lines)


def strip_generated(text: str) -> str:
    """The file without the schema line and the generated blocks (and their blank separators)."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.strip() == SCHEMA_LINE:
            i += 1
            continue
        if ln.startswith(BLOCK_START):
            if out and not out[-1].strip():
                out.pop()  # the blank line we put before a block
            j = i
            while j < len(lines) and not lines[j].startswith(BLOCK_END):
                j += 1
            i = j + 1
            if i < len(lines) and not lines[i].strip():
                i += 1  # the blank line we put after a block
            continue
        out.append(ln)
        i += 1
    return "\n".join(out) + ("\n" if out else "")


def render(doc: CommentedMap, header: list[str], trailer: list[str]) -> str:
    buf = io.StringIO()
    if doc:
        yaml_rt().dump(doc, buf)
    body = buf.getvalue().rstrip("\n") + "\n" if doc else ""
    text = SCHEMA_LINE + "\n" + as_comments(header) + "\n" + body
    if trailer:
        text += "\n" + as_comments(trailer)
    return text
