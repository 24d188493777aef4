"""Client benchmark: ``.venv/bin/python bench/client_bench.py [--patches 1000] [--quick]``.

Measures the Webex client (``webex_client``) end to end against the local emulator
(``python -m webex_emulator`` in a subprocess, file-backed state, 10,000-user org):

1. pure client overhead per request (``httpx.MockTransport``, no network, no throttle);
2. listing the whole org (10,001 people, ``max=100`` pages through ``Link: rel="next"``);
3. ``PATCH /licenses/users`` through the bulk path (``licenses.assign_many``) at several
   concurrency levels, alternately moving users to and back from the new meeting site;
4. the same under a fault storm (30 % 429 with ``Retry-After: 1``, 5 % 503), reporting
   attempts per change.

Prints a table; ``--out FILE`` also writes the numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webex_emulator.generate import large_org_seed  # noqa: E402
from webex_emulator.testing import EmulatorServer, temp_state_path  # noqa: E402
from webex_client import ClientSettings, WebexClient, same_id  # noqa: E402
from webex_client.types import LicenseAssignmentRequest, LicenseRequest  # noqa: E402

STORM = {
    "seed": 7,
    "rules": [
        {"status": 429, "probability": 0.30, "when": "before", "retryAfter": 1},
        {"status": 503, "probability": 0.05 / 0.70, "when": "before"},
    ],
}


def overhead(n: int) -> dict[str, Any]:
    body = json.dumps({"id": "me", "displayName": "Me"}).encode()
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body, headers={"Content-Type": "application/json"}))
    client = WebexClient("bench-token-0123456789", settings=ClientSettings(requests_per_second=0), transport=transport)
    client.people.me()
    t = time.perf_counter()
    for _ in range(n):
        client.people.me()
    elapsed = time.perf_counter() - t
    client.close()
    return {"requests": n, "us_per_request": elapsed / n * 1e6}


def client_for(emu: EmulatorServer, concurrency: int) -> WebexClient:
    return WebexClient(
        emu.admin_token,
        base_url=emu.base_url,
        settings=ClientSettings(
            requests_per_second=0, max_concurrency=concurrency, max_retries=20, backoff_base_seconds=0.05, backoff_cap_seconds=1.0
        ),
    )


def seeded_org(emu: EmulatorServer) -> dict[str, Any]:
    """The seed summary of the bench's one org (its license ids)."""
    assert emu.seed_summary is not None  # every bench emulator starts from a seed
    return emu.seed_summary["orgs"][0]


def list_people(emu: EmulatorServer) -> tuple[dict[str, Any], list[Any]]:
    client = client_for(emu, 1)
    t = time.perf_counter()
    people = list(client.people.list(page_size=100, exclude_status=True))
    elapsed = time.perf_counter() - t
    client.close()
    return {"people": len(people), "seconds": elapsed, "people_per_s": len(people) / elapsed}, people


def patches(emu: EmulatorServer, people: list[Any], n: int, concurrency: int, *, to_new: bool) -> dict[str, Any]:
    org = seeded_org(emu)
    classic, new = org["licenses"]["classic-meetings"], org["licenses"]["new-meetings"]
    add, remove = (new, classic) if to_new else (classic, new)
    requests = [
        LicenseAssignmentRequest(
            person_id=p.id, licenses=[LicenseRequest(id=add, operation="add"), LicenseRequest(id=remove, operation="remove")]
        )
        for p in people[:n]
    ]
    client = client_for(emu, concurrency)
    emu.reset_counters()
    t = time.perf_counter()
    results = client.licenses.assign_many(requests)
    elapsed = time.perf_counter() - t
    client.close()
    attempts = emu.request_counts().get("PATCH /v1/licenses/users", 0)
    return {
        "concurrency": concurrency,
        "changes": n,
        "errors": len(results.failed),
        "seconds": elapsed,
        "changes_per_s": n / elapsed,
        "attempts": attempts,
        "attempts_per_change": attempts / n,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="client_bench")
    ap.add_argument("--patches", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="fewer concurrency levels, no storm")
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = ap.parse_args(argv)

    out: dict[str, Any] = {"python": platform.python_version(), "machine": platform.machine()}
    out["overhead"] = overhead(2000)
    print(f"client overhead (MockTransport): {out['overhead']['us_per_request']:.0f} µs/request")

    with EmulatorServer(seed=large_org_seed(10_000), subprocess=True, state_path=temp_state_path()) as emu:
        out["list"], people = list_people(emu)
        print(f"list 10,001 people: {out['list']['seconds']:.2f}s ({out['list']['people_per_s']:.0f} people/s)")
        org = seeded_org(emu)
        classic, new = org["licenses"]["classic-meetings"], org["licenses"]["new-meetings"]
        movers = [
            p
            for p in people
            if any(same_id(x, classic) for x in p.licenses or []) and not any(same_id(x, new) for x in p.licenses or [])
        ]
        out["patches"] = []
        to_new = True
        levels = [1, 8] if args.quick else [1, 4, 8, 16]
        print(f"{'conc':>5} {'changes':>8} {'secs':>7} {'chg/s':>7} {'att/chg':>8} {'errors':>6}  faults")
        for storm in [False] if args.quick else [False, True]:
            if storm:
                emu.set_faults(STORM)
            for c in levels if not storm else [8, 16]:
                row = patches(emu, movers, args.patches, c, to_new=to_new)
                row["storm"] = storm
                to_new = not to_new
                out["patches"].append(row)
                print(
                    f"{c:>5} {row['changes']:>8} {row['seconds']:>7.2f} {row['changes_per_s']:>7.0f} "
                    f"{row['attempts_per_change']:>8.2f} {row['errors']:>6}  {'429/503 storm' if storm else '-'}"
                )
            emu.clear_faults()

    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
