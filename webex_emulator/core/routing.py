"""Route declaration for area modules.

An area creates one :class:`Router` and decorates plain *synchronous* handler functions::

    router = Router()

    @router.route("GET", "/people/{personId}", scopes=["spark:people_read"])
    def get_person(ctx: Ctx) -> ApiResponse: ...

Paths are relative to ``/v1``. Static segments match in any letter case (Webex accepts e.g.
``/groups/{id}/Members``, docs/webex-behaviour.md "Groups"); a static segment beats a ``{param}`` one, so
``/people/me`` wins over ``/people/{personId}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from .auth import ScopeReq

Handler = Callable[..., object]


@dataclass
class Route:
    method: str
    template: str  # e.g. "/people/{personId}" (relative to /v1)
    handler: Handler
    scopes: ScopeReq | None = None  # alternatives; see webex_emulator.core.auth.ScopeReq
    roles: frozenset[str] | None = None
    auth: bool = True  # False: no bearer token needed (e.g. OAuth token endpoint)
    segments: tuple[str, ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        self.segments = tuple(s for s in self.template.strip("/").split("/") if s)
        self._static = tuple(not (s.startswith("{") and s.endswith("}")) for s in self.segments)
        self._lower = tuple(s.lower() for s in self.segments)

    @property
    def full_template(self) -> str:
        return "/v1" + self.template

    def match(self, parts: list[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for part, seg, low, static in zip(parts, self.segments, self._lower, self._static):
            if static:
                if part.lower() != low:
                    return None
            else:
                if not part:
                    return None
                params[seg[1:-1]] = part
        return params

    @property
    def specificity(self) -> tuple[bool, ...]:
        return self._static


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(
        self, method: str, template: str, *, scopes: ScopeReq | None = None, roles: Iterable[str] | None = None, auth: bool = True
    ) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self.routes.append(
                Route(method, template, fn, scopes=scopes, roles=None if roles is None else frozenset(roles), auth=auth)
            )
            return fn

        return deco

    def get(self, template: str, **kw) -> Callable[[Handler], Handler]:
        return self.route("GET", template, **kw)

    def post(self, template: str, **kw) -> Callable[[Handler], Handler]:
        return self.route("POST", template, **kw)

    def put(self, template: str, **kw) -> Callable[[Handler], Handler]:
        return self.route("PUT", template, **kw)

    def patch(self, template: str, **kw) -> Callable[[Handler], Handler]:
        return self.route("PATCH", template, **kw)

    def delete(self, template: str, **kw) -> Callable[[Handler], Handler]:
        return self.route("DELETE", template, **kw)


class RouteTable:
    """All routes of all areas; resolves (method, path) → (route, params)."""

    def __init__(self) -> None:
        self.by_len: dict[int, list[Route]] = {}

    def add(self, route: Route) -> None:
        bucket = self.by_len.setdefault(len(route.segments), [])
        for r in bucket:
            if r.method == route.method and r._lower == route._lower:
                raise ValueError(f"duplicate route {route.method} {route.template}")
        bucket.append(route)
        # Most specific first: compare static-ness segment by segment.
        bucket.sort(key=lambda r: tuple(not s for s in r.specificity))

    def resolve(self, method: str, rel_path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, params, path_known). ``path_known`` with no route means 405."""
        parts = [p for p in rel_path.strip("/").split("/")] if rel_path.strip("/") else []
        path_known = False
        for r in self.by_len.get(len(parts), []):
            params = r.match(parts)
            if params is None:
                continue
            if r.method == method:
                return r, params, True
            path_known = True
        return None, {}, path_known
