"""The request half of the contract: every ``/v1`` request is checked against its spec operation.

Checked, from the same spec files ``webex_emulator.spec`` loads (webex-admin.json, webex-meeting.json):

* path, query and header parameters the operation declares: missing required, wrong type
  (number/integer/boolean/array), value outside the enum;
* query parameters the operation does not declare ("unknown");
* the request body: present when ``requestBody.required``, absent when the operation takes none,
  its content type one the operation declares, and the JSON validated against the schema
  (required fields, types, enums, ``additionalProperties`` where the spec closes them).

Two modes, both count every violation per route (``GET /_emulator/requests/violations``):

* lax (default for ``python -m webex_emulator``): behave like the live service - a violation the live
  service rejects is a 400 with the Webex error body; where the live service is known to accept
  more than the spec (``webex_emulator.deviations.REQUEST_LAXNESS``) the request is served and only
  counted. Unknown query parameters are served and counted.
* strict (``WEBEX_EMULATOR_STRICT=1``, on in the test suite): the spec as written - every violation,
  including unknown parameters and live-only laxness, is a 400. That is how a request shape the
  spec does not promise is caught before a real org sees it.

Parameter *headers* are only checked when declared: every client sends headers the spec does not
list (User-Agent, Accept, ...), so undeclared headers are never violations.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import os
import threading
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema

from . import deviations
from .spec import Operation, Spec, iter_errors, openapi_to_jsonschema

log = logging.getLogger("emulator")

__all__ = ["RequestContract", "Violation", "SUITE_LOG", "report_server", "strict_from_env", "load_spec_or_none"]

STRICT_ENV = "WEBEX_EMULATOR_STRICT"
_TRUE = {"1", "true", "yes", "on"}


def strict_from_env() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in _TRUE


@lru_cache(maxsize=None)
def _cached_spec(directory: str | None) -> Spec:
    return Spec.load(directory)


def load_spec_or_none() -> Spec | None:
    """The spec (loaded once per process), or None with a warning when it is not installed."""
    try:
        return _cached_spec(None)
    except FileNotFoundError as e:
        log.warning("request contract not enforced: %s", e)
        return None


@dataclass(frozen=True)
class Violation:
    kind: str  # missing | type | enum | unknown | body | content-type | lax
    where: str  # e.g. "query siteUrl", "body defaultSchedulerOptions"
    message: str
    rejected_live: bool = True  # False: the live service accepts it (only strict mode rejects)

    def text(self) -> str:
        return f"{self.where}: {self.message}"


def _check_scalar(value: str, schema: dict[str, Any], live_bool_any_case: bool) -> str | None:
    """Why ``value`` (a query/header/path string) does not fit ``schema``, or None."""
    typ = schema.get("type")
    if typ in ("number", "integer"):
        try:
            num = float(value)
        except ValueError:
            return f"{value!r} is not a {typ}"
        if typ == "integer" and not num.is_integer():
            return f"{value!r} is not an integer"
    elif typ == "boolean":
        if value not in ("true", "false"):
            if live_bool_any_case and value.lower() in ("true", "false"):
                return None
            return f"{value!r} is not a boolean (true/false)"
    enum = schema.get("enum")
    if enum and value not in [str(e) for e in enum]:
        return f"{value!r} is not one of {enum}"
    return None


class RequestContract:
    """Checks requests against a :class:`Spec` and counts violations per route."""

    def __init__(self, spec: Spec | None, *, strict: bool = False) -> None:
        self.spec = spec
        self.strict = strict
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}
        self._validators: dict[tuple[str, str, str], jsonschema.protocols.Validator] = {}

    # -- accounting ------------------------------------------------------------------------------
    def record(self, key: str, violations: list[Violation]) -> None:
        note_for_suite(key, [v.text() for v in violations])
        with self._lock:
            self.counts[key] += len(violations)
            seen = self.examples.setdefault(key, [])
            for v in violations:
                if v.text() not in seen and len(seen) < 20:
                    seen.append(v.text())

    def clear(self) -> None:
        with self._lock:
            self.counts.clear()
            self.examples.clear()

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "enforced": self.spec is not None,
                "strict": self.strict,
                "total": sum(self.counts.values()),
                "routes": {k: {"count": n, "examples": list(self.examples.get(k, []))} for k, n in sorted(self.counts.items())},
            }

    # -- checking --------------------------------------------------------------------------------
    def rejects(self, violations: list[Violation]) -> bool:
        return any(self.strict or v.rejected_live for v in violations)

    def check(
        self, method: str, template: str, path_params: dict[str, str], query: list[tuple[str, str]], headers: Any, body: bytes
    ) -> list[Violation]:
        if self.spec is None:
            return []
        op = self.spec.operation(method, template)
        if op is None:  # the conformance test keeps every served route in the spec
            return []
        out: list[Violation] = []
        out += self._params(op, template, path_params, query, headers)
        out += self._body(op, template, headers.get("content-type"), body)
        return out

    def _params(
        self, op: Operation, template: str, path_params: dict[str, str], query: list[tuple[str, str]], headers: Any
    ) -> list[Violation]:
        out: list[Violation] = []
        declared: dict[tuple[str, str], dict[str, Any]] = {}
        for p in op.operation.get("parameters", []):
            if "in" in p and "name" in p:
                key = p["name"].lower() if p["in"] == "header" else p["name"]
                declared[(p["in"], key)] = p
        lax_bool = deviations.QUERY_BOOLEANS_ANY_CASE
        given: dict[str, list[str]] = {}
        for name, value in query:
            given.setdefault(name, []).append(value)
        for name, values in given.items():
            p = declared.get(("query", name))
            if p is None and op.method == "GET" and name in deviations.PAGING_LINK_PARAMS:
                continue  # echoed from a next link, not chosen by the client
            if p is None:
                out.append(Violation("unknown", f"query {name}", "is not a parameter of this operation", rejected_live=False))
                continue
            schema = p.get("schema") or {}
            if schema.get("type") == "array":
                items = [v for raw in values for v in raw.split(",")]
                for item in items:
                    why = _check_scalar(item, schema.get("items") or {}, lax_bool)
                    if why:
                        out.append(Violation("type", f"query {name}", why))
                continue
            if len(values) > 1:
                out.append(Violation("type", f"query {name}", "is given more than once"))
            why = _check_scalar(values[0], schema, lax_bool)
            if why:
                out.append(Violation("enum" if schema.get("enum") else "type", f"query {name}", why))
            elif strict_only_bool(schema, values[0]):
                out.append(
                    Violation(
                        "lax",
                        f"query {name}",
                        f"{values[0]!r} is not spelled true/false (the live service accepts it; the spec does not)",
                        rejected_live=False,
                    )
                )
        for (where, name), p in declared.items():
            schema = p.get("schema") or {}
            if where == "query":
                if p.get("required") and name not in given:
                    out.append(Violation("missing", f"query {name}", "is required"))
            elif where == "header":
                value = headers.get(name)
                if value is None:
                    if p.get("required"):
                        out.append(Violation("missing", f"header {p['name']}", "is required"))
                    continue
                why = _check_scalar(value, schema, False)
                if why:
                    out.append(Violation("type", f"header {p['name']}", why))
            elif where == "path":
                # Emulator route parameter names may differ from the spec's; match by position.
                segment = _path_value(op.path, template, p["name"], path_params)
                if segment is not None:
                    why = _check_scalar(segment, schema, False)
                    if why:
                        out.append(Violation("type", f"path {p['name']}", why))
        return out

    def _body(self, op: Operation, template: str, content_type: str | None, body: bytes) -> list[Violation]:
        request_body = op.operation.get("requestBody")
        present = bool(body.strip())
        if request_body is None:
            if present and op.method in ("GET", "DELETE"):
                return [Violation("body", "body", "this operation takes no request body")]
            return []
        if not present:
            if request_body.get("required"):
                return [Violation("missing", "body", "a request body is required")]
            return []
        content = request_body.get("content") or {}
        media = (content_type or "").split(";")[0].strip().lower()
        declared = {ct.split(";")[0].strip().lower(): ct for ct in content}
        out: list[Violation] = []
        chosen = declared.get(media)
        if chosen is None:
            lax = deviations.REQUEST_CONTENT_TYPES_LIVE_ACCEPTS.get((op.method, op.path), ())
            ok_live = media in lax
            out.append(
                Violation(
                    "lax" if ok_live else "content-type",
                    "header Content-Type",
                    f"{content_type!r} is not a declared request content type {sorted(declared)}",
                    rejected_live=not ok_live,
                )
            )
            if not ok_live:
                return out
            chosen = next(iter(content), None)
        if chosen is None or "json" not in chosen:
            return out  # only JSON bodies have schemas worth checking (form bodies: OAuth)
        try:
            instance = json.loads(body)
        except ValueError:
            return [*out, Violation("body", "body", "is not valid JSON")]
        validator = self._validator(op, chosen)
        if validator is None:
            return out
        for text in iter_errors(validator, instance):
            where, _, message = text.partition(": ")
            if _matches(deviations.REQUEST_BODY_SPEC_CONTRADICTIONS, op, where, message):
                continue
            fact = _live_accepts_body(op, where, message)
            out.append(
                Violation(
                    "lax" if fact else "body",
                    "body " + where,
                    message + (f" (the live service accepts it: {fact})" if fact else ""),
                    rejected_live=not fact,
                )
            )
        return out

    def _validator(self, op: Operation, content_type: str) -> jsonschema.protocols.Validator | None:
        key = (op.method, op.path, content_type)
        if key not in self._validators:
            schema = ((op.operation.get("requestBody") or {}).get("content") or {}).get(content_type, {}).get("schema")
            if not schema:
                return None
            assert self.spec is not None
            components = self.spec._components(op.source)
            nullable = deviations.REQUEST_NULLABLE.get((op.method, op.path), ())
            if nullable:
                schema = _with_nullable(schema, nullable, self.spec.documents[op.source])
            root = {**openapi_to_jsonschema(schema), "components": components}
            self._validators[key] = jsonschema.Draft4Validator(root)
        return self._validators[key]


# ---------------------------------------------------------------------------------------------
# The suite-wide check (tests/contract_check.py): every violation any emulator saw while a test
# ran, attributed to that test. In-process emulators note theirs as they happen; an emulator in a
# child process is read at EmulatorServer.stop() (``report_server``).
# ---------------------------------------------------------------------------------------------

SUITE_LOG: list[tuple[str, str, str]] = []  # (test node id, "METHOD /v1/route", violation)
_SUITE_LOCK = threading.Lock()


def _current_test() -> str | None:
    current = os.environ.get("PYTEST_CURRENT_TEST")
    return current.rsplit(" (", 1)[0] if current else None


def note_for_suite(key: str, texts: list[str]) -> None:
    test = _current_test()
    if test is None:  # not under pytest: nothing collects
        return
    with _SUITE_LOCK:
        SUITE_LOG.extend((test, key, t) for t in texts)


def report_server(server: Any) -> None:
    """Called by ``EmulatorServer.stop()``: collect a child-process emulator's violations."""
    if not getattr(server, "use_subprocess", False) or _current_test() is None:
        return
    try:
        data = server._call("GET", "/requests/violations")
    except Exception:  # already dead (kill()) or never started: nothing to read
        return
    for key, entry in (data.get("routes") or {}).items():
        examples = entry.get("examples") or ["(no example kept)"]
        note_for_suite(key, [examples[min(i, len(examples) - 1)] for i in range(entry["count"])])


def strict_only_bool(schema: dict[str, Any], value: str) -> bool:
    """``True``/``TRUE`` for a boolean: the live service accepts it, the spec says true/false."""
    return (
        schema.get("type") == "boolean"
        and value not in ("true", "false")
        and value.lower() in ("true", "false")
        and deviations.QUERY_BOOLEANS_ANY_CASE
    )


def _matches(entries: Any, op: Operation, where: str, message: str) -> str | None:
    """The source of the first (method, path, where regex, message regex, source) entry matching."""
    for method, path, where_re, message_re, fact in entries:
        if method == op.method and path == op.path and re.fullmatch(where_re, where) and re.search(message_re, message):
            return str(fact)
    return None


def _live_accepts_body(op: Operation, where: str, message: str) -> str | None:
    """The documented fact by which the live service accepts this body violation, if any."""
    return _matches(deviations.REQUEST_BODY_LIVE_ACCEPTS, op, where, message)


def _with_nullable(schema: dict[str, Any], names: tuple[str, ...], document: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (a top-level ``$ref`` resolved) with ``names`` admitting JSON null."""
    schema = copy.deepcopy(schema)
    ref = schema.get("$ref", "")
    if ref.startswith("#/"):
        node: Any = document
        for part in ref[2:].split("/"):
            node = node[part]
        schema = copy.deepcopy(node)
    props = schema.get("properties") or {}
    for name in names:
        if name in props:
            props[name] = {"anyOf": [props[name], {"type": "null"}]}
    return schema


def _path_value(spec_path: str, template: str, name: str, params: dict[str, str]) -> str | None:
    spec_parts = [s for s in spec_path.split("/") if s]
    ours = [s for s in template.split("/") if s]
    for i, seg in enumerate(spec_parts):
        if seg == "{" + name + "}" and i < len(ours) and ours[i].startswith("{"):
            return params.get(ours[i][1:-1].split(":")[0])
    return None
