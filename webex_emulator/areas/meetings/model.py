"""Meeting domain model: ids, numbers, secrets, time rules and series/occurrence expansion.

Pure Python (no HTTP, no SQL).  The route layer loads a ``Series`` from storage, asks it for
occurrences, and renders them; every Webex rule that does not need the database lives here so
it can be unit-tested directly.

Sources: [SM] webex-meeting.json tag Meetings; docs/webex-behaviour.md "Ids" (meeting ids) and
"Meeting times and recurrence".
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .recurrence import Recurrence

__all__ = [
    "MIN_DURATION",
    "MAX_DURATION",
    "MeetingRuleError",
    "Occurrence",
    "OccurrenceException",
    "PasswordCriteria",
    "Series",
    "MeetingIdKind",
    "classify_meeting_id",
    "new_series_id",
    "occurrence_key",
    "occurrence_id",
    "new_meeting_number",
    "new_web_link_token",
    "web_link",
    "sip_address",
    "generate_password",
    "generate_numeric_secret",
    "validate_password",
    "parse_timestamp",
    "resolve_timezone",
    "normalise_schedule",
    "check_schedule_duration",
]

MIN_DURATION = timedelta(minutes=10)
MAX_DURATION = timedelta(hours=23, minutes=59)
MAX_START_AHEAD_YEARS = 10

_SERIES_ID_RE = re.compile(r"^[0-9a-f]{32}$")
_OCCURRENCE_ID_RE = re.compile(r"^([0-9a-f]{32})_(\d{8}T\d{6}Z)$")
_INSTANCE_ID_RE = re.compile(r"^([0-9a-f]{32})_I_(\d+)$")
_OCCURRENCE_KEY_FMT = "%Y%m%dT%H%M%SZ"


class MeetingRuleError(ValueError):
    """A request that breaks a Webex meeting rule; ``str(err)`` is the error description."""


# --------------------------------------------------------------------------------------------
# Identifiers (meeting ids are NOT base64: docs/webex-behaviour.md "Ids")
# --------------------------------------------------------------------------------------------


class MeetingIdKind:
    SERIES = "series"
    OCCURRENCE = "occurrence"
    INSTANCE = "instance"


def new_series_id() -> str:
    """32 lower-case hex digits, like ``870f51ff287b41be84648412901e0402``."""
    return secrets.token_hex(16)


def occurrence_key(original_start: datetime) -> str:
    """The ``YYYYMMDDTHHMMSSZ`` suffix of an occurrence id: its *original* start in UTC.

    The key never changes when an occurrence is moved, so clients can keep the id.
    """
    return original_start.astimezone(timezone.utc).strftime(_OCCURRENCE_KEY_FMT)


def occurrence_id(series_id: str, original_start: datetime) -> str:
    return f"{series_id}_{occurrence_key(original_start)}"


def key_to_datetime(key: str) -> datetime:
    return datetime.strptime(key, _OCCURRENCE_KEY_FMT).replace(tzinfo=timezone.utc)


def classify_meeting_id(meeting_id: str) -> tuple[str, str, str | None] | None:
    """``(kind, series_id, suffix)`` for a well-formed meeting id, else None."""
    if _SERIES_ID_RE.match(meeting_id):
        return MeetingIdKind.SERIES, meeting_id, None
    m = _OCCURRENCE_ID_RE.match(meeting_id)
    if m:
        return MeetingIdKind.OCCURRENCE, m.group(1), m.group(2)
    m = _INSTANCE_ID_RE.match(meeting_id)
    if m:
        return MeetingIdKind.INSTANCE, m.group(1), m.group(2)
    return None


def new_meeting_number(taken: Callable[[str], bool]) -> str:
    """A 10-digit meeting number (Webex numbers start with 2) not yet used on the site."""
    while True:
        number = "2" + "".join(secrets.choice(string.digits) for _ in range(9))
        if not taken(number):
            return number


def new_web_link_token() -> str:
    """The ``MTID`` value of a web link: 'm' + 32 hex (spec example ``md41817da6a5…``)."""
    return "m" + secrets.token_hex(16)


def web_link(site_url: str, token: str) -> str:
    # Spec example: https://site4-example.webex.com/site4/j.php?MTID=md41817da6a55b0925530cb88b3577b1e
    site_name = site_url.split(".", 1)[0].split("-", 1)[0]
    return f"https://{site_url}/{site_name}/j.php?MTID={token}"


def sip_address(meeting_number: str, site_url: str) -> str:
    return f"{meeting_number}@{site_url}"


# --------------------------------------------------------------------------------------------
# Secrets: passwords and host keys.  Generated with ``secrets`` and never logged.
# --------------------------------------------------------------------------------------------

_SPECIALS = "@#$%&*!"


@dataclass(frozen=True)
class PasswordCriteria:
    """A site's strong-password rules (commonSettings ``securityOptions.passwordCriteria``).

    Defaults are the spec's example values (minLength 8, minNumeric 2, minAlpha 4, minSpecial 1),
    which the spec's own example password ``BgJep@43`` satisfies.
    """

    require_strong_password: bool = True
    mixed_case: bool = True
    min_length: int = 8
    min_numeric: int = 2
    min_alpha: int = 4
    min_special: int = 1
    disallow_dynamic_web_text: bool = True
    disallow_list: bool = True
    disallow_values: tuple[str, ...] = ("password", "webex", "cisco")


def generate_password(criteria: PasswordCriteria = PasswordCriteria()) -> str:
    """A random password that satisfies ``criteria`` (what Webex does when none is given)."""
    rng = secrets.SystemRandom()
    n_digits = max(criteria.min_numeric, 2)
    n_special = max(criteria.min_special, 1)
    n_alpha = max(criteria.min_alpha, 6)
    length = max(criteria.min_length, n_digits + n_special + n_alpha)
    n_alpha = length - n_digits - n_special
    chars = [rng.choice(string.ascii_uppercase), rng.choice(string.ascii_lowercase)]
    chars += [rng.choice(string.ascii_letters) for _ in range(n_alpha - 2)]
    chars += [rng.choice(string.digits) for _ in range(n_digits)]
    chars += [rng.choice(_SPECIALS) for _ in range(n_special)]
    rng.shuffle(chars)
    password = "".join(chars)
    lowered = password.lower()
    if any(bad in lowered for bad in criteria.disallow_values):  # astronomically unlikely
        return generate_password(criteria)
    return password


def generate_numeric_secret(digits: int) -> str:
    """Host keys (6 digits) and phone/video-system passwords (8 digits)."""
    return "".join(secrets.choice(string.digits) for _ in range(digits))


def validate_password(password: Any, criteria: PasswordCriteria, *, dynamic_text: Iterable[str] = ()) -> None:
    """Raise ``MeetingRuleError`` when ``password`` breaks the site's rules.

    The mixed-case message is the spec's own example; the others follow its pattern.
    """
    prefix = "Meeting password validation failed."
    if not isinstance(password, str) or not password:
        raise MeetingRuleError(f"{prefix} The password must be a non-empty string.")
    if not criteria.require_strong_password:
        return
    if criteria.mixed_case and not (any(c.isupper() for c in password) and any(c.islower() for c in password)):
        raise MeetingRuleError(f"{prefix} A mix of uppercase and lowercase letters (A, a, B, b, C, c, etc.) is required.")
    if len(password) < criteria.min_length:
        raise MeetingRuleError(f"{prefix} The minimum length is {criteria.min_length} characters.")
    if sum(c.isdigit() for c in password) < criteria.min_numeric:
        raise MeetingRuleError(f"{prefix} At least {criteria.min_numeric} numeric characters are required.")
    if sum(c.isalpha() for c in password) < criteria.min_alpha:
        raise MeetingRuleError(f"{prefix} At least {criteria.min_alpha} alphabetical characters are required.")
    if sum(not c.isalnum() for c in password) < criteria.min_special:
        raise MeetingRuleError(f"{prefix} At least {criteria.min_special} special characters are required.")
    lowered = password.lower()
    if criteria.disallow_list and any(v and v.lower() in lowered for v in criteria.disallow_values):
        raise MeetingRuleError(f"{prefix} The password contains a value that is not allowed.")
    if criteria.disallow_dynamic_web_text:
        for text in dynamic_text:
            for word in re.split(r"[\s.@_-]+", text.lower()):
                if len(word) >= 4 and word in lowered:
                    raise MeetingRuleError(
                        f"{prefix} The password cannot contain the site name, host's name, username or meeting topic."
                    )


# --------------------------------------------------------------------------------------------
# Time rules (docs/webex-behaviour.md "Meeting times and recurrence")
# --------------------------------------------------------------------------------------------


def resolve_timezone(name: Any) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise MeetingRuleError("'timezone' must be an IANA time zone name.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MeetingRuleError(f"Time zone '{name}' is invalid.") from None


def parse_timestamp(value: Any, name: str, tz: ZoneInfo) -> datetime:
    """Parse an ISO 8601 value; a value without offset is read in the meeting's ``tz``.

    The spec's own create example sends ``"start": "2019-11-01 20:00:00"`` with
    ``"timezone": "Asia/Shanghai"`` - i.e. a local time in the meeting timezone.
    """
    if not isinstance(value, str) or not value.strip():
        raise MeetingRuleError(f"'{name}' must be an ISO 8601 date and time.")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise MeetingRuleError(f"'{name}' value '{value}' is not a valid ISO 8601 date and time.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def _floor_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def normalise_schedule(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    """Apply Webex's scheduling rules; return (start, end) as aware UTC datetimes.

    * both are accurate to the minute: seconds are dropped, and a start inside the current
      minute moves to the next minute ([SM] ``start`` description);
    * neither may be before now ("Parameter 'start' or 'end' is before current time", [MTG] rule 1);
    * start < end and 10 min <= duration <= 23 h 59 min;
    * start may not be 10 years or more ahead.
    """
    now_utc = now.astimezone(timezone.utc)
    start_utc = _floor_minute(start.astimezone(timezone.utc))
    end_utc = _floor_minute(end.astimezone(timezone.utc))
    this_minute = _floor_minute(now_utc)
    if start_utc == this_minute:
        start_utc = this_minute + timedelta(minutes=1)
    if start_utc < this_minute or end_utc < now_utc:
        raise MeetingRuleError("Parameter 'start' or 'end' is before current time.")
    check_schedule_duration(start_utc, end_utc)
    if start_utc >= now_utc.replace(year=now_utc.year + MAX_START_AHEAD_YEARS):
        raise MeetingRuleError("Meeting cannot start 10 years or more in the future.")
    return start_utc, end_utc


def check_schedule_duration(start: datetime, end: datetime) -> None:
    if end <= start:
        raise MeetingRuleError("Parameter 'end' must be after 'start'.")
    duration = end - start
    if duration < MIN_DURATION:
        raise MeetingRuleError("The duration of the meeting cannot be shorter than 10 minutes.")
    if duration > MAX_DURATION:
        raise MeetingRuleError("The duration of the meeting cannot be longer than 23 hours 59 minutes.")


# --------------------------------------------------------------------------------------------
# Series and occurrences
# --------------------------------------------------------------------------------------------


@dataclass
class OccurrenceException:
    """An occurrence that differs from its series: moved/edited (``isModified``) or cancelled.

    ``overrides`` holds only the fields set at occurrence level, so a later series-level change of
    another field still reaches the exception (calendar semantics).
    """

    key: str
    cancelled: bool = False
    start: datetime | None = None
    end: datetime | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    meeting_number: str | None = None
    web_link_token: str | None = None

    @property
    def modified(self) -> bool:
        return not self.cancelled


@dataclass(frozen=True)
class Occurrence:
    key: str  # original start, see occurrence_key()
    original_start: datetime
    start: datetime
    end: datetime
    exception: OccurrenceException | None

    @property
    def modified(self) -> bool:
        return self.exception is not None and self.exception.modified


@dataclass
class Series:
    """A meeting series: the first occurrence's times, the rule, and its exceptions."""

    id: str
    timezone: str
    start: datetime  # first occurrence start, aware
    end: datetime
    recurrence: Recurrence | None = None
    exceptions: dict[str, OccurrenceException] = field(default_factory=dict)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _local_start(self) -> datetime:
        return self.start.astimezone(self.tz)

    def pattern_starts(self, *, after: datetime | None = None, before: datetime | None = None) -> Iterator[datetime]:
        """Original (pattern) starts in ``[after, before)``, ignoring exceptions."""
        if self.recurrence is None:
            if (after is None or self.start >= after) and (before is None or self.start < before):
                yield self.start.astimezone(self.tz)
            return
        yield from self.recurrence.occurrences(self._local_start(), after=after, before=before)

    def is_pattern_key(self, key: str) -> bool:
        moment = key_to_datetime(key)
        return any(True for _ in self.pattern_starts(after=moment, before=moment + timedelta(seconds=1)))

    def _resolve(self, original: datetime) -> Occurrence | None:
        key = occurrence_key(original)
        exc = self.exceptions.get(key)
        if exc is None:
            return Occurrence(key, original, original, original + self.duration, None)
        if exc.cancelled:
            return None
        start = exc.start or original
        end = exc.end or start + self.duration
        return Occurrence(key, original, start, end, exc)

    def occurrences(self, *, after: datetime | None = None, before: datetime | None = None) -> list[Occurrence]:
        """Live occurrences overlapping ``[after, before)``, sorted by start.

        Moved exceptions are looked at separately because a move can take an occurrence far
        from its pattern position (the first/last occurrence have an open recurring interval).
        """
        if before is None and self.recurrence is not None and not self.recurrence.bounded:
            raise ValueError("the occurrences of an unlimited series need an upper bound")
        lower = after - self.duration if after is not None else None
        found: dict[str, Occurrence] = {}
        for original in self.pattern_starts(after=lower, before=before):
            key = occurrence_key(original)
            if key in self.exceptions:
                continue
            occ = self._resolve(original)
            if occ is not None and (after is None or occ.end > after):
                found[key] = occ
        for key, exc in self.exceptions.items():
            if exc.cancelled:
                continue
            occ = self._resolve(key_to_datetime(key).astimezone(self.tz))
            assert occ is not None
            if (after is None or occ.end > after) and (before is None or occ.start < before):
                found[key] = occ
        return sorted(found.values(), key=lambda o: (o.start, o.key))

    def occurrence(self, key: str) -> Occurrence | None:
        """The live occurrence with this key, or None (not in the pattern, or cancelled)."""
        if not self.is_pattern_key(key):
            return None
        return self._resolve(key_to_datetime(key).astimezone(self.tz))

    def current_occurrence(self, now: datetime) -> Occurrence | None:
        """The ongoing or next upcoming occurrence (what ``current=true`` refers to)."""
        if self.recurrence is None or self.recurrence.bounded:
            return next(iter(self.occurrences(after=now)), None)
        # An unlimited series: look ahead in growing windows instead of expanding forever.
        window = timedelta(days=32)
        while window < timedelta(days=366 * 12):
            upcoming = self.occurrences(after=now, before=now + window)
            if upcoming:
                return upcoming[0]
            window *= 2
        return None

    def first_start(self) -> datetime:
        """Start of the earliest live occurrence (an exception may have moved or cancelled it)."""
        candidates: list[datetime] = []
        for original in self.pattern_starts():  # lazy: stops at the first live occurrence
            occ = self._resolve(original)
            if occ is not None:
                candidates.append(occ.start)
                break
        for key, exc in self.exceptions.items():
            if not exc.cancelled:
                moved = self._resolve(key_to_datetime(key).astimezone(self.tz))
                if moved is not None:
                    candidates.append(moved.start)
        return min(candidates, default=self.start)

    def last_end(self) -> datetime | None:
        """End of the last live occurrence; None when the series never ends."""
        if self.recurrence is not None and not self.recurrence.bounded:
            return None
        return max((o.end for o in self.occurrences()), default=None)

    def span_overlaps(self, after: datetime, before: datetime) -> bool:
        """True when the series' lifetime overlaps ``[after, before)``.

        [SM] listMeetings: "any meeting series that overlaps with the time range specified by
        `from` and `to` will be listed" - a monthly series is listed for a window that falls
        between two of its occurrences.
        """
        last = self.last_end()
        if self.recurrence is not None and self.recurrence.bounded and last is None:
            return False  # every occurrence was cancelled
        return self.first_start() < before and (last is None or last > after)

    def state(self, now: datetime) -> str:
        """Series state: ``active`` while a future occurrence exists, else ``expired``."""
        last = self.last_end()
        return "active" if last is None or last > now else "expired"

    def recurring_interval(self, key: str) -> tuple[datetime | None, datetime | None]:
        """Where occurrence ``key`` may be moved ([MTG] update rule 5).

        From 00:00 of its own day (series timezone) to 00:00 of the next occurrence's day; the
        first occurrence has no lower bound and the last no upper bound.
        """
        tz = self.tz
        original = key_to_datetime(key).astimezone(tz)
        midnight = original.replace(hour=0, minute=0, second=0, microsecond=0)
        first = next(self.pattern_starts(), None)
        lower = None if first is not None and occurrence_key(first) == key else midnight
        nxt = next(self.pattern_starts(after=original + timedelta(seconds=1)), None)
        upper = None if nxt is None else nxt.replace(hour=0, minute=0, second=0, microsecond=0)
        return lower, upper


def occurrence_state(occ: Occurrence, now: datetime) -> str:
    """Scheduled-meeting state.  The emulator never runs a meeting, so a past one is ``missed``."""
    if now < occ.start:
        return "scheduled"
    if now < occ.end:
        return "ready"
    return "missed"
