"""Emulator benchmark: ``.venv/bin/python bench/emulator_bench.py [--duration 10] [--clients 8]``.

Starts ``python -m webex_emulator`` in a subprocess with a file-backed state (WAL) seeded with a
10,000-user / 20,000-assignment org, then measures from N concurrent clients (threads, one
keep-alive httpx.Client each):

* ``GET /people?max=1000`` following ``Link: rel="next"`` pages (``max`` is capped by the
  emulator; the table reports the page size the cap gives);
* ``PATCH /licenses/users`` alternately adding and removing the new-site meeting license.

Prints a table, reports the emulator's RSS, writes ``bench/results/emulator.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webex_emulator.generate import large_org_seed  # noqa: E402
from webex_emulator.testing import EmulatorServer  # noqa: E402

LINK_RE = re.compile(r'<([^>]+)>;\s*rel="next"')


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_clients(n: int, duration: float, make_worker: Callable[[int], Callable[[], int]]) -> dict[str, Any]:
    """Run ``n`` threads for ``duration`` s; each worker call returns #requests it made."""
    counts = [0] * n
    latencies: list[list[float]] = [[] for _ in range(n)]
    errors = [0] * n
    stop = threading.Event()
    barrier = threading.Barrier(n + 1)

    def loop(i: int) -> None:
        work = make_worker(i)
        barrier.wait()
        while not stop.is_set():
            t = time.perf_counter()
            try:
                counts[i] += work()
            except Exception:
                errors[i] += 1
            latencies[i].append(time.perf_counter() - t)

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    time.sleep(duration)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    lat = sorted(x for ls in latencies for x in ls)
    total = sum(counts)
    return {
        "requests": total,
        "seconds": round(elapsed, 2),
        "rps": round(total / elapsed, 1),
        "errors": sum(errors),
        "p50_ms": round(statistics.median(lat) * 1000, 2) if lat else None,
        "p95_ms": round(lat[int(len(lat) * 0.95) - 1] * 1000, 2) if lat else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=10000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "emulator.json"))
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="emu-bench-"))
    state = tmp / "state.db"
    seed = large_org_seed(args.users)
    t0 = time.perf_counter()
    emu = EmulatorServer(seed=seed, state_path=state, subprocess=True, startup_timeout=120)
    emu.start()
    seed_s = time.perf_counter() - t0
    try:
        assert emu._proc is not None
        pid = emu._proc.pid
        rss_after_seed = rss_mb(pid)
        summary = emu.seed_summary or {}
        org = summary["orgs"][0]
        new_lic = org["licenses"]["new-meetings"]
        auth = {"Authorization": f"Bearer {emu.admin_token}"}

        with httpx.Client(base_url=emu.base_url, headers=auth, timeout=60) as c:
            total_people = 0
            page_sizes = set()
            url: str | None = "/people?max=1000"
            while url:
                r = c.get(url)
                r.raise_for_status()
                n = len(r.json()["items"])
                total_people += n
                page_sizes.add(n)
                m = LINK_RE.search(r.headers.get("link", ""))
                url = m.group(1) if m else None
            lic0 = c.get(f"/licenses/{new_lic}").json()
        cap = max(page_sizes)

        # -- GET /people pages ---------------------------------------------------------------
        def people_worker(i: int) -> Callable[[], int]:
            client = httpx.Client(base_url=emu.base_url, headers=auth, timeout=60)
            state_ = {"url": "/people?max=1000"}

            def work() -> int:
                r = client.get(state_["url"])
                r.raise_for_status()
                m = LINK_RE.search(r.headers.get("link", ""))
                state_["url"] = m.group(1) if m else "/people?max=1000"
                return 1

            return work

        people = run_clients(args.clients, args.duration, people_worker)

        # -- PATCH /licenses/users -------------------------------------------------------------
        # Users 1..users/2 hold the classic license only: toggle the new-site license on them.
        half = args.users // 2
        emails = [p for p in _generated_emails(seed)[:half]]
        per = len(emails) // args.clients

        def patch_worker(i: int) -> Callable[[], int]:
            client = httpx.Client(base_url=emu.base_url, headers=auth, timeout=60)
            mine = emails[i * per : (i + 1) * per]
            st = {"k": 0}

            def work() -> int:
                k = st["k"]
                email = mine[(k // 2) % len(mine)]
                op = "add" if k % 2 == 0 else "remove"
                r = client.patch("/licenses/users", json={"email": email, "licenses": [{"id": new_lic, "operation": op}]})
                if r.status_code != 200:
                    raise RuntimeError(f"{r.status_code} {r.text}")
                st["k"] = k + 1
                return 1

            return work

        patch = run_clients(args.clients, args.duration, patch_worker)
        rss_after_load = rss_mb(pid)
        with httpx.Client(base_url=emu.base_url, headers=auth, timeout=60) as c:
            lic1 = c.get(f"/licenses/{new_lic}").json()
    finally:
        emu.stop()

    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "org": {"users": total_people, "licenseAssignments": 2 * args.users + 3, "seedSeconds": round(seed_s, 2)},
        "clients": args.clients,
        "durationSeconds": args.duration,
        "getPeople": {**people, "requestedMax": 1000, "pageSizeGiven": cap},
        "patchLicensesUsers": patch,
        "rssMB": {"afterSeed": round(rss_after_seed, 1), "afterLoad": round(rss_after_load, 1)},
        "newSiteLicenseConsumedUnits": {"before": lic0["consumedUnits"], "after": lic1["consumedUnits"]},
        "stateFile": "on disk, WAL, synchronous=NORMAL",
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")

    print(
        f"\nEmulator bench — {args.clients} concurrent clients, {args.duration:.0f}s each, "
        f"{total_people} users / {2 * args.users + 3} assignments, file-backed state"
    )
    print(f"{'operation':<34}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'errors':>8}")
    for name, stats in ((f"GET /people?max=1000 (page={cap})", people), ("PATCH /licenses/users", patch)):
        print(f"{name:<34}{stats['rps']:>10}{stats['p50_ms']:>10}{stats['p95_ms']:>10}{stats['errors']:>8}")
    print(f"emulator RSS: {rss_after_seed:.1f} MB after seed, {rss_after_load:.1f} MB after load")
    print(
        f"seed time: {seed_s:.2f}s; new-site consumedUnits before/after toggling: "
        f"{lic0['consumedUnits']} / {lic1['consumedUnits']} (odd in-flight toggles leave +≤{args.clients})"
    )
    print(f"wrote {args.out}")
    return 0


def _generated_emails(seed: dict[str, Any]) -> list[str]:
    from webex_emulator.core.seeding import generate_people

    org = seed["orgs"][0]
    return [p["email"] for p in generate_people(org["generatedPeople"], org["domain"])]


if __name__ == "__main__":
    raise SystemExit(main())
