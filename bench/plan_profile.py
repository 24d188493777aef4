"""``python -m bench.plan_profile --users 100000``: the LicenseDistribution provider's ``check``
and ``diff`` at N users, in-process under cProfile, without engine or emulator.

The people pages (1,000 per page, with the fields the People API returns) are served by an
``httpx.MockTransport`` from bytes prepared in advance, so what is measured is our own CPU
work: parsing pages, indexing people, validating the declaration and planning. The engine
run at that scale is bench scenario (f); this is what its profile is made of, repeatable in a
few seconds. Prints wall and CPU seconds of each call, the provider's peak RSS, and the top
of the profile.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import sys
import time
from pathlib import Path
from typing import Callable, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from resources import license_distribution as ld  # noqa: E402
from resources import OrgSnapshot  # noqa: E402
from webex_client import ClientSettings, WebexClient  # noqa: E402

BASE = "https://webexapis.com/v1"
T = TypeVar("T")


def fake_org(n: int) -> tuple[list[bytes], bytes]:
    def person(i: int) -> dict:
        return {
            "id": f"Y2lzY29zcGFyazovL3VzL1BFT1BMRS9{i:08d}",
            "emails": [f"user{i}@bigcorp.example.com"],
            "displayName": f"User {i}",
            "nickName": "U",
            "firstName": "User",
            "lastName": str(i),
            "orgId": "ORG",
            "created": "2026-01-01T00:00:00.000Z",
            "lastModified": "2026-01-01T00:00:00.000Z",
            "licenses": ["MS", "CLASSIC" if i < n // 2 else "NEW"],
            "siteUrls": ["bigcorp.webex.com"],
            "type": "person",
            "status": "active",
            "department": "Sales",
            "phoneNumbers": [],
            "avatar": "https://avatar.example.com/x",
            "loginEnabled": True,
        }

    pages = [json.dumps({"items": [person(i) for i in range(s, min(n, s + 1000))]}).encode() for s in range(0, n, 1000)]
    lic = json.dumps(
        {
            "items": [
                {
                    "id": "CLASSIC",
                    "name": "Meeting EE",
                    "siteUrl": "bigcorp-classic.webex.com",
                    "totalUnits": n,
                    "consumedUnits": n // 2,
                },
                {"id": "NEW", "name": "Meeting MC", "siteUrl": "bigcorp.webex.com", "totalUnits": n, "consumedUnits": n - n // 2},
                {"id": "MS", "name": "Messaging", "totalUnits": n + 1, "consumedUnits": n},
            ]
        }
    ).encode()
    return pages, lic


def client_for(pages: list[bytes], lic: bytes) -> WebexClient:
    json_headers = {"content-type": "application/json"}

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path.endswith("/licenses"):
            return httpx.Response(200, content=lic, headers=json_headers)
        page = int(req.url.params.get("page", "0"))
        headers = dict(json_headers)
        if page + 1 < len(pages):
            headers["Link"] = f'<{BASE}/people?max=1000&page={page + 1}>; rel="next"'
        return httpx.Response(200, content=pages[page], headers=headers)

    return WebexClient(
        "bench-token-0123456789", settings=ClientSettings(requests_per_second=0), transport=httpx.MockTransport(handler)
    )


class _Provider(ld.LicenseDistributionProvider):
    def __init__(self, snap: OrgSnapshot) -> None:
        self._snap = snap

    @property
    def runtime(self):  # the real one needs a configured provider process
        return type("R", (), {"snapshot": self._snap})()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.plan_profile", description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args(argv)
    n = args.users
    pages, lic = fake_org(n)
    half = n // 2
    props = {
        "name": "meetings",
        "pools": [
            {"license": {"siteUrl": "bigcorp-classic.webex.com"}, "users": [f"user{i}@bigcorp.example.com" for i in range(half)]},
            {"license": {"siteUrl": "bigcorp.webex.com"}, "users": [f"user{i}@bigcorp.example.com" for i in range(half, n)]},
        ],
    }
    provider = _Provider(OrgSnapshot(client_for(pages, lic), None))
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    prof = cProfile.Profile()
    timings: dict[str, tuple[float, float]] = {}

    def timed(name: str, call: Callable[[], T]) -> T:
        w, c = time.perf_counter(), time.process_time()
        prof.enable()
        out = call()
        prof.disable()
        timings[name] = (time.perf_counter() - w, time.process_time() - c)
        return out

    checked = timed("check (reads the org)", lambda: provider.check({}, props))
    assert not checked.failures, checked.failures
    timed("diff", lambda: provider.diff("meetings", checked.inputs, checked.inputs))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n} users, 2 pools, {len(pages)} pages of people")
    for name, (w, c) in timings.items():
        print(f"  {name:<22} wall {w:5.2f} s  cpu {c:5.2f} s")
    print(f"  peak RSS {rss:.0f} MB (of which {rss0:.0f} MB before the org was read: interpreter, imports, the prepared pages)")
    pstats.Stats(prof).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
