"""RRULE handling for meeting series, the way the Webex Meetings API treats it.

Pure Python (no HTTP, no storage) so the rules can be unit-tested on their own.

What Webex does with ``recurrence`` ([SM] createMeeting; docs/webex-behaviour.md "Meeting times and recurrence"):

* The value is an RFC 2445 RRULE.  Webex answers with a *normalised* rule: the spec example sends
  ``FREQ=DAILY;INTERVAL=1;COUNT=10`` and gets back ``FREQ=DAILY;COUNT=10;INTERVAL=1``.  We therefore
  emit components in one canonical order (``CANONICAL_ORDER``) and always spell ``INTERVAL``.
* "Multiple days or dates for monthly or yearly recurrence rule are not supported, only the first
  day or date specified is taken" (``BYMONTHDAY=10,11,12`` -> ``BYMONTHDAY=10``).
* A rule without an end (no COUNT/UNTIL) is unlimited.  A rule *with* an end is truncated to five
  years from now, and to at most 5 yearly / 60 monthly / 261 weekly / 1826 daily occurrences.
* Anything else that is not a valid rule is a 400 with a Webex error body (raised here as
  ``RecurrenceError``; the HTTP layer turns it into the body).

python-dateutil does the date arithmetic (expansion, counting); the tokenising is ours so that we
control the canonical spelling and can reject components Webex does not support.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Literal

from dateutil import rrule as du
from dateutil.relativedelta import relativedelta

__all__ = [
    "CANONICAL_ORDER",
    "HORIZON",
    "MAX_OCCURRENCES",
    "Recurrence",
    "RecurrenceError",
    "parse_recurrence",
    "apply_limits",
]

# Order in which components are written back.  FREQ, then the end (COUNT or UNTIL), then INTERVAL
# - exactly the order of the spec's normalised example - then the BY* parts.
CANONICAL_ORDER: tuple[str, ...] = (
    "FREQ",
    "COUNT",
    "UNTIL",
    "INTERVAL",
    "BYMONTH",
    "BYMONTHDAY",
    "BYDAY",
    "BYSETPOS",
    "WKST",
)

# Occurrence caps for rules that have an end ([SM] createMeeting description).
MAX_OCCURRENCES: dict[str, int] = {"YEARLY": 5, "MONTHLY": 60, "WEEKLY": 261, "DAILY": 1826}

# "the actual furthest date accepted for the recurring meeting is five years from now"
HORIZON = relativedelta(years=5)

# Typed as the stubs' frequency literals (YEARLY=0 .. DAILY=3) so rrule() accepts them.
_FREQS: dict[str, Literal[0, 1, 2, 3]] = {"DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY, "YEARLY": du.YEARLY}
_WEEKDAYS = {"MO": du.MO, "TU": du.TU, "WE": du.WE, "TH": du.TH, "FR": du.FR, "SA": du.SA, "SU": du.SU}
_BYDAY_RE = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL_RE = re.compile(r"^(\d{8})(?:T(\d{6})(Z)?)?$")

# RFC 5545 components Webex cannot express for a meeting series (sub-day frequencies and the
# week-number / year-day selectors).  Named separately from "unknown" for a clearer message.
_UNSUPPORTED = {"BYSECOND", "BYMINUTE", "BYHOUR", "BYWEEKNO", "BYYEARDAY", "RDATE", "EXDATE"}


class RecurrenceError(ValueError):
    """An invalid or unsupported recurrence rule.  ``str(err)`` is the Webex error description."""


@dataclass(frozen=True)
class Recurrence:
    """A parsed, normalised RRULE.  ``until`` is always timezone-aware UTC."""

    freq: str
    interval: int = 1
    count: int | None = None
    until: datetime | None = None
    bymonth: tuple[int, ...] = ()
    bymonthday: tuple[int, ...] = ()
    byday: tuple[str, ...] = ()
    bysetpos: tuple[int, ...] = ()
    wkst: str | None = None

    @property
    def bounded(self) -> bool:
        """True when the rule has an end; only such rules get the 5-year / count truncation."""
        return self.count is not None or self.until is not None

    def to_string(self) -> str:
        """The canonical Webex spelling of this rule."""
        parts: dict[str, str] = {"FREQ": self.freq, "INTERVAL": str(self.interval)}
        if self.count is not None:
            parts["COUNT"] = str(self.count)
        if self.until is not None:
            parts["UNTIL"] = self.until.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        if self.bymonth:
            parts["BYMONTH"] = ",".join(str(v) for v in self.bymonth)
        if self.bymonthday:
            parts["BYMONTHDAY"] = ",".join(str(v) for v in self.bymonthday)
        if self.byday:
            parts["BYDAY"] = ",".join(self.byday)
        if self.bysetpos:
            parts["BYSETPOS"] = ",".join(str(v) for v in self.bysetpos)
        if self.wkst:
            parts["WKST"] = self.wkst
        return ";".join(f"{key}={parts[key]}" for key in CANONICAL_ORDER if key in parts)

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.to_string()

    def rule(self, dtstart: datetime) -> du.rrule:
        """A dateutil rule anchored at ``dtstart`` (aware, in the meeting's timezone).

        Expanding in the meeting's own timezone keeps the wall-clock time across DST changes,
        which is what a calendar series does.
        """
        byweekday = None
        if self.byday:
            byweekday = []
            for token in self.byday:
                m = _BYDAY_RE.match(token)
                assert m is not None  # validated at parse time
                nth, day = m.group(1), m.group(2)
                byweekday.append(_WEEKDAYS[day](int(nth)) if nth else _WEEKDAYS[day])
        return du.rrule(
            _FREQS[self.freq],
            dtstart=dtstart,
            interval=self.interval,
            count=self.count,
            until=self.until,
            bymonth=self.bymonth or None,
            bymonthday=self.bymonthday or None,
            byweekday=byweekday,
            bysetpos=self.bysetpos or None,
            wkst=_WEEKDAYS[self.wkst] if self.wkst else None,
            cache=False,
        )

    def occurrences(
        self, dtstart: datetime, *, after: datetime | None = None, before: datetime | None = None
    ) -> Iterator[datetime]:
        """Occurrence starts (aware) in ``[after, before)``, lazily (an unlimited rule never ends)."""
        for start in self.rule(dtstart):
            if before is not None and start >= before:
                return
            if after is not None and start < after:
                continue
            yield start


def _int_list(key: str, value: str, low: int, high: int, *, allow_negative: bool) -> tuple[int, ...]:
    out: list[int] = []
    for raw in value.split(","):
        try:
            num = int(raw)
        except ValueError:
            raise RecurrenceError(f"Invalid recurrence rule: '{key}={value}' is not a list of numbers.") from None
        ok = low <= abs(num) <= high if allow_negative else low <= num <= high
        if not ok or num == 0:
            raise RecurrenceError(f"Invalid recurrence rule: '{key}' value {num} is out of range.")
        out.append(num)
    return tuple(out)


def _parse_until(value: str, tz: timezone | object) -> datetime:
    """UNTIL as date, local date-time (meeting timezone) or UTC date-time -> aware UTC."""
    m = _UNTIL_RE.match(value)
    if not m:
        raise RecurrenceError(f"Invalid recurrence rule: 'UNTIL={value}' is not a valid date or date-time.")
    date_part, time_part, zulu = m.groups()
    try:
        naive = datetime.strptime(date_part + (time_part or "235959"), "%Y%m%d%H%M%S")
    except ValueError:
        raise RecurrenceError(f"Invalid recurrence rule: 'UNTIL={value}' is not a valid date or date-time.") from None
    if zulu:
        return naive.replace(tzinfo=timezone.utc)
    # A floating UNTIL is read in the meeting's timezone (RFC 5545 §3.3.10 ties it to DTSTART).
    return naive.replace(tzinfo=tz).astimezone(timezone.utc)  # type: ignore[arg-type]


def parse_recurrence(text: str, tz: timezone | object = timezone.utc) -> Recurrence:
    """Parse and syntactically normalise an RRULE string.

    ``tz`` is the meeting timezone (a ``tzinfo``), used only to read a floating ``UNTIL``.
    Raises ``RecurrenceError`` for anything Webex would reject.
    """
    if not isinstance(text, str) or not text.strip():
        raise RecurrenceError("Invalid recurrence rule: the rule is empty.")
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    components: dict[str, str] = {}
    for item in body.split(";"):
        if not item:
            continue  # tolerate a trailing ';'
        key, sep, value = item.partition("=")
        key = key.strip().upper()
        value = value.strip().upper()
        if not sep or not key or not value:
            raise RecurrenceError(f"Invalid recurrence rule: '{item}' is not a NAME=VALUE pair.")
        if key in components:
            raise RecurrenceError(f"Invalid recurrence rule: '{key}' appears more than once.")
        if key in _UNSUPPORTED:
            raise RecurrenceError(f"Invalid recurrence rule: '{key}' is not supported.")
        if key not in CANONICAL_ORDER:
            raise RecurrenceError(f"Invalid recurrence rule: unknown component '{key}'.")
        components[key] = value

    freq = components.get("FREQ")
    if freq is None:
        raise RecurrenceError("Invalid recurrence rule: 'FREQ' is required.")
    if freq not in _FREQS:
        raise RecurrenceError(f"Invalid recurrence rule: FREQ={freq} is not supported; use DAILY, WEEKLY, MONTHLY or YEARLY.")
    if "COUNT" in components and "UNTIL" in components:
        raise RecurrenceError("Invalid recurrence rule: 'COUNT' and 'UNTIL' cannot both be given.")

    for single in ("INTERVAL", "COUNT"):
        if "," in components.get(single, ""):
            raise RecurrenceError(f"Invalid recurrence rule: '{single}' takes a single number.")
    interval = 1
    if "INTERVAL" in components:
        (interval,) = _int_list("INTERVAL", components["INTERVAL"], 1, 999, allow_negative=False)
    count = None
    if "COUNT" in components:
        (count,) = _int_list("COUNT", components["COUNT"], 1, 10**6, allow_negative=False)
    until = _parse_until(components["UNTIL"], tz) if "UNTIL" in components else None

    bymonth = _int_list("BYMONTH", components["BYMONTH"], 1, 12, allow_negative=False) if "BYMONTH" in components else ()
    bymonthday = (
        _int_list("BYMONTHDAY", components["BYMONTHDAY"], 1, 31, allow_negative=True) if "BYMONTHDAY" in components else ()
    )
    bysetpos = _int_list("BYSETPOS", components["BYSETPOS"], 1, 366, allow_negative=True) if "BYSETPOS" in components else ()
    byday: tuple[str, ...] = ()
    if "BYDAY" in components:
        tokens = []
        for token in components["BYDAY"].split(","):
            m = _BYDAY_RE.match(token)
            if not m:
                raise RecurrenceError(f"Invalid recurrence rule: '{token}' is not a valid BYDAY value.")
            nth = m.group(1)
            if nth is not None:
                if freq not in ("MONTHLY", "YEARLY"):
                    # RFC 5545: numeric BYDAY prefixes only make sense for MONTHLY/YEARLY.
                    raise RecurrenceError(
                        f"Invalid recurrence rule: '{token}' (an ordinal BYDAY) needs FREQ=MONTHLY or FREQ=YEARLY."
                    )
                n = int(nth)
                if n == 0 or abs(n) > 5:
                    raise RecurrenceError(f"Invalid recurrence rule: '{token}' has an invalid week ordinal.")
                token = f"{n}{m.group(2)}"  # '+2TU' -> '2TU'
            tokens.append(token)
        byday = tuple(tokens)
    if bymonthday and freq == "WEEKLY":
        raise RecurrenceError("Invalid recurrence rule: 'BYMONTHDAY' cannot be used with FREQ=WEEKLY.")
    if bysetpos and freq not in ("MONTHLY", "YEARLY"):
        raise RecurrenceError("Invalid recurrence rule: 'BYSETPOS' needs FREQ=MONTHLY or FREQ=YEARLY.")
    wkst = components.get("WKST")
    if wkst is not None and wkst not in _WEEKDAYS:
        raise RecurrenceError(f"Invalid recurrence rule: 'WKST={wkst}' is not a weekday.")

    if freq in ("MONTHLY", "YEARLY"):
        # Webex keeps only the first day/date of a monthly or yearly rule ([SM] recurrence).
        bymonthday = bymonthday[:1]
        byday = byday[:1]

    return Recurrence(
        freq=freq,
        interval=interval,
        count=count,
        until=until,
        bymonth=bymonth,
        bymonthday=bymonthday,
        byday=byday,
        bysetpos=bysetpos,
        wkst=wkst,
    )


def apply_limits(rec: Recurrence, dtstart: datetime, now: datetime) -> Recurrence:
    """Truncate a bounded rule to Webex's limits, and check the rule yields an occurrence.

    ``dtstart`` is the first requested start (aware, meeting timezone); ``now`` is aware.
    Unbounded rules are returned unchanged ("the furthest date of the series is unlimited").
    """
    horizon = now + HORIZON
    first = rec.rule(dtstart).after(dtstart, inc=True)
    if first is None or (rec.bounded and first > horizon):
        raise RecurrenceError("Invalid recurrence rule: the rule does not produce any meeting occurrence.")
    if not rec.bounded:
        if first > dtstart + HORIZON:
            raise RecurrenceError("Invalid recurrence rule: the rule does not produce any meeting occurrence.")
        return rec

    cap = MAX_OCCURRENCES[rec.freq]
    kept: list[datetime] = []
    truncated = False
    for start in rec.rule(dtstart):
        if start > horizon or len(kept) == cap:
            truncated = True
            break
        kept.append(start)
    if not truncated:
        return rec
    if rec.count is not None:
        return replace(rec, count=len(kept))
    # An UNTIL rule stays an UNTIL rule; its end moves to the last occurrence that is kept.
    return replace(rec, until=kept[-1].astimezone(timezone.utc))
