"""One read of a host's meeting series around a start, shared by a run's check and create.

A new standing meeting needs three reads of the same list before its ``POST /meetings``: the
admin probe in ``check`` (may this token schedule for the host?), the search for a series an
earlier run created but never recorded (its integration tag), and the search for a look-alike
created with other credentials. All three are ``GET /meetings?hostEmail&siteUrl&meetingType=
meetingSeries&current=false`` around the series' first occurrence, so one read per host, site
and start serves them; and whose token this is (``people/me``) is read once, not per host
(bench (g): 6 calls per created meeting before, 2 after). One provider
process serves every resource of a run (resources/_runtime.py), so the read lives here for the
run; a series we create is written through (``record``), so a second declaration of the same
host and start sees it.
"""

from __future__ import annotations

import threading
import weakref
from datetime import datetime, timedelta, timezone
from typing import Any

# Wide enough for both searches: the tag search looks ±1 day around the start, the look-alike
# search from 1 minute before to 1 day after (resources/standing_meeting.py).
WINDOW = timedelta(days=1)

# Per client (one per provider run; weak, so a closed client's reads go with it), then per
# (host, site, first occurrence in UTC to the minute).
_SERIES: weakref.WeakKeyDictionary[Any, dict[tuple, list[Any]]] = weakref.WeakKeyDictionary()
_ME: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _key(host: str, site_url: str, start: datetime) -> tuple:
    at = _utc(start).replace(second=0, microsecond=0)
    return (host.lower(), site_url.lower(), at)


def series_near(client: Any, host: str, site_url: str, start: datetime) -> list[Any]:
    """The host's series on ``site_url`` overlapping ``start`` ± :data:`WINDOW` (first
    occurrences, ``current=false``), read once per run. Raises what the list raises (a 403 is
    how the admin probe learns the token may not schedule for the host)."""
    key = _key(host, site_url, start)
    with _LOCK:
        reads = _SERIES.setdefault(client, {})
        hit = reads.get(key)
    if hit is None:
        hit = list(
            client.meetings.list(
                host_email=host,
                site_url=site_url,
                meeting_type="meetingSeries",
                current=False,
                from_=start - WINDOW,
                to=start + WINDOW,
            )
        )
        with _LOCK:
            hit = reads.setdefault(key, hit)
    return hit


def me(client: Any) -> Any:
    """The token's own person (``people/me``), read once per run: every new meeting's check
    asks whose token this is, and 3,000 meetings must not mean 3,000 reads of it."""
    with _LOCK:
        hit = _ME.get(client)
    if hit is None:
        hit = client.people.me()
        with _LOCK:
            hit = _ME.setdefault(client, hit)
    return hit


def record(client: Any, host: str, site_url: str, meeting: Any) -> None:
    """Write a series we just created through to the reads whose window holds its first
    occurrence (the only place either search looks for it), so the next declaration of the
    same host and start sees it without another read."""
    start = getattr(meeting, "start", None)
    head = (host.lower(), site_url.lower())
    with _LOCK:
        reads = _SERIES.get(client, {})
        for key, items in reads.items():
            if key[:2] != head:
                continue
            if start is None:
                reads[key] = None  # type: ignore[assignment]  # cannot place it: read again
            elif abs(_utc(start) - key[2]) <= WINDOW:
                items.append(meeting)
        for key in [k for k, v in reads.items() if v is None]:
            del reads[key]


def _utc(at: datetime) -> datetime:
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def reset() -> None:
    """For tests: a new provider process starts with no reads."""
    with _LOCK:
        _SERIES.clear()
        _ME.clear()
