"""Run the emulator for tests: ``EmulatorServer`` (real HTTP on 127.0.0.1, free port).

    from webex_emulator.testing import EmulatorServer

    with EmulatorServer(seed="sample") as emu:
        r = httpx.get(emu.base_url + "/people/me",
                      headers={"Authorization": f"Bearer {emu.admin_token}"})
        emu.set_faults(script=[{"status": 502, "when": "after", "method": "PATCH"}])
        emu.request_counts()["PATCH /v1/licenses/users"]

Modes: ``subprocess=False`` (default) runs uvicorn in a background thread of this process
(fast; ``emu.runtime`` gives direct access to state for white-box checks);
``subprocess=True`` runs ``python -m webex_emulator`` in a child process (isolation, benchmarks,
kill/restart tests). Both expose the same methods, all via the ``/_emulator`` control surface,
which needs the admin token (sent by every method here; webex_emulator/core/control.py).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess as sp
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from webex_emulator.__main__ import bind_socket

Seed = str | Path | dict[str, Any] | None


class EmulatorServer:
    def __init__(
        self,
        seed: Seed = "sample",
        state_path: str | Path | None = None,
        rate_limit: Any = None,
        faults: dict[str, Any] | None = None,
        admin_token: str | None = None,
        *,
        subprocess: bool = False,
        port: int = 0,
        startup_timeout: float = 30.0,
    ) -> None:
        self.seed_spec = seed
        self.state_path = str(state_path) if state_path is not None else ":memory:"
        self.initial_rate_limit = rate_limit
        self.initial_faults = faults
        self.admin_token = admin_token or secrets.token_urlsafe(32)
        self.use_subprocess = subprocess
        self.port = port
        self.startup_timeout = startup_timeout
        self.root_url = ""
        self.base_url = ""
        self.seed_summary: dict[str, Any] | None = None
        self.control_token = ""  # the other token /_emulator accepts (printed at start)
        self.runtime: Any = None  # EmulatorRuntime (thread mode only)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._proc: sp.Popen[str] | None = None
        self._http: httpx.Client | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> "EmulatorServer":
        if self.use_subprocess:
            self._start_process()
        else:
            self._start_thread()
        self.base_url = self.root_url + "/v1"
        self._http = httpx.Client(
            base_url=self.root_url + "/_emulator", timeout=30.0, headers={"Authorization": f"Bearer {self.admin_token}"}
        )
        if self.initial_rate_limit is not None:
            self.set_rate_limit(self.initial_rate_limit)
        if self.initial_faults:
            self.set_faults(self.initial_faults)
        if self.seed_spec is not None and not self.orgs():
            self.seed_summary = self.seed(self.seed_spec)
        return self

    def _start_thread(self) -> None:
        import uvicorn

        from webex_emulator import create_app

        app = create_app(state_path=self.state_path, admin_token=self.admin_token)
        self.runtime = app.runtime
        self.control_token = app.runtime.control.control_token
        sock = bind_socket("127.0.0.1", self.port)
        self.port = sock.getsockname()[1]
        self.root_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, http="h11", lifespan="off", access_log=False, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"emulator-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("emulator did not start")
            time.sleep(0.01)
        self._sock = sock  # uvicorn serves on this very socket object; keep it open

    def _start_process(self) -> None:
        cmd = [
            sys.executable,
            "-m",
            "webex_emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--state",
            self.state_path,
        ]
        env = dict(os.environ)
        env["WEBEX_EMULATOR_TOKEN"] = self.admin_token  # never in argv (ps shows it to everyone)
        env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
        # stderr goes to a file, not a pipe: an undrained pipe would block a chatty child.
        self._stderr_file = tempfile.NamedTemporaryFile(prefix="emulator-stderr-", suffix=".log", delete=False)
        self._proc = sp.Popen(cmd, stdout=sp.PIPE, stderr=self._stderr_file, text=True, env=env)
        info: dict[str, str] = {}
        deadline = time.monotonic() + self.startup_timeout
        assert self._proc.stdout is not None
        while "instance" not in info:
            if time.monotonic() > deadline or self._proc.poll() is not None:
                raise RuntimeError(f"emulator process did not start: {self.stderr_text()}")
            line = self._proc.stdout.readline()
            if "=" in line:
                k, _, v = line.strip().partition("=")
                info[k] = v
        self.root_url = info["root_url"]
        self.control_token = info.get("control_token", "")
        self.port = int(self.root_url.rsplit(":", 1)[1])
        while time.monotonic() < deadline:
            try:
                r = httpx.get(self.root_url + "/_emulator/health", timeout=1)
                # The nonce proves the answer comes from our child, not whatever held the port.
                if r.status_code == 200 and r.json().get("instance") == info["instance"]:
                    return
            except httpx.HTTPError:
                time.sleep(0.02)
        raise RuntimeError("emulator process not healthy")

    def stop(self) -> None:
        if self._http is not None:
            from webex_emulator.contract import report_server  # suite-wide request-contract check

            report_server(self)
            self._http.close()
            self._http = None
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=10)
            if self.runtime is not None:
                self.runtime.state.close()
            self._server = None
            self._thread = None
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except sp.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout:
                self._proc.stdout.close()
            self._proc = None
            self._stderr_file.close()
            Path(self._stderr_file.name).unlink(missing_ok=True)

    def stderr_text(self) -> str:
        """What the child process wrote to stderr (subprocess mode)."""
        f = getattr(self, "_stderr_file", None)
        if f is None:
            return ""
        try:
            return Path(f.name).read_text(errors="replace")[-20000:]
        except OSError:
            return ""

    def kill(self) -> None:
        """Hard-kill the child process (subprocess mode): simulates a crash."""
        if self._proc is None:
            raise RuntimeError("kill() needs subprocess=True")
        self._proc.kill()
        self._proc.wait()
        self.stop()

    def restart(self) -> "EmulatorServer":
        """Stop and start again on the same state (file) and port; nothing is re-seeded."""
        self.stop()
        return self.start()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else os.getpid()

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- convenience ----------------------------------------------------------------------------
    @property
    def org_id(self) -> str:
        return self.orgs()[0]["id"]

    @property
    def admin_person_id(self) -> str | None:
        return self.orgs()[0]["adminPersonId"]

    def client(self, token: str | None = None, **kw: Any) -> httpx.Client:
        """An ``httpx.Client`` on ``base_url`` with ``Authorization: Bearer <token or admin>``."""
        headers = {"Authorization": f"Bearer {token or self.admin_token}"}
        headers.update(kw.pop("headers", {}))
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=kw.pop("timeout", 30.0), **kw)

    def _call(self, http_method: str, path: str, body: Any = None, *, timeout: float | None = None, **params: Any) -> Any:
        assert self._http is not None, "server not started"
        r = self._http.request(
            http_method,
            path,
            params={k: v for k, v in params.items() if v is not None},
            content=None if body is None else json.dumps(body),
            headers={"Content-Type": "application/json"},
            timeout=self._http.timeout if timeout is None else timeout,
        )
        if r.status_code >= 400:
            raise RuntimeError(f"control {http_method} {path} -> {r.status_code}: {r.text}")
        return r.json()

    # -- control surface ------------------------------------------------------------------------
    def orgs(self) -> list[dict[str, Any]]:
        return self._call("GET", "/orgs")["orgs"]

    def seed(self, seed: Seed, *, timeout: float | None = None) -> dict[str, Any]:
        """Seed "sample"/a file path/a dict; returns the summary (ids of orgs, licenses, ...).
        ``timeout``: seconds to wait for the answer, for seeds larger than 30 s can build."""
        if isinstance(seed, dict):
            return self._call("POST", "/seed", seed, timeout=timeout)
        p = Path(str(seed))
        if p.exists():
            # The emulator reads no file outside its seed directories: send the document.
            from webex_emulator.core.seeding import load_seed

            return self._call("POST", "/seed", load_seed(p), timeout=timeout)
        return self._call("POST", "/seed", {"name": str(seed)}, timeout=timeout)

    def reset(self, seed: Seed = None) -> dict[str, Any]:
        out = self._call("POST", "/reset", {})
        if seed is not None:
            out["seed"] = self.seed_summary = self.seed(seed)
        return out

    def set_faults(
        self,
        config: dict[str, Any] | None = None,
        *,
        rules: list[Any] | None = None,
        script: list[Any] | None = None,
        latency: Any = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """Replace the fault configuration (see webex_emulator/core/faults.py)."""
        cfg = dict(config or {})
        for k, v in (("rules", rules), ("script", script), ("latency", latency), ("seed", seed)):
            if v is not None:
                cfg[k] = v
        return self._call("PUT", "/faults", cfg)

    def add_fault_script(self, entries: list[Any]) -> dict[str, Any]:
        return self._call("POST", "/faults/script", entries)

    def faults(self) -> dict[str, Any]:
        return self._call("GET", "/faults")

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def set_rate_limit(self, rate: Any, burst: int | None = None) -> dict[str, Any]:
        """``set_rate_limit(5, burst=10)``; ``set_rate_limit(None)`` disables."""
        body = rate if isinstance(rate, dict) or rate is None else {"rate": rate, "burst": burst}
        return self._call("PUT", "/rate-limit", body)

    def request_counts(self) -> dict[str, int]:
        """``{"PATCH /v1/licenses/users": 3, ...}`` (route templates, incl. faulted requests)."""
        return self._call("GET", "/requests/counts")["counts"]

    def request_counts_by_status(self) -> dict[str, dict[str, int]]:
        return self._call("GET", "/requests/counts")["byStatus"]

    def request_log(
        self, *, limit: int | None = None, method: str | None = None, path_prefix: str | None = None
    ) -> list[dict[str, Any]]:
        return self._call("GET", "/requests/log", limit=limit, method=method, pathPrefix=path_prefix)["items"]

    def reset_counters(self) -> None:
        self._call("DELETE", "/requests")

    def mint_token(
        self, email: str, scopes: list[str] | str, *, roles: list[str] | None = None, expires_in: float | None = None
    ) -> str:
        body: dict[str, Any] = {"email": email, "scopes": scopes}
        if roles is not None:
            body["roles"] = roles
        if expires_in is not None:
            body["expiresIn"] = expires_in
        return self._call("POST", "/tokens", body)["token"]

    def register_service_app(
        self,
        name: str,
        scopes: list[str],
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        owner_org_id: str | None = None,
    ) -> dict[str, Any]:
        """Developer-portal step. Returns the app incl. ``clientSecret`` (shown only here)."""
        body: dict[str, Any] = {"name": name, "scopes": scopes}
        for k, v in (("clientId", client_id), ("clientSecret", client_secret), ("ownerOrgId", owner_org_id)):
            if v is not None:
                body[k] = v
        return self._call("POST", "/service-apps", body)

    def authorize_service_app(self, app: str, org_id: str | None = None, authorized_by: str | None = None) -> dict[str, Any]:
        """Control Hub step: a Full Admin authorizes ``app`` (app id or client id) for an org
        (default: the first org)."""
        body: dict[str, Any] = {}
        if org_id:
            body["orgId"] = org_id
        if authorized_by:
            body["authorizedBy"] = authorized_by
        return self._call("POST", f"/service-apps/{app}/authorize", body)

    def deauthorize_service_app(self, app: str, org_id: str | None = None) -> dict[str, Any]:
        return self._call("DELETE", f"/service-apps/{app}/authorize", orgId=org_id)

    def service_apps(self) -> list[dict[str, Any]]:
        return self._call("GET", "/service-apps")["items"]

    def set_clock(
        self,
        *,
        offset_seconds: float | None = None,
        frozen_at: str | None = None,
        advance_seconds: float | None = None,
        unfreeze: bool = False,
    ) -> dict[str, Any]:
        body = {"offsetSeconds": offset_seconds, "frozenAt": frozen_at, "advanceSeconds": advance_seconds, "unfreeze": unfreeze}
        return self._call("PUT", "/clock", {k: v for k, v in body.items() if v not in (None, False)})

    def reset_clock(self) -> dict[str, Any]:
        return self._call("DELETE", "/clock")


def allow_test_client(app: Any) -> Any:
    """Let starlette's in-process ``TestClient`` (``Host: testserver``) drive ``/_emulator``.

    Only for an app built in the test's own process: a real server never answers that name.
    """
    app.runtime.control.allowed_hosts.add("testserver")
    return app


def temp_state_path(prefix: str = "emulator-") -> str:
    """A fresh state file path in a new temp directory (caller cleans up)."""
    return str(Path(tempfile.mkdtemp(prefix=prefix)) / "state.db")
