"""The ASGI application: request pipeline for ``/v1`` plus the ``/_emulator`` control surface.

Pipeline for every ``/v1`` request (order matters and is relied on by tests):

1. tracking id: echo the request ``TrackingID`` header or mint ``ROUTER_<hex>``;
2. route resolution (template used for accounting);
3. fault injection — latency, then a ``before`` fault answers without touching state;
4. rate limit (per bearer token) — 429 + integer ``Retry-After``, request not processed;
5. 404/405 for unknown routes; bearer authentication (401) and route scope/role checks (403);
   the request contract (webex_emulator/contract.py): violations counted, the 400 decided;
6. the handler, inside ONE transaction (commit on success, rollback on WebexError); a contract
   400 is raised after it, so the handler's own 4xx wins and a violating write is rolled back;
7. an ``after`` fault replaces the (already committed) response — "outcome unknown";
8. accounting: counts + request log (also for faulted and rate-limited requests).
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Router

from .accounting import Accounting, LogEntry, body_for_log
from .area import Area, discover_areas
from .auth import authenticate, ensure_admin_token, new_token_string, require
from .context import Ctx
from .control import ControlGuard, ControlSettings, control_routes
from .errors import MESSAGES, WebexError
from .faults import FaultInjector, FaultSpec, withhold_one_license
from .ratelimit import RateLimiter, parse_config
from .routing import RouteTable
from .seeding import apply_seed
from .state import State
from .wire import JSON_CONTENT_TYPE, TRACKING_HEADER, ApiResponse, dumps, iso, new_tracking_id

log = logging.getLogger("emulator")

API_PREFIX = "/v1"


class ConnectionDropped(Exception):
    """Raised to abort a request without a response when the server is not uvicorn/h11
    (e.g. httpx's in-process ASGI transport): the client then sees an exception."""


class EmulatorRuntime:
    """Everything one emulator instance owns. Reachable from handlers as ``ctx.runtime``."""

    def __init__(
        self,
        state: State,
        areas: list[Area],
        *,
        admin_token: str,
        rate_limit: Any = None,
        faults: dict[str, Any] | None = None,
        strict: bool | None = None,
    ) -> None:
        from webex_emulator.contract import RequestContract, load_spec_or_none, strict_from_env

        self.state = state
        self.contract = RequestContract(load_spec_or_none(), strict=strict_from_env() if strict is None else strict)
        self.areas = areas
        self.admin_token = admin_token
        self.routes = RouteTable()
        for area in areas:
            if area.schema:
                state.apply_schema(area.schema)
            if area.router is not None:
                for r in area.router.routes:
                    self.routes.add(r)
        self.rate_limiter = RateLimiter(parse_config(rate_limit))
        self.faults = FaultInjector(faults)
        self.accounting = Accounting()
        # Who may drive the /_emulator surface; __main__ and webex_emulator.testing adjust it before serving.
        self.control = ControlSettings()
        ensure_admin_token(state, admin_token)

    # -- seeding / reset ----------------------------------------------------------------------
    def seed(self, seed: Any) -> dict[str, Any]:
        summary = apply_seed(self.state, self.areas, seed)
        ensure_admin_token(self.state, self.admin_token)
        return summary

    def reset(self) -> None:
        self.state.reset()
        ensure_admin_token(self.state, self.admin_token)

    def person_deleted(self, person_uuid: str, org_uuid: str) -> None:
        """Run every area's ``on_person_deleted`` hook (inside the caller's transaction)."""
        for area in self.areas:
            if area.on_person_deleted is not None:
                area.on_person_deleted(self.state.conn, person_uuid, org_uuid)


async def _read_body(receive: Any) -> bytes:
    chunks = []
    more = True
    while more:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            break
        chunks.append(msg.get("body", b""))
        more = msg.get("more_body", False)
    return b"".join(chunks)


async def _send(send: Any, status: int, body: bytes, content_type: str | None, headers: dict[str, str]) -> None:
    raw = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]
    if content_type and body:
        raw.append((b"content-type", content_type.encode("latin-1")))
    if status not in (204, 304):  # RFC 9110: no Content-Length on 204
        raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _drop(scope: dict[str, Any], send: Any) -> None:
    """Close the TCP connection without any response.

    Under uvicorn's h11 server the raw ``send`` is a bound method of the request cycle, which
    holds the transport: closing it and flagging the cycle disconnected makes uvicorn neither
    answer nor log an error. Anywhere else raise, so the caller still sees a failure."""
    raw_send = scope.get("emulator.raw_send", send)
    cycle = getattr(raw_send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if cycle is not None and transport is not None and hasattr(cycle, "disconnected"):
        cycle.disconnected = True
        transport.close()
        return
    raise ConnectionDropped("connection dropped by fault injection")


def _error(err: WebexError, tracking_id: str) -> ApiResponse:
    return ApiResponse(status=err.status, body=err.body(tracking_id), headers=dict(err.headers))


def _fault_response(spec: FaultSpec, tracking_id: str) -> ApiResponse:
    status = int(spec.status)
    headers = {}
    if spec.retry_after is not None:
        headers["Retry-After"] = str(int(spec.retry_after))
    elif status == 429:
        headers["Retry-After"] = "1"  # clients call int() on it (docs/webex-behaviour.md "Rate limits and retries")
    err = WebexError(status, spec.message or MESSAGES.get(status), headers=headers)
    return _error(err, tracking_id)


class ApiApp:
    """Pure-ASGI handler for everything under ``/v1``."""

    def __init__(self, runtime: EmulatorRuntime) -> None:
        self.rt = runtime

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        t0 = time.perf_counter()
        rt = self.rt
        method: str = scope["method"].upper()
        path: str = scope["path"]
        rel_path = path[len(API_PREFIX) :] or "/"
        headers = Headers(scope=scope)
        tracking_id = headers.get("trackingid") or new_tracking_id()
        query_string = scope.get("query_string", b"").decode("latin-1")
        body = await _read_body(receive)
        route, params, path_known = rt.routes.resolve(method, rel_path)
        template = route.full_template if route is not None else None
        entry = LogEntry(
            method=method,
            path=path,
            route=template,
            query=query_string,
            body=body_for_log(body, headers.get("content-type")),
            status=0,
            tracking_id=tracking_id,
            timestamp=iso(datetime.now(timezone.utc)),
            applied=False,
        )
        response: ApiResponse | None = None
        try:
            fault, delay = rt.faults.pick(method, path)
            if delay:
                await asyncio.sleep(delay)
            partial = False
            if fault is not None and fault.partial:  # 206: one license item is withheld
                withheld = withhold_one_license(body)
                partial, fault = withheld is not None, None
                body = withheld if withheld is not None else body
            if fault is not None and fault.when == "before":
                entry.fault = f"{fault.status} before"
                if fault.drop:
                    await _drop(scope, send)
                    return
                response = _fault_response(fault, tracking_id)
                return

            token = None
            authz = headers.get("authorization") or ""
            if authz[:7].lower() == "bearer ":
                token = authz[7:].strip()
            retry_after = rt.rate_limiter.check(token or f"anon:{scope.get('client')}")
            if retry_after is not None:
                entry.fault = "429 ratelimit"
                response = _error(WebexError(429, headers={"Retry-After": str(retry_after)}), tracking_id)
                return

            response = self._handle(
                route, params, path_known, method, path, rel_path, query_string, headers, body, tracking_id, scope
            )
            entry.applied = response.status < 400
            if partial and response.status == 200:
                entry.fault = "206 partial"
                response.status = 206

            if fault is not None:  # an "after" fault: the write is committed, the client
                entry.fault = f"{fault.status} after"  # sees a failure anyway
                if fault.drop:
                    response = None
                    await _drop(scope, send)
                    return
                response = _fault_response(fault, tracking_id)
        finally:
            if response is not None:
                response.headers[TRACKING_HEADER] = tracking_id
                payload, ctype = response.encode()
                entry.status = response.status
                try:
                    await _send(send, response.status, payload, ctype, response.headers)
                finally:
                    entry.duration_ms = (time.perf_counter() - t0) * 1000
                    rt.accounting.record(entry)
            else:
                entry.duration_ms = (time.perf_counter() - t0) * 1000
                rt.accounting.record(entry)

    def _check_contract(
        self, route: Any, method: str, params: dict[str, str], query_string: str, headers: Headers, body: bytes
    ) -> WebexError | None:
        """The request contract (webex_emulator/contract.py): count violations; the 400 to answer."""
        contract = self.rt.contract
        query = parse_qsl(query_string, keep_blank_values=True)
        violations = contract.check(method, route.template, params, query, headers, body)
        if violations:
            contract.record(f"{method} {route.full_template}", violations)
            if contract.rejects(violations):
                return _contract_error([v.text() for v in violations])
        return None

    def _handle(
        self,
        route: Any,
        params: dict[str, str],
        path_known: bool,
        method: str,
        path: str,
        rel_path: str,
        query_string: str,
        headers: Headers,
        body: bytes,
        tracking_id: str,
        scope: dict[str, Any],
    ) -> ApiResponse:
        rt = self.rt
        try:
            if route is None:
                raise WebexError(405) if path_known else WebexError(404)
            auth = None
            if route.auth:
                auth = authenticate(rt.state, headers.get("authorization"))
                require(auth, route.scopes, route.roles)
            contract_error = self._check_contract(route, method, params, query_string, headers, body)
            host = headers.get("host") or "127.0.0.1"
            base_url = f"{scope.get('scheme', 'http')}://{host}"
            ctx = Ctx(
                runtime=rt,
                method=method,
                path=path,
                rel_path=rel_path,
                query_string=query_string,
                headers=headers,
                body=body,
                params=params,
                tracking_id=tracking_id,
                base_url=base_url,
                auth=auth,
            )
            with rt.state.transaction():
                # The handler runs first so that its own, more specific 4xx wins; a request that
                # breaks the contract but would succeed is rolled back and answered 400.
                result = route.handler(ctx)
                if contract_error is not None:
                    raise contract_error
            if not isinstance(result, ApiResponse):
                result = ApiResponse(status=200, body=result)
            return result
        except WebexError as err:
            return _error(err, tracking_id)
        except Exception:  # a bug in an area: answer like Webex would, keep the traceback
            log.error("unhandled error in %s %s\n%s", method, path, traceback.format_exc())
            return _error(WebexError(500), tracking_id)


def _contract_error(texts: list[str]) -> WebexError:
    return WebexError(400, description="; ".join(texts)[:2000])


class EmulatorStarlette(Starlette):
    """Starlette app whose ``/v1`` traffic goes straight to :class:`ApiApp`.

    Why bypass Starlette's middleware for ``/v1``: the pipeline needs uvicorn's raw ``send``
    to drop connections, and fewer layers keep the hot path fast."""

    api: ApiApp
    runtime: EmulatorRuntime

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path = scope.get("path", "")
            if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                scope["emulator.raw_send"] = send
                await self.api(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(
    state_path: str = ":memory:",
    seed: Any = None,
    admin_token: str | None = None,
    rate_limit: Any = None,
    faults: dict[str, Any] | None = None,
    areas: list[Area] | None = None,
    strict: bool | None = None,
) -> EmulatorStarlette:
    """Build the emulator.

    ``seed`` ("sample", a path or a dict) is applied only when the state holds no org yet, so
    restarting on the same state file never re-seeds. ``admin_token`` defaults to a random one
    (read it back from ``app.state.admin_token``). ``rate_limit``: None, a number (req/s) or
    ``{"rate", "burst"}``. ``faults``: see :mod:`webex_emulator.core.faults`. ``strict``: hold
    requests to the spec as written (default: ``WEBEX_EMULATOR_STRICT``; webex_emulator/contract.py).
    """
    if state_path != ":memory:":
        Path(state_path).parent.mkdir(parents=True, exist_ok=True)
    state = State(state_path)
    areas = discover_areas() if areas is None else areas
    runtime = EmulatorRuntime(
        state, areas, admin_token=admin_token or new_token_string(), rate_limit=rate_limit, faults=faults, strict=strict
    )
    seed_summary = None
    if seed is not None and not state.has_org():
        seed_summary = runtime.seed(seed)

    extra = [r for a in areas for r in a.control_routes]

    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(WebexError(404).body(new_tracking_id()), status_code=404)

    app = EmulatorStarlette(
        # ControlGuard: token, Host and JSON checks for every control route (core/control.py).
        routes=[Mount("/_emulator", app=ControlGuard(Router(control_routes(runtime) + extra), runtime))],
        exception_handlers={404: not_found},
    )
    app.api = ApiApp(runtime)
    app.runtime = runtime
    app.state.runtime = runtime
    app.state.admin_token = runtime.admin_token
    app.state.seed_summary = seed_summary
    return app


__all__ = ["create_app", "EmulatorRuntime", "ConnectionDropped", "JSON_CONTENT_TYPE", "dumps"]
