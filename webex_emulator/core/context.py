"""Per-request context handed to every area handler."""

from __future__ import annotations

import base64
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence, TypeVar
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers, QueryParams

from . import ids
from .auth import Auth, ScopeReq, require
from .errors import WebexError, bad_request, forbidden, not_found
from .state import State
from .wire import ApiResponse, parse_bool

if TYPE_CHECKING:
    from .app import EmulatorRuntime

T = TypeVar("T")


def encode_cursor(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        data = json.loads(raw)
    except (ValueError, TypeError):
        raise bad_request("Invalid cursor.") from None
    if not isinstance(data, dict):
        raise bad_request("Invalid cursor.")
    return data


@dataclass
class Page:
    """Paging parameters of one list request: ``limit`` already capped; ``cursor`` decoded."""

    limit: int
    cursor: dict[str, Any]


class Ctx:
    """Everything a handler may use. Handlers run inside one DB transaction (``ctx.db``)."""

    def __init__(
        self,
        *,
        runtime: "EmulatorRuntime",
        method: str,
        path: str,
        rel_path: str,
        query_string: str,
        headers: Headers,
        body: bytes,
        params: dict[str, str],
        tracking_id: str,
        base_url: str,
        auth: Auth | None,
    ) -> None:
        self.runtime = runtime
        self.state: State = runtime.state
        self.method = method
        self.path = path  # full path, e.g. /v1/people
        self.rel_path = rel_path  # path relative to /v1
        self.query_string = query_string
        self.query = QueryParams(query_string)
        self.headers = headers
        self.body = body
        self.params = params  # path parameters
        self.tracking_id = tracking_id
        self.base_url = base_url  # scheme://host[:port], no trailing slash
        self._auth = auth
        self._json: Any = None
        self._json_loaded = False

    # -- basics ---------------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        return self.state.conn

    @property
    def auth(self) -> Auth:
        if self._auth is None:  # only on auth=False routes
            raise WebexError(401)
        return self._auth

    @property
    def has_auth(self) -> bool:
        return self._auth is not None

    def now(self) -> datetime:
        return self.state.clock.now()

    def now_iso(self) -> str:
        return self.state.clock.iso_now()

    def require(self, scopes: ScopeReq | None = None, roles: Iterable[str] | None = None, description: str | None = None) -> None:
        """Extra scope/role check inside a handler (403 with the live message)."""
        require(self.auth, scopes, roles, description)

    # -- request body ---------------------------------------------------------------------------
    def json(self, *, required: bool = True) -> Any:
        """The parsed JSON body (any JSON content type, incl. json-patch+json); 400 if invalid."""
        if not self._json_loaded:
            self._json_loaded = True
            if not self.body.strip():
                if required:
                    raise bad_request("Request body is required.")
                self._json = None
            else:
                try:
                    self._json = json.loads(self.body)
                except ValueError:
                    raise bad_request("Request body is not valid JSON.") from None
        return self._json

    def json_object(self, *, required: bool = True) -> dict[str, Any]:
        data = self.json(required=required)
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise bad_request("Request body must be a JSON object.")
        return data

    def form(self) -> dict[str, str]:
        """``application/x-www-form-urlencoded`` body (OAuth token endpoints)."""
        return dict(parse_qsl(self.body.decode("utf-8", errors="replace"), keep_blank_values=True))

    # -- query parameters -------------------------------------------------------------------------
    def q(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, default)

    def q_bool(self, name: str, default: bool | None = False) -> bool | None:
        """Booleans accept true/True/TRUE and false/... (docs/webex-behaviour.md "Wire formats"); else 400."""
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        value = parse_bool(raw)
        if value is None:
            raise bad_request(f"Invalid boolean value '{raw}' for parameter '{name}'.")
        return value

    def q_int(self, name: str, default: int | None = None, *, minimum: int | None = None) -> int | None:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise bad_request(f"Invalid integer value '{raw}' for parameter '{name}'.") from None
        if minimum is not None and value < minimum:
            raise bad_request(f"Parameter '{name}' must be at least {minimum}.")
        return value

    # -- organizations ----------------------------------------------------------------------------
    def org_uuid(self, org_id: str | None = None) -> str:
        """Resolve an ``orgId`` parameter (default: the token's org) and check access.

        Only tokens that may act on other orgs (emulator admin / partner) may name a foreign
        org; others get 403 ([SA] GET /people ``orgId``: "Only admin users of another
        organization (such as partners) may use this parameter.").
        """
        if org_id:
            org = ids.decode_uuid(org_id, ids.ORGANIZATION)
            if org is None:
                raise not_found(f"Organization '{org_id}' not found.")
            row = self.db.execute("SELECT 1 FROM orgs WHERE uuid=?", (org,)).fetchone()
            if row is None:
                raise not_found(f"Organization '{org_id}' not found.")
            if not self.auth.can_access_org(org):
                raise forbidden()
            return org
        if self.auth.org_uuid is None:
            raise not_found("The token is not bound to an organization (seed one first).")
        return self.auth.org_uuid

    # -- responses --------------------------------------------------------------------------------
    def ok(self, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> ApiResponse:
        return ApiResponse(status=status, body=body, headers=dict(headers or {}))

    def no_content(self) -> ApiResponse:
        return ApiResponse(status=204)

    # -- paging -----------------------------------------------------------------------------------
    def page(self, *, default: int, cap: int, max_param: str = "max", cursor_param: str = "cursor") -> Page:
        """Read ``max`` (capped silently at ``cap``, docs/webex-behaviour.md "Paging") and the opaque cursor."""
        limit = self.q_int(max_param, default)
        assert limit is not None
        if limit < 1:
            raise bad_request(f"Parameter '{max_param}' must be a positive integer.")
        limit = min(limit, cap)
        raw = self.query.get(cursor_param)
        return Page(limit=limit, cursor=decode_cursor(raw) if raw else {})

    def next_link(self, replace: dict[str, str]) -> dict[str, str]:
        """``Link: <absolute-url>; rel="next"`` repeating EVERY original query parameter, with
        ``replace`` substituted (docs/webex-behaviour.md "Paging": clients send the query only once)."""
        items = [(k, v) for k, v in self.query.multi_items() if k not in replace]
        items.extend(replace.items())
        url = f"{self.base_url}{self.path}?{urlencode(items)}"
        return {"Link": f'<{url}>; rel="next"'}

    def keyset(
        self,
        fetch: Callable[[Any, int], Sequence[T]],
        key: Callable[[T], Any],
        *,
        default: int,
        cap: int,
        max_param: str = "max",
        cursor_param: str = "cursor",
    ) -> tuple[list[T], dict[str, str]]:
        """Keyset paging. ``fetch(after, n)`` returns up to ``n`` rows ordered by ``key`` and
        strictly after ``after`` (None on the first page). Returns (rows, headers)."""
        page = self.page(default=default, cap=cap, max_param=max_param, cursor_param=cursor_param)
        rows = list(fetch(page.cursor.get("after"), page.limit + 1))
        headers: dict[str, str] = {}
        if len(rows) > page.limit:
            rows = rows[: page.limit]
            headers = self.next_link({cursor_param: encode_cursor({"after": key(rows[-1])})})
        return rows, headers

    def offset_page(
        self, items: Sequence[T], *, default: int, cap: int, max_param: str = "max", cursor_param: str = "cursor"
    ) -> tuple[list[T], dict[str, str]]:
        """Paging over an in-memory list (offset cursor). Returns (page_items, headers)."""
        page = self.page(default=default, cap=cap, max_param=max_param, cursor_param=cursor_param)
        start = int(page.cursor.get("offset", 0))
        chunk = list(items[start : start + page.limit])
        headers: dict[str, str] = {}
        if start + page.limit < len(items):
            headers = self.next_link({cursor_param: encode_cursor({"offset": start + page.limit})})
        return chunk, headers
