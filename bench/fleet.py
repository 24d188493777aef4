"""The fleet scenario of `make bench` (``python -m bench.fleet``; ``--help`` lists the knobs).

20 emulated orgs × 500 users (one emulator in a subprocess, each org with its own admin token and
its own rate-limit bucket, as Webex limits per token), one stack per org on a throwaway
PostgreSQL server (Pulumi's DIY backend). Each measured run moves ``--move`` users each way in
every org (``2 × move`` PATCHes per org) with ``webex-iac fleet --parallel P`` for P = 1, 2, 4;
runs alternate direction, so every run does the same work. Prints the wall time, the speed-up
over P = 1, each org's seconds and API calls, and writes ``bench/results/fleet.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from webex_emulator.generate import fleet_seed  # noqa: E402
from webex_emulator.testing import EmulatorServer  # noqa: E402
from tests.team import teamkit as kit  # noqa: E402
from tests.team.pgserver import PostgresServer, PostgresUnavailable  # noqa: E402


def log(msg: str) -> None:
    print(f"[bench fleet {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def write_fleet(root: Path, orgs: list[dict[str, Any]], base_url: str, client: dict[str, str]) -> None:
    lines = ["orgs:"]
    for org in orgs:
        lines += [f"  - stack: {org['key']}", f"    baseUrl: {base_url}", f"    token: {{env: {org['key'].upper()}_TOKEN}}"]
        # Client settings are ordinary stack config, beside the stack file.
        (root / "stacks" / f"Pulumi.{org['key']}.yaml").write_text(
            "config:\n" + "".join(f'  webex:{k}: "{v}"\n' for k, v in client.items())
        )
    (root / "fleet.yaml").write_text("\n".join(lines) + "\n")


def declare(root: Path, orgs: list[dict[str, Any]], move: int) -> None:
    for org in orgs:
        (root / "stacks" / f"{org['key']}.yaml").write_text(kit.stack_yaml(org, move))


def fleet(root: Path, env: dict[str, str], parallel: int, name: str) -> dict[str, Any]:
    summary = root / f"{name}.json"
    # CPU of every process of the run (the fleet command, each org's engine, language host and
    # provider: each waits for its children, so their time adds up in ours once it returns).
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    rc, out = kit.run(
        root,
        {**env, "COLUMNS": "160"},
        "fleet",
        "-f",
        str(root / "fleet.yaml"),
        "--parallel",
        str(parallel),
        "--summary-json",
        str(summary),
        log=root / f"{name}.log",
        timeout=3600,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if rc != 0 or not summary.exists():
        raise RuntimeError(f"fleet --parallel {parallel} failed (rc {rc}):\n{out[-3000:]}")
    return {
        **json.loads(summary.read_text()),
        "wallSeconds": round(wall, 2),
        "cpuSeconds": round(cpu, 1),
        "loadavg1": os.getloadavg()[0],
    }


def table(res: dict[str, Any]) -> str:
    rows = [
        (
            "parallel",
            "wall s",
            "speed-up",
            "rate-limit floor s",
            "CPU s per org",
            "load avg",
            "per org s (mean / max)",
            "API calls per org (writes)",
            "changed per org",
            "orgs ok",
        )
    ]
    rate, burst = res["params"]["rateLimitPerToken"]["rate"], res["params"]["rateLimitPerToken"]["burst"]
    base = res["runs"][0]["wallSeconds"]
    for r in res["runs"]:
        orgs = r["orgs"]
        secs = [o["seconds"] for o in orgs]
        calls = [o["apiCalls"] for o in orgs]
        writes = [o["apiWrites"] for o in orgs]
        # The least time the per-token limits allow: ceil(orgs / P) waves of one org's calls, each
        # burst calls at once and the rest at the rate (a token bucket that starts full).
        floor = -(-len(orgs) // r["parallel"]) * max(0.0, statistics.mean(calls) - burst) / rate
        rows.append(
            (
                str(r["parallel"]),
                f"{r['wallSeconds']:.1f}",
                f"{base / r['wallSeconds']:.2f}×",
                f"{floor:.1f}",
                f"{r['cpuSeconds'] / len(orgs):.1f}",
                f"{r['loadavg1']:.1f}",
                f"{statistics.mean(secs):.1f} / {max(secs):.1f}",
                f"{statistics.mean(calls):.0f} ({statistics.mean(writes):.0f})",
                "/".join(sorted({str(o["changed"]) for o in orgs})),
                f"{sum(o['result'] == 'ok' for o in orgs)}/{len(orgs)}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.fleet", description=__doc__.split("\n\n")[0])
    ap.add_argument("--orgs", type=int, default=20)
    ap.add_argument("--users", type=int, default=500, help="people per org")
    ap.add_argument("--move", type=int, default=50, help="users moved each way per org (2× this change)")
    ap.add_argument("--parallel", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument(
        "--rate", type=float, default=20.0, help="emulator rate limit per token (req/s) and each org's webex:requestsPerSecond"
    )
    ap.add_argument("--burst", type=int, default=20, help="emulator bucket size per token")
    ap.add_argument("--quick", action="store_true", help="6 orgs, --parallel 1 and 2 (for `make bench --quick`)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "fleet.json")
    args = ap.parse_args(argv)
    if args.quick:
        args.orgs, args.parallel = min(args.orgs, 6), [1, 2]

    client = {"requestsPerSecond": str(args.rate), "burst": "5", "maxConcurrency": "4"}
    res: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg1AtStart": os.getloadavg()[0],
        },
        "params": {
            "orgs": args.orgs,
            "usersPerOrg": args.users,
            "movedUsersPerOrg": 2 * args.move,
            "rateLimitPerToken": {"rate": args.rate, "burst": args.burst},
            "client": client,
        },
        "runs": [],
    }
    tmp = Path(tempfile.mkdtemp(prefix="webex-bench-fleet-"))
    t0 = time.perf_counter()
    try:
        try:
            pg = PostgresServer().start()
        except PostgresUnavailable as e:
            print(f"fleet scenario skipped: {e}")
            return 0
        try:
            log(f"PostgreSQL: {pg.version.split(' on ')[0]} on 127.0.0.1:{pg.port}")
            doc = fleet_seed(args.orgs, args.users)
            orgs = doc["orgs"]
            log(f"emulator: {args.orgs} orgs × {args.users + 1} people, {args.rate:g} req/s per token")
            with EmulatorServer(seed=doc, state_path=tmp / "state.db", subprocess=True, startup_timeout=180) as emu:
                emu.set_rate_limit(args.rate, burst=args.burst)
                root = kit.write_project(tmp / "project")
                write_fleet(root, orgs, emu.base_url, client)
                env = kit.cli_env(
                    pg.backend_url,
                    PULUMI_HOME=str(root / ".pulumi-home"),
                    **{f"{o['key'].upper()}_TOKEN": kit.org_token(emu, o) for o in orgs},
                )
                declare(root, orgs, 0)
                log(f"adopting {args.orgs} orgs (fleet up --parallel {max(args.parallel)}, no write expected)")
                adopt = fleet(root, env, max(args.parallel), "adopt")
                res["adopt"] = {"wallSeconds": adopt["wallSeconds"], "apiWrites": sum(o["apiWrites"] for o in adopt["orgs"])}
                for i, p in enumerate(args.parallel):
                    declare(root, orgs, args.move if i % 2 == 0 else 0)  # alternate: the same work each run
                    time.sleep(2)  # every token's bucket full again
                    log(f"fleet up --parallel {p}: {args.orgs} orgs × {2 * args.move} users moving")
                    run = fleet(root, env, p, f"parallel-{p}")
                    res["runs"].append(run)
                    log(f"--parallel {p}: {run['wallSeconds']:.1f}s")
                holders = kit.live_holders(emu, env[f"{orgs[-1]['key'].upper()}_TOKEN"], orgs[-1])
                want = kit.holders(orgs[-1], args.move if (len(args.parallel) - 1) % 2 == 0 else 0)
                res["lastOrgConverged"] = holders == {k: set(v) for k, v in want.items()}
        finally:
            pg.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res["totalSeconds"] = round(time.perf_counter() - t0, 1)
    res["machine"]["loadavg1AtEnd"] = os.getloadavg()[0]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    print()
    print(
        f"webex-iac fleet bench: {args.orgs} orgs × {args.users} users, {2 * args.move} users moving per org, "
        f"PostgreSQL backend, {args.rate:g} req/s per token, {os.cpu_count()} cores"
    )
    print(table(res))
    last = res["runs"][-1]
    per_org_cpu = last["cpuSeconds"] / len(last["orgs"])
    print(
        f"Each org has its own token and so its own rate-limit bucket: orgs never wait for each other's limit; "
        f"the rate-limit floor above is what the limits alone would allow. Each org also costs "
        f"~{per_org_cpu:.1f} CPU-seconds (its own pulumi engine, language host and provider processes), so "
        f"{len(last['orgs'])} orgs cannot take less than {per_org_cpu * len(last['orgs']) / (os.cpu_count() or 1):.0f} s "
        f"on {os.cpu_count()} idle cores: past that, parallelism only queues for the CPUs (see the load average, "
        "which counts everyone's work on this machine)."
    )
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out} ({res['totalSeconds']:.0f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
