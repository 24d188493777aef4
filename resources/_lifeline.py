"""Exit when the engine is gone, so a killed `pulumi up` leaves no provider process behind.

The engine never signals its plugins when it is SIGKILLed. A provider left running keeps its
threads, its connections to Webex and its share of the machine for minutes. Pulumi starts every
plugin with the engine's gRPC address as ``argv[1]``; the engine closing that port is its death.
The parent process is no help here: the ``pulumi-resource-pulumi-python`` launcher is a shell
script that outlives the engine, so ``getppid()`` does not change. (The policy pack uses this
module too: ``policies/webex_policy/__init__.py``.)

A program (or policy pack) run by Pulumi's Python language host has one more leftover: the
host (``pulumi-language-python``, Go, not ours to change) checks the engine only every five
minutes (``rpcutil.Healthcheck(..., 5*time.Minute, ...)`` in its main.go) and otherwise waits.
It does stop on SIGINT. :func:`release_language_host` therefore has the program interrupt its
host when — and only when — the engine is gone.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

INTERVAL_SECONDS = 1.0
MISSES_BEFORE_EXIT = 2  # a busy engine may miss one accept; a dead one refuses every time

_started: threading.Thread | None = None


def engine_address(argv: list[str] | None = None) -> tuple[str, int] | None:
    """``host:port`` from the plugin's arguments (the first one that looks like one)."""
    for value in (argv if argv is not None else sys.argv)[1:]:
        host, sep, port = value.rpartition(":")
        if sep and port.isdigit() and not value.startswith("-"):
            return (host.strip("[]") or "127.0.0.1", int(port))
    return None


def engine_alive(addr: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(addr, timeout=2):
            return True
    except ConnectionRefusedError:
        return False
    except OSError:
        return True  # a timeout or a full backlog is not death


def watch(addr: tuple[str, int] | None = None, *, interval: float = INTERVAL_SECONDS) -> threading.Thread | None:
    """Start (once per process) a daemon thread that ends the process once the engine is gone."""
    global _started
    if _started is not None:
        return _started
    addr = addr or engine_address()
    if addr is None:  # not started by an engine (a unit test, a library use): nothing to watch
        return None

    def run() -> None:
        misses = 0
        while True:
            time.sleep(interval)
            misses = 0 if engine_alive(addr) else misses + 1
            if misses >= MISSES_BEFORE_EXIT:
                # Nothing to flush: the engine that would read it is gone. Webex writes in
                # flight are reconciled by the next run (the live org is the source of truth).
                os._exit(0)  # noqa: SLF001

    _started = threading.Thread(target=run, name="engine-lifeline", daemon=True)
    _started.start()
    return _started


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def release_language_host() -> bool:
    """In a process started by ``pulumi-language-python``: once the engine is gone, SIGINT that
    host so it exits with us (at exit, and from the watch thread). True if there is such a host.

    The engine's address is the host's first argument. A run that ends normally leaves the host
    alone: the engine is then still answering, and stops the host itself.
    """
    host = os.getppid()
    args = _cmdline(host)
    if not args or not Path(args[0]).name.startswith("pulumi-language-"):
        return False  # an inline program (Automation API --client) or a test: no host
    addr = engine_address(args)
    if addr is None:
        return False

    def release() -> None:
        if os.getppid() == host and not engine_alive(addr):
            try:
                os.kill(host, signal.SIGINT)
            except OSError:
                pass

    atexit.register(release)

    def run() -> None:
        misses = 0
        while True:
            time.sleep(INTERVAL_SECONDS)
            misses = 0 if engine_alive(addr) else misses + 1
            if misses >= MISSES_BEFORE_EXIT:
                release()
                os._exit(0)  # noqa: SLF001 - see watch()

    threading.Thread(target=run, name="language-host-lifeline", daemon=True).start()
    return True
