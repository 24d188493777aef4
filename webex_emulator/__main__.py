"""Command line: ``python -m webex_emulator --host 127.0.0.1 --port 8000 [--state FILE] [--seed FILE|sample]
[--token TOKEN] [--rate-limit RPS] [--burst N] [--allow-remote]``.

Prints ``key=value`` lines (``base_url``, ``root_url``, ``state``, ``control_token``,
``instance``), flushed, then serves until interrupted. ``--port 0`` picks a free port (printed).

The admin token is never printed (stdout usually ends up in a log file, as with
``make emulator``): pass it in ``$WEBEX_EMULATOR_TOKEN``. The ``control_token`` opens only the
``/_emulator`` control surface; ``instance`` is what ``GET /_emulator/health`` answers, so a
starter can tell its own process from another one holding the port.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import logging
import os
import socket
import sys
from pathlib import Path

LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit TCP_NODELAY from the listener on Linux. uvicorn does not set it on
    # connections of pre-bound sockets, and Nagle + delayed ACK then adds ~40 ms per response.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m webex_emulator", description="Local Webex API emulator")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000, help="0 = pick a free port")
    p.add_argument("--state", default=":memory:", help="SQLite state file (default: in memory)")
    p.add_argument("--seed", default=None, help="seed file (YAML/JSON) or 'sample'; ignored when the state already holds an org")
    # A token in argv is visible to every user of the machine (ps); prefer the environment.
    p.add_argument(
        "--token",
        default=os.environ.get("WEBEX_EMULATOR_TOKEN"),
        help="admin token (default: $WEBEX_EMULATOR_TOKEN, else random)",
    )
    p.add_argument("--rate-limit", type=float, default=None, help="requests/s per token")
    p.add_argument("--burst", type=int, default=None, help="token bucket size (default: rate)")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    (
        p.add_argument(
            "--seed-dir",
            action="append",
            default=[],
            help="a directory POST /_emulator/seed {path} may read from (repeatable; webex_emulator/seeds always)",
        ),
    )
    p.add_argument("--log-level", default="warning")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not is_loopback(args.host) and not args.allow_remote:
        print(f"refusing to bind non-loopback host {args.host!r} without --allow-remote", file=sys.stderr)
        return 2
    import uvicorn

    from webex_emulator import create_app

    rate_limit = None
    if args.rate_limit:
        rate_limit = {"rate": args.rate_limit, "burst": args.burst}
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            print(
                f"port {args.port} on {args.host} is already in use by another process: stop it, "
                "or choose another port (--port, or EMULATOR_PORT=... for make)",
                file=sys.stderr,
            )
            return 3
        raise
    app = create_app(state_path=args.state, seed=args.seed, admin_token=args.token, rate_limit=rate_limit)
    control = app.runtime.control
    control.seed_dirs += [Path(d).resolve() for d in args.seed_dir]
    if args.allow_remote:
        control.allowed_hosts.add(args.host.strip("[]").lower())
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    root = f"http://{host}:{port}"
    print(f"base_url={root}/v1", flush=True)
    print(f"root_url={root}", flush=True)
    print(f"state={args.state}", flush=True)
    print(f"control_token={control.control_token}", flush=True)
    print(f"instance={control.instance}", flush=True)
    logging.basicConfig(level=args.log_level.upper())
    # h11 is required: dropped-connection faults reach into its transport (core/app.py _drop).
    config = uvicorn.Config(app, http="h11", lifespan="off", access_log=False, log_level=args.log_level, timeout_keep_alive=30)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        app.runtime.state.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
