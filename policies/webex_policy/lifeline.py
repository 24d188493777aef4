"""Exit when the engine is gone, so a killed `pulumi up` leaves no policy-pack process behind.

The engine never signals its plugins when it is SIGKILLed, and the Python language host that
starts the pack checks the engine only every five minutes. So the pack watches for itself:
its parent process changing (it was re-parented: whoever started it died), or the engine's
gRPC address (``argv[1]``, given to every pack) refusing connections a few times in a row.
"""

from __future__ import annotations

import os
import socket
import threading
import time

INTERVAL_SECONDS = 1.0
MISSES_BEFORE_EXIT = 3  # a busy engine may miss one accept; a dead one refuses every time


def _address(value: str | None) -> tuple[str, int] | None:
    if not value or ":" not in value:
        return None
    host, _, port = value.rpartition(":")
    try:
        return (host.strip("[]") or "127.0.0.1", int(port))
    except ValueError:
        return None


def _engine_alive(addr: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(addr, timeout=2):
            return True
    except ConnectionRefusedError:
        return False
    except OSError:
        return True  # a timeout or a full backlog is not death


def watch(engine_address: str | None, *, interval: float = INTERVAL_SECONDS) -> threading.Thread:
    """Start a daemon thread that ends this process (exit 0) once the engine is gone."""
    parent = os.getppid()
    addr = _address(engine_address)

    def run() -> None:
        misses = 0
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)  # noqa: SLF001 - nothing to flush: the engine that would read it is gone
            if addr is not None:
                misses = 0 if _engine_alive(addr) else misses + 1
                if misses >= MISSES_BEFORE_EXIT:
                    os._exit(0)

    t = threading.Thread(target=run, name="engine-lifeline", daemon=True)
    t.start()
    return t
