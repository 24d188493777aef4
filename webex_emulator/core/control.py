"""The ``/_emulator`` control surface. Documented route by route in ``webex_emulator/CORE.md``.

It can reset the org, inject faults and mint admin tokens, so nothing but the developer may
drive it (issue 15). :class:`ControlGuard` wraps the whole mount (area routes included):

* ``Host`` must name the address the server is bound to (loopback names by default), and an
  ``Origin``, when a browser sends one, too: a page that rebinds its own DNS name to 127.0.0.1
  sends its own name, and is refused.
* ``Authorization: Bearer <admin token>`` or ``<control token>`` (random, printed at start) on
  every route but ``GET /health``, which answers only ``ok`` and this process's ``instance``
  nonce (how ``make emulator`` knows the process answering is the one it started).
* ``POST``/``PUT``/``PATCH`` only with ``Content-Type: application/json``: a cross-origin page
  can send ``text/plain`` without a CORS preflight, never JSON.
* ``/seed`` by ``path`` reads files only under the seed directories (``webex_emulator/seeds`` plus
  ``--seed-dir``); by ``name`` only from ``webex_emulator/seeds``. Clients send documents instead.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import ids
from . import service_apps as sa
from .auth import issue_token, normalize_role
from .ratelimit import parse_config
from .seeding import SEEDS_DIR
from .state import jloads
from .wire import parse_iso

if TYPE_CHECKING:
    from .app import EmulatorRuntime


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


Handler = Callable[[Request], Awaitable[Any]]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class ControlSettings:
    """Who may drive this emulator. ``EmulatorRuntime.control``; adjust before serving."""

    allowed_hosts: set[str] = field(default_factory=lambda: set(LOOPBACK_HOSTS))
    control_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    instance: str = field(default_factory=lambda: secrets.token_hex(8))
    seed_dirs: list[Path] = field(default_factory=lambda: [SEEDS_DIR])


def _hostname(value: str) -> str:
    try:
        return (urlsplit("//" + value).hostname or "").lower()
    except ValueError:
        return ""


class ControlGuard:
    """ASGI wrapper of the ``/_emulator`` mount; see the module docstring."""

    def __init__(self, app: Any, rt: "EmulatorRuntime") -> None:
        self.app = app
        self.rt = rt

    @property
    def routes(self) -> list[Any]:  # what Starlette's Mount.routes and route listings read
        return self.app.routes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                status, message = refusal
                await JSONResponse({"error": message}, status_code=status)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Any) -> tuple[int, str] | None:
        settings: ControlSettings = self.rt.control
        headers = Headers(scope=scope)
        host = _hostname(headers.get("host", ""))
        if host not in settings.allowed_hosts:
            return 403, (
                f"Host {host or '(none)'!r} is not this emulator's address "
                f"({', '.join(sorted(settings.allowed_hosts))}); refused (DNS rebinding)"
            )
        origin = headers.get("origin")
        if origin is not None and _hostname(origin.split("://", 1)[-1]) not in settings.allowed_hosts:
            return 403, f"requests from the web page {origin!r} are refused"
        method = scope["method"]
        if method == "GET" and scope["path"].rstrip("/").endswith("/_emulator/health"):
            return None
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not any(
            hmac.compare_digest(token.strip().encode(), t.encode()) for t in (self.rt.admin_token, settings.control_token)
        ):
            return 401, (
                "the emulator's control surface needs 'Authorization: Bearer <token>': the "
                "admin token ($WEBEX_EMULATOR_TOKEN) or the control_token printed at start"
            )
        if method in ("POST", "PUT", "PATCH"):
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                return 415, f"the control surface takes Content-Type: application/json, not {ctype or 'none'!r}"
        return None


_SEED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _seed_source(rt: "EmulatorRuntime", body: dict[str, Any]) -> Path:
    """The seed file a ``{name}`` or ``{path}`` names, only inside the allowed directories."""
    if body.get("path"):
        path = Path(str(body["path"])).resolve()
        for d in rt.control.seed_dirs:
            if path.is_relative_to(Path(d).resolve()):
                if not path.is_file():
                    raise ControlError(f"seed not found: {body['path']}", 404)
                return path
        raise ControlError(
            "seed paths must be under the seed directories "
            f"({', '.join(str(d) for d in rt.control.seed_dirs)}); send the document "
            "itself as the body instead",
            403,
        )
    name = str(body["name"])
    if not _SEED_NAME.match(name):
        raise ControlError(f"seed name {name!r}: a file name in webex_emulator/seeds, without a path", 400)
    for cand in (SEEDS_DIR / name, SEEDS_DIR / f"{name}.yaml", SEEDS_DIR / f"{name}.json"):
        if cand.is_file():
            return cand
    raise ControlError(f"seed not found: {name}", 404)


def _wrap(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            result = await fn(request)
        except ControlError as e:
            return JSONResponse({"error": str(e)}, status_code=e.status)
        except (ValueError, KeyError, TypeError, FileNotFoundError) as e:
            return JSONResponse({"error": f"{type(e).__name__}: {e}"}, status_code=400)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    return endpoint


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    import json

    try:
        return json.loads(raw)
    except ValueError:
        raise ControlError("body is not valid JSON") from None


def control_routes(rt: "EmulatorRuntime") -> list[Route]:
    state = rt.state

    async def health(request: Request) -> Any:
        return {"ok": True, "instance": rt.control.instance}

    async def info(request: Request) -> Any:
        base = f"{request.url.scheme}://{request.headers.get('host', '127.0.0.1')}"
        return {
            "baseUrl": base + "/v1",
            "statePath": state.path,
            "areas": [a.name for a in rt.areas],
            "routes": sorted({f"{r.method} {r.full_template}" for b in rt.routes.by_len.values() for r in b}),
        }

    # -- seeding ------------------------------------------------------------------------------
    async def seed(request: Request) -> Any:
        body = await _body(request)
        if body is None:
            raise ControlError("body required: a seed document, {name} or {path}")
        if isinstance(body, dict) and set(body) <= {"name", "path"} and body:
            return rt.seed(_seed_source(rt, body))
        return rt.seed(body)

    async def reset(request: Request) -> Any:
        body = await _body(request) or {}
        rt.reset()
        out: dict[str, Any] = {"reset": True}
        if body.get("seed") is not None:
            out["seed"] = rt.seed(body["seed"])
        return out

    async def orgs(request: Request) -> Any:
        with state.lock:
            rows = state.conn.execute("SELECT * FROM orgs ORDER BY seq").fetchall()
            out = []
            for r in rows:
                admin = state.conn.execute(
                    "SELECT uuid, email FROM people WHERE org_uuid=? AND roles LIKE '%id_full_admin%' ORDER BY seq LIMIT 1",
                    (r["uuid"],),
                ).fetchone()
                n = state.conn.execute("SELECT COUNT(*) FROM people WHERE org_uuid=?", (r["uuid"],)).fetchone()[0]
                out.append(
                    {
                        "id": ids.org_id(r["uuid"]),
                        "uuid": r["uuid"],
                        "displayName": r["display_name"],
                        "people": n,
                        "key": jloads(r["data"], {}).get("key"),
                        "adminPersonId": ids.person_id(admin["uuid"]) if admin else None,
                        "adminEmail": admin["email"] if admin else None,
                    }
                )
        return {"orgs": out}

    # -- rate limit ---------------------------------------------------------------------------
    async def rate_limit(request: Request) -> Any:
        if request.method == "PUT":
            rt.rate_limiter.configure(parse_config(await _body(request)))
        elif request.method == "DELETE":
            rt.rate_limiter.configure(None)
        cfg = rt.rate_limiter.config
        return {"rateLimit": cfg.to_json() if cfg else None}

    # -- faults -------------------------------------------------------------------------------
    async def faults(request: Request) -> Any:
        if request.method == "PUT":
            rt.faults.configure(await _body(request) or {})
        elif request.method == "PATCH":
            rt.faults.configure(await _body(request) or {}, merge=True)
        elif request.method == "DELETE":
            rt.faults.clear()
        return rt.faults.to_json()

    async def faults_script(request: Request) -> Any:
        body = await _body(request)
        entries = body if isinstance(body, list) else (body or {}).get("script", [])
        rt.faults.configure({"script": entries}, merge=True)
        return rt.faults.to_json()

    # -- accounting ---------------------------------------------------------------------------
    async def counts(request: Request) -> Any:
        return rt.accounting.counts_json()

    async def request_log(request: Request) -> Any:
        q = request.query_params
        limit = int(q["limit"]) if q.get("limit") else None
        return {"items": rt.accounting.log_json(limit=limit, method=q.get("method"), path_prefix=q.get("pathPrefix"))}

    async def violations(request: Request) -> Any:
        # Request-contract violations per route (webex_emulator/contract.py); DELETE /requests keeps
        # them, so a test's counter reset cannot hide a violation from the suite-wide check.
        return rt.contract.to_json()

    async def clear_requests(request: Request) -> Any:
        rt.accounting.clear()
        return {"cleared": True}

    # -- tokens -------------------------------------------------------------------------------
    async def mint_token(request: Request) -> Any:
        body = await _body(request) or {}
        scopes = body.get("scopes") or []
        if isinstance(scopes, str):
            scopes = scopes.split()
        with state.transaction() as db:
            if body.get("personId"):
                pu = ids.decode_uuid(body["personId"], ids.PEOPLE) or body["personId"]
                row = db.execute("SELECT uuid, org_uuid FROM people WHERE uuid=?", (pu,)).fetchone()
            elif body.get("email"):
                row = db.execute("SELECT uuid, org_uuid FROM people WHERE email_lc=?", (body["email"].lower(),)).fetchone()
            else:
                raise ControlError("email or personId required")
            if row is None:
                raise ControlError("person not found", 404)
            roles = body.get("roles")
            token, token_id = issue_token(
                db,
                person_uuid=row["uuid"],
                org_uuid=row["org_uuid"],
                scopes=scopes,
                now=state.clock.time(),
                created_iso=state.clock.iso_now(),
                kind=body.get("kind", "personal"),
                roles=None if roles is None else [normalize_role(r) for r in roles],
                client_id=body.get("clientId"),
                expires_in=body.get("expiresIn"),
                token=body.get("token"),
            )
        return {
            "token": token,
            "tokenId": token_id,
            "personId": ids.person_id(row["uuid"]),
            "orgId": ids.org_id(row["org_uuid"]),
            "scopes": sorted(set(scopes)),
        }

    # -- service apps -------------------------------------------------------------------------
    def _app_client_id(db: Any, ref: str) -> str:
        app = sa.get(db, client_id=ref) or sa.get(db, app_id=ref)
        if app is None:
            raise ControlError(f"service app {ref!r} not found", 404)
        return app["clientId"]

    def _org_uuid(db: Any, ref: str | None) -> str:
        if not ref:
            row = db.execute("SELECT uuid FROM orgs ORDER BY seq LIMIT 1").fetchone()
            if row is None:
                raise ControlError("no org seeded")
            return row["uuid"]
        u = ids.decode_uuid(ref, ids.ORGANIZATION) or ref
        row = db.execute("SELECT uuid FROM orgs WHERE uuid=?", (u,)).fetchone()
        if row is None:
            for r in db.execute("SELECT uuid, display_name, data FROM orgs"):
                if ref in (r["display_name"], jloads(r["data"], {}).get("key")):
                    return r["uuid"]
            raise ControlError(f"org {ref!r} not found", 404)
        return row["uuid"]

    async def service_apps(request: Request) -> Any:
        if request.method == "GET":
            with state.lock:
                return {"items": sa.list_apps(state.conn)}
        body = await _body(request) or {}
        if not body.get("name"):
            raise ControlError("name required")
        scopes = body.get("scopes") or []
        if isinstance(scopes, str):
            scopes = scopes.split()
        with state.transaction() as db:
            owner = _org_uuid(db, body.get("ownerOrgId")) if body.get("ownerOrgId") else None
            try:
                app, secret = sa.register(
                    db,
                    name=body["name"],
                    scopes=scopes,
                    now_iso=state.clock.iso_now(),
                    client_id=body.get("clientId"),
                    client_secret=body.get("clientSecret"),
                    owner_org_uuid=owner,
                )
            except ValueError as e:
                raise ControlError(str(e), 409) from None
        app["clientSecret"] = secret
        return app

    async def authorize_app(request: Request) -> Any:
        ref = request.path_params["app"]
        body = await _body(request) or {}
        with state.transaction() as db:
            client_id = _app_client_id(db, ref)
            org = _org_uuid(db, body.get("orgId") or request.query_params.get("orgId"))
            if request.method == "DELETE":
                sa.deauthorize(db, client_id, org)
            else:
                by = body.get("authorizedBy")
                by_uuid = ids.decode_uuid(by, ids.PEOPLE) if by else None
                sa.authorize(db, client_id, org, now_iso=state.clock.iso_now(), authorized_by=by_uuid)
            return sa.get(db, client_id=client_id)

    # -- clock --------------------------------------------------------------------------------
    async def clock(request: Request) -> Any:
        if request.method == "PUT":
            body = await _body(request) or {}
            state.clock.set(
                offset_seconds=body.get("offsetSeconds"),
                frozen_at=parse_iso(body["frozenAt"]) if body.get("frozenAt") else None,
                advance_seconds=body.get("advanceSeconds"),
                unfreeze=bool(body.get("unfreeze")),
            )
        elif request.method == "DELETE":
            state.clock.set(offset_seconds=0, unfreeze=True)
        return state.clock.config()

    R = Route
    return [
        R("/health", _wrap(health), methods=["GET"]),
        R("/info", _wrap(info), methods=["GET"]),
        R("/seed", _wrap(seed), methods=["POST"]),
        R("/reset", _wrap(reset), methods=["POST"]),
        R("/orgs", _wrap(orgs), methods=["GET"]),
        R("/rate-limit", _wrap(rate_limit), methods=["GET", "PUT", "DELETE"]),
        R("/faults", _wrap(faults), methods=["GET", "PUT", "PATCH", "DELETE"]),
        R("/faults/script", _wrap(faults_script), methods=["POST"]),
        R("/requests/counts", _wrap(counts), methods=["GET"]),
        R("/requests/log", _wrap(request_log), methods=["GET"]),
        R("/requests/violations", _wrap(violations), methods=["GET"]),
        R("/requests", _wrap(clear_requests), methods=["DELETE"]),
        R("/tokens", _wrap(mint_token), methods=["POST"]),
        R("/service-apps", _wrap(service_apps), methods=["GET", "POST"]),
        R("/service-apps/{app}/authorize", _wrap(authorize_app), methods=["POST", "DELETE"]),
        R("/clock", _wrap(clock), methods=["GET", "PUT", "DELETE"]),
    ]
