"""A throwaway PostgreSQL server on loopback, for the team-backend tests and `make bench`.

    with PostgresServer() as pg:
        os.environ["PULUMI_BACKEND_URL"] = pg.backend_url   # postgres://…/pulumi?sslmode=disable

Its own data directory under a temp dir, its own free loopback port, password authentication,
stopped and removed at the end. PostgreSQL refuses to run as root, so when we are root (CI
containers) initdb/pg_ctl run as the unprivileged ``postgres`` user the Debian package creates.
The binaries come from ``WEBEX_IAC_PG_BIN``, ``pg_config --bindir`` or
/usr/lib/postgresql/<major>/bin (Debian's ``postgresql`` package; install instruction in
:data:`INSTALL_HINT`).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = "install PostgreSQL: `sudo apt-get install -y postgresql` (Debian/Ubuntu), or set WEBEX_IAC_PG_BIN"
DB_USER = "webexiac"
DB_NAME = "pulumi"
RUN_AS = "postgres"  # the Debian package's system user; used only when we are root


class PostgresUnavailable(RuntimeError):
    pass


def find_bin_dir() -> Path | None:
    explicit = os.environ.get("WEBEX_IAC_PG_BIN")
    candidates = [explicit] if explicit else []
    if shutil.which("pg_config"):
        try:
            candidates.append(
                subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
            )
        except subprocess.CalledProcessError:
            pass
    # Newest major first: /usr/lib/postgresql/15/bin, …
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, bin_dir: Path | None = None) -> None:
        found = bin_dir or find_bin_dir()
        if found is None:
            raise PostgresUnavailable(f"PostgreSQL is not installed: {INSTALL_HINT}")
        self.bin_dir: Path = found
        self.password = secrets.token_urlsafe(18)
        self.port = 0
        self.root: Path | None = None
        self.version = ""
        self._as_user: pwd.struct_passwd | None = None

    # -- processes ---------------------------------------------------------------------------
    def _cmd(self, tool: str, *args: str) -> list[str]:
        argv = [str(self.bin_dir / tool), *args]
        if self._as_user is not None:
            # setpriv, not su/sudo: no PAM, no login shell, nothing to configure.
            argv = ["setpriv", f"--reuid={self._as_user.pw_uid}", f"--regid={self._as_user.pw_gid}", "--init-groups", "--", *argv]
        return argv

    def _run(self, tool: str, *args: str, **kw) -> subprocess.CompletedProcess:
        env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8", "PGPASSWORD": self.password, "HOME": str(self.root)}
        r = subprocess.run(
            self._cmd(tool, *args), capture_output=True, text=True, env=env, cwd=self.root, timeout=kw.pop("timeout", 120), **kw
        )
        if r.returncode != 0:
            raise PostgresUnavailable(
                f"{tool} {' '.join(args[:2])} failed ({r.returncode}): {(r.stderr or r.stdout).strip()[-2000:]}"
            )
        return r

    def start(self) -> "PostgresServer":
        if os.geteuid() == 0:
            try:
                self._as_user = pwd.getpwnam(RUN_AS)
            except KeyError:
                raise PostgresUnavailable(
                    f"running as root and there is no {RUN_AS!r} user to run PostgreSQL as: {INSTALL_HINT}"
                ) from None
        # mkdtemp is 0700 and ours; the server's user must own it.
        self.root = Path(tempfile.mkdtemp(prefix="webex-iac-pg-"))
        if self._as_user is not None:
            os.chown(self.root, self._as_user.pw_uid, self._as_user.pw_gid)
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")  # initdb reads it: the password is never in argv
        if self._as_user is not None:
            os.chown(pwfile, self._as_user.pw_uid, self._as_user.pw_gid)
        pwfile.chmod(0o600)
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            DB_USER,
            "--pwfile",
            str(pwfile),
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--no-instructions",
        )
        pwfile.unlink()
        last: Exception | None = None
        for _ in range(3):  # a free port can be taken between probing and binding
            self.port = _free_port()
            try:
                # fsync off: the server is thrown away; only the locking semantics matter.
                self._run(
                    "pg_ctl",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.root / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root}"
                    " -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                    "start",
                )
                break
            except PostgresUnavailable as e:
                last = e
        else:
            raise PostgresUnavailable(f"{last}\n{self.log_tail()}")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", DB_USER, DB_NAME)
        self.version = self.sql("SELECT version()")
        return self

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            if (self.data_dir / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- use ---------------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def backend_url(self) -> str:
        """Pulumi's DIY PostgreSQL backend (state in table ``pulumi_state``)."""
        return f"postgres://{DB_USER}:{self.password}@127.0.0.1:{self.port}/{DB_NAME}?sslmode=disable"

    @property
    def backend_url_without_password(self) -> str:
        """The same, for ``PGPASSWORD`` in the environment (libpq's variables; the Go driver reads them)."""
        return f"postgres://{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}?sslmode=disable"

    def sql(self, query: str) -> str:
        """Run one query with psql; the unaligned, tuples-only result."""
        return self._run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", DB_USER, "-d", DB_NAME, "-v", "ON_ERROR_STOP=1", "-Atc", query
        ).stdout.strip()

    def keys(self, prefix: str = "") -> list[str]:
        """Keys of Pulumi's state table (stacks, history, locks) under ``prefix``. Pulumi stores
        them under the URL's path (``pulumi/.pulumi/stacks/…``); that first segment is dropped."""
        if not self.sql("SELECT to_regclass('pulumi_state')"):
            return []
        keys = [
            k.split("/", 1)[1] if k.startswith(f"{DB_NAME}/") else k
            for k in self.sql("SELECT key FROM pulumi_state ORDER BY key").splitlines()
        ]
        return [k for k in keys if k.startswith(prefix)]

    def blob(self, key: str) -> bytes:
        """What Pulumi stored under ``key`` (a row holds ``{"data": <base64>}``)."""
        import base64
        import json

        row = self.sql(f"SELECT data::text FROM pulumi_state WHERE key = '{DB_NAME}/{key.replace(chr(39), '')}'")
        return base64.b64decode(json.loads(row)["data"]) if row else b""

    def lock_keys(self, stack: str | None = None) -> list[str]:
        return [k for k in self.keys(".pulumi/locks/") if stack is None or f"/{stack}/" in k]

    def log_tail(self) -> str:
        try:
            return (self.root / "server.log").read_text(errors="replace")[-3000:] if self.root else ""
        except OSError:
            return ""
