"""The dynamic provider with every gRPC call timed and profiled (cProfile), for ``--profile``.

The engine starts the provider through Pulumi's ``pulumi-resource-pulumi-python``, which (for a
project that names no virtualenv, as bench's do) runs ``$PULUMI_PYTHON_CMD -u -m pulumi.dynamic
ARGS``. ``bench`` points ``PULUMI_PYTHON_CMD`` at a
two-line shell script that runs ``python -m bench.provider_profile ARGS`` instead (only when
``WEBEX_IAC_PROFILE_DIR`` is set), so nothing in the product knows about profiling.

Each call (Check, Diff, Update, …) runs under its own ``cProfile.Profile`` on the gRPC worker
thread that serves it; its stats go to ``$WEBEX_IAC_PROFILE_DIR/<pid>-<n>-<Method>.prof`` and a
line ``pid n method start_s wall_s thread_cpu_s`` to ``calls.log``. ``python -m
bench.provider_profile --report DIR`` prints the timeline and the top functions. With
``WEBEX_IAC_PROFILE_MODE=time`` (bench ``--timings DIR``) only the timeline is written.
"""

from __future__ import annotations

import cProfile
import functools
import itertools
import os
import pstats
import runpy
import sys
import threading
import time
from pathlib import Path

METHODS = ("Check", "Diff", "Create", "Update", "Read", "Delete", "Configure")


def _install(out: Path, profile: bool = True) -> None:
    """``profile=False`` (``WEBEX_IAC_PROFILE_MODE=time``, bench ``--timings``): only the
    timeline, no cProfile. cProfile's per-call overhead inflates code that makes many small
    calls (the SDK's per-element serialisation) several-fold: profile to see *where* the time
    goes, time without it to say *how much*."""
    from pulumi.runtime.proto import provider_pb2_grpc

    seq = itertools.count(1)
    lock = threading.Lock()
    t0 = time.time()
    original = provider_pb2_grpc.add_ResourceProviderServicer_to_server

    def wrap(name, fn):
        @functools.wraps(fn)
        def timed(request, context):
            n = next(seq)
            prof = cProfile.Profile() if profile else None
            start, cpu = time.time(), time.thread_time()
            try:
                return prof.runcall(fn, request, context) if prof else fn(request, context)
            finally:
                seconds, cpu = time.time() - start, time.thread_time() - cpu
                if prof:
                    prof.dump_stats(str(out / f"{os.getpid()}-{n:05d}-{name}.prof"))
                with lock, open(out / "calls.log", "a") as f:
                    f.write(f"{os.getpid()} {n} {name} {start - t0:.3f} {seconds:.3f} {cpu:.3f}\n")

        return timed

    def add(servicer, server):
        for name in METHODS:
            setattr(servicer, name, wrap(name, getattr(servicer, name)))
        return original(servicer, server)

    provider_pb2_grpc.add_ResourceProviderServicer_to_server = add


def report(out: Path, top: int = 25) -> None:
    print((out / "calls.log").read_text())
    files = sorted(out.glob("*.prof"))
    if files:
        stats = pstats.Stats(*map(str, files))
        stats.sort_stats("cumulative").print_stats(top)


def main() -> None:
    if sys.argv[1:2] == ["--report"]:
        report(Path(sys.argv[2]))
        return
    out = Path(os.environ["WEBEX_IAC_PROFILE_DIR"])
    out.mkdir(parents=True, exist_ok=True)
    _install(out, profile=os.environ.get("WEBEX_IAC_PROFILE_MODE") != "time")
    sys.argv = ["pulumi.dynamic", *sys.argv[1:]]
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)


def launcher(directory: Path) -> Path:
    """A ``PULUMI_PYTHON_CMD`` stand-in that starts this module instead of ``pulumi.dynamic``."""
    root = Path(__file__).resolve().parent.parent
    script = directory / "python-profiled"
    script.write_text(
        "#!/bin/sh\n"
        "# called as: <this> -u -m pulumi.dynamic ARGS\n"
        "shift 3\n"
        f'PYTHONPATH="{root}${{PYTHONPATH:+:$PYTHONPATH}}" exec "{sys.executable}" -u -m bench.provider_profile "$@"\n'
    )
    script.chmod(0o755)
    return script


if __name__ == "__main__":
    main()
