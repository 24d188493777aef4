"""Peak memory of the dynamic-provider process (``python -m pulumi.dynamic``).

The engine starts the provider as a grandchild of this process (us → pulumi CLI → provider).
A thread polls ``/proc`` for descendants whose command line runs ``pulumi.dynamic`` and keeps
the highest ``VmHWM`` (the kernel's own peak-RSS counter) seen before each one exits. Only our
own descendants are looked at: other engineers' runs on the same machine are ignored.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def _children_map() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may contain spaces and parentheses
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        out.setdefault(ppid, []).append(int(d.name))
    return out


def descendants(root: int) -> list[int]:
    children = _children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for c in children.get(pid, []):
            out.append(c)
            todo.append(c)
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class ProviderMemory:
    """``with ProviderMemory() as m: ...``; then ``m.peak_mb`` (None if no provider was seen)."""

    def __init__(
        self,
        root: int | None = None,
        interval: float = 0.1,
        markers: tuple[str, ...] = ("pulumi.dynamic", "bench.provider_profile"),
    ) -> None:
        self.root = root or os.getpid()
        self.interval = interval
        self.markers = markers
        self.peak_kb: int | None = None
        self.pids: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="provider-memory", daemon=True)

    def _poll(self) -> None:
        for pid in descendants(self.root):
            if pid in self.pids or any(m in _cmdline(pid) for m in self.markers):
                hwm = _hwm_kb(pid)
                if hwm is not None:
                    self.pids.add(pid)
                    self.peak_kb = max(self.peak_kb or 0, hwm)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._poll()
            self._stop.wait(self.interval)

    def __enter__(self) -> "ProviderMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float | None:
        return None if self.peak_kb is None else round(self.peak_kb / 1024, 1)
