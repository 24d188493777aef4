"""The official Webex OpenAPI specs as a contract the emulator is held against.

* ``Spec.load()`` reads ``webex-admin.json`` and ``webex-meeting.json`` (OpenAPI 3.0, paths
  relative to ``/v1``: the files carry no ``servers`` block).
* ``Spec.has_operation(method, template)`` answers "does the spec define this route?".  The OAuth
  token endpoint (``POST /access_token``) is part of the contract too, but the specs declare it only
  as the ``tokenUrl`` of their OAuth security scheme, not under ``paths``; it is added from there.
* ``Spec.response_validator(...)`` turns a response schema into a jsonschema validator:
  ``$ref``s are resolved against the document and OpenAPI 3.0 ``nullable`` is translated into JSON
  Schema, nothing else is changed.  Documented live deviations are applied by the caller from
  ``webex_emulator/deviations.py`` - never by loosening schemas here.

The spec files are vendor data kept outside the repository: ``WEBEX_OPENAPI_DIR``, else
``../shared/webex-openapi`` next to the repository (``default_spec_dir``).
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema

__all__ = [
    "SPEC_FILES",
    "Operation",
    "Spec",
    "default_spec_dir",
    "iter_errors",
    "apply_response_deviations",
    "check_response",
    "normalise_template",
    "openapi_to_jsonschema",
]

SPEC_FILES: tuple[str, ...] = ("webex-admin.json", "webex-meeting.json")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
REPO_ROOT = Path(__file__).resolve().parent.parent


def default_spec_dir() -> Path:
    """``$WEBEX_OPENAPI_DIR`` if set, else ``../shared/webex-openapi`` relative to the repository.

    No other place is searched: a machine path here would make the contract depend on where
    the repository happens to be checked out."""
    env = os.environ.get("WEBEX_OPENAPI_DIR")
    candidate = Path(env) if env else REPO_ROOT.parent / "shared" / "webex-openapi"
    if all((candidate / name).is_file() for name in SPEC_FILES):
        return candidate
    where = "WEBEX_OPENAPI_DIR" if env else "../shared/webex-openapi (relative to the repository)"
    raise FileNotFoundError(
        f"Webex OpenAPI specs not found in {where}: {candidate} must hold "
        + ", ".join(SPEC_FILES)
        + " (from webex/webex-openapi-specs); set WEBEX_OPENAPI_DIR to that folder"
    )


_PARAM_RE = re.compile(r"\{[^}/]+\}")


def normalise_template(path: str) -> str:
    """``/meetings/{meetingId}`` and Starlette's ``/meetings/{meeting_id:str}`` -> ``/meetings/{}``.

    Parameter *names* differ freely between spec and implementation; only the shape matters.
    """
    return _PARAM_RE.sub("{}", path.rstrip("/") or "/")


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # spec template, e.g. /meetings/{meetingId}
    source: str  # spec file name
    operation: dict[str, Any]

    def success_statuses(self) -> list[str]:
        return [code for code in self.operation.get("responses", {}) if code.startswith("2")]


def _schema_children(schema: dict[str, Any]) -> Iterator[tuple[Any, Any]]:
    """(container, key) pairs of the subschemas of ``schema`` (keys of ``properties`` are names)."""
    for key in ("items", "not", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield schema, key
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(schema.get(key) or []):
            if isinstance(sub, dict):
                yield schema[key], i
    for key in ("properties", "patternProperties"):
        for name, sub in (schema.get(key) or {}).items():
            if isinstance(sub, dict):
                yield schema[key], name


def openapi_to_jsonschema(schema: dict[str, Any]) -> dict[str, Any]:
    """Translate OpenAPI 3.0 schema dialect into JSON Schema (draft 4), returning a copy.

    Only ``nullable`` needs translating for validation: ``nullable: true`` admits ``null``
    (added to ``type`` and, if present, ``enum``; a bare ``$ref`` is wrapped in ``anyOf``).
    ``example``/``description``/``x-*`` are annotations jsonschema ignores already.
    """
    out = copy.deepcopy(schema)

    def walk(node: dict[str, Any]) -> dict[str, Any]:
        for container, key in list(_schema_children(node)):
            container[key] = walk(container[key])
        if node.pop("nullable", False) is True:
            if "$ref" in node:
                ref = node.pop("$ref")
                node = {"anyOf": [{"$ref": ref}, {"type": "null"}], **node}
            else:
                if "type" in node:
                    types = node["type"] if isinstance(node["type"], list) else [node["type"]]
                    node["type"] = [*types, "null"] if "null" not in types else types
                if "enum" in node and None not in node["enum"]:
                    node["enum"] = [*node["enum"], None]
        return node

    return walk(out)


class Spec:
    """Both spec documents, indexed by (method, normalised template)."""

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.documents = documents
        self._ops: dict[tuple[str, str], Operation] = {}
        for source, doc in documents.items():
            for path, item in doc.get("paths", {}).items():
                for method, op in item.items():
                    if method in HTTP_METHODS and isinstance(op, dict):
                        self._ops.setdefault(
                            (method.upper(), normalise_template(path)), Operation(method.upper(), path, source, op)
                        )
            for token_path in self._oauth_token_paths(doc):
                # OAuth 2.0 token endpoints are always POST (RFC 6749 §3.2).
                self._ops.setdefault(
                    ("POST", normalise_template(token_path)),
                    Operation("POST", token_path, source, {"operationId": "oauthToken", "responses": {}}),
                )
        self._converted: dict[str, dict[str, Any]] = {}

    @classmethod
    def load(cls, directory: str | os.PathLike[str] | None = None) -> "Spec":
        base = Path(directory) if directory is not None else default_spec_dir()
        docs = {name: json.loads((base / name).read_text(encoding="utf-8")) for name in SPEC_FILES}
        return cls(docs)

    @staticmethod
    def _oauth_token_paths(doc: dict[str, Any]) -> Iterable[str]:
        for scheme in doc.get("components", {}).get("securitySchemes", {}).values():
            for flow in (scheme.get("flows") or {}).values():
                url = flow.get("tokenUrl") or ""
                path = urlparse(url).path
                if path.startswith("/v1/"):
                    yield path[len("/v1") :]

    # -- routes ----------------------------------------------------------------------------------
    @property
    def operations(self) -> list[Operation]:
        return list(self._ops.values())

    def has_operation(self, method: str, template: str) -> bool:
        return (method.upper(), normalise_template(template)) in self._ops

    def operation(self, method: str, template: str) -> Operation | None:
        return self._ops.get((method.upper(), normalise_template(template)))

    @cached_property
    def _matchers(self) -> list[tuple[int, re.Pattern[str], Operation]]:
        out = []
        for op in self._ops.values():
            literal = sum(1 for seg in op.path.split("/") if seg and not seg.startswith("{"))
            pattern = "^" + _PARAM_RE.sub("[^/]+", re.escape(op.path).replace(r"\{", "{").replace(r"\}", "}")) + "$"
            out.append((literal, re.compile(pattern), op))
        # A literal segment beats a parameter (/meetingInvitees/bulkInsert vs /{meetingInviteeId}).
        out.sort(key=lambda t: -t[0])
        return out

    def match(self, method: str, path: str) -> Operation | None:
        """The operation a concrete ``/v1``-relative path would hit."""
        for _, pattern, op in self._matchers:
            if op.method == method.upper() and pattern.match(path):
                return op
        return None

    # -- schemas ---------------------------------------------------------------------------------
    def _components(self, source: str) -> dict[str, Any]:
        if source not in self._converted:
            comps = self.documents[source].get("components", {})
            self._converted[source] = {
                "schemas": {name: openapi_to_jsonschema(s) for name, s in comps.get("schemas", {}).items()}
            }
        return self._converted[source]

    def response_schema(self, op: Operation, status: int, content_type: str | None = None) -> dict[str, Any] | None:
        """The (unconverted) schema of ``op``'s ``status`` response for ``content_type``."""
        response = op.operation.get("responses", {}).get(str(status))
        if not response:
            return None
        content = response.get("content") or {}
        if not content:
            return None
        wanted = (content_type or "").split(";")[0].strip().lower()
        for ct, media in content.items():
            if ct.split(";")[0].strip().lower() == wanted and "schema" in media:
                return media["schema"]
        return None

    def response_validator(
        self, op: Operation, status: int, content_type: str | None = None
    ) -> jsonschema.protocols.Validator | None:
        """A draft-4 validator for the response schema (``$ref``s resolve inside its document)."""
        schema = self.response_schema(op, status, content_type)
        if schema is None:
            return None
        root = openapi_to_jsonschema(schema)
        # "#/components/..." refs resolve against the root of the schema being validated, so the
        # converted components are carried along under the same key OpenAPI puts them.
        root = {**root, "components": self._components(op.source)}
        return jsonschema.Draft4Validator(root)


def iter_errors(validator: jsonschema.protocols.Validator, instance: Any) -> list[str]:
    """Readable ``path: message`` strings for every schema violation."""
    out = []
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "<root>"
        out.append(f"{where}: {err.message}")
    return out


# ---------------------------------------------------------------------------------------------
# Checking one response against the contract, with the documented deviations applied explicitly
# ---------------------------------------------------------------------------------------------


def _locate(node: Any, parts: list[str]) -> Iterator[tuple[Any, Any]]:
    """(container, key) pairs for a "/"-separated location with "*" for every list item."""
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(node, list):
            for i, item in enumerate(node):
                if rest:
                    yield from _locate(item, rest)
                else:
                    yield node, i
        return
    if isinstance(node, dict) and head in node:
        if rest:
            yield from _locate(node[head], rest)
        else:
            yield node, head


def apply_response_deviations(method: str, template: str, body: Any, deviations: Iterable[Any]) -> tuple[Any, list[str]]:
    """Map documented live spellings to the spec's, at exactly the documented locations.

    Returns (mapped copy of ``body``, problems): a problem is a value at a deviation's location
    that does NOT have the documented live spelling - the emulator drifted from the live service.
    """
    out = copy.deepcopy(body)
    problems: list[str] = []
    key = normalise_template(template)
    for dev in deviations:
        if dev.method.upper() != method.upper() or normalise_template(dev.path) != key:
            continue
        for container, slot in _locate(out, dev.where.split("/")):
            value = container[slot]
            if not dev.live_check(value):
                problems.append(f"{dev.where}: {value!r} is not the documented live spelling ({dev.fact})")
                continue
            container[slot] = dev.to_spec(value)
    return out, problems


def check_response(
    spec: Spec,
    method: str,
    template: str,
    status: int,
    content_type: str | None,
    raw: bytes,
    deviations_module: Any,
) -> list[str]:
    """Every way a success response breaks the contract (empty list = conforms).

    ``deviations_module`` supplies RESPONSE_DEVIATIONS, TEXT_RESPONSE_BODIES and
    RESPONSE_SCHEMA_ALIASES (``webex_emulator.deviations``).
    """
    op = spec.operation(method, template)
    if op is None:
        return [f"{method} {template} is not in the spec"]
    problems: list[str] = []
    declared = op.success_statuses()
    alias = deviations_module.RESPONSE_SCHEMA_ALIASES.get((method.upper(), template))
    schema_op, schema_status = op, status
    if alias is not None:
        schema_op = spec.operation(*alias) or op
        schema_status = 200
    elif str(status) not in declared:
        problems.append(f"status {status} is not a declared success status {declared}")
    media = (content_type or "").split(";")[0].strip().lower()
    if status == 204:
        if raw:
            problems.append("204 response has a body")
        return problems
    text_pattern = deviations_module.TEXT_RESPONSE_BODIES.get((method.upper(), template))
    if text_pattern is not None:
        if not re.fullmatch(text_pattern, raw.decode("utf-8", errors="replace")):
            problems.append(f"body {raw[:60]!r} does not match {text_pattern!r}")
        return problems
    if media != "application/json":
        problems.append(f"content type {content_type!r} is not JSON")
        return problems
    try:
        body = json.loads(raw)
    except ValueError:
        return [*problems, "body is not valid JSON"]
    content = schema_op.operation.get("responses", {}).get(str(schema_status), {}).get("content") or {}
    declared_media = [ct for ct in content if ct.split(";")[0].strip().lower() == "application/json"]
    if not declared_media:
        return [*problems, f"the spec declares no JSON body for status {schema_status}"]
    validator = spec.response_validator(schema_op, schema_status, declared_media[0])
    if validator is None:
        return [*problems, f"the spec has no schema for status {schema_status}"]
    mapped, deviation_problems = apply_response_deviations(method, template, body, deviations_module.RESPONSE_DEVIATIONS)
    return problems + deviation_problems + iter_errors(validator, mapped)
