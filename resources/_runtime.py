"""What a provider process knows at run time: its config, one client, one read of the org.

Nothing here is ever pickled. Providers are pickled into state (dill, by reference since they
live in this importable package); a provider keeps only the *key* of its runtime, set in
``configure`` inside the provider process. One provider process serves every dynamic resource
of a run on 4 worker threads, so the org is read once (people with their licenses, the
license pools, the groups) and shared by all resources, and the snapshot is kept current by
writing our own changes through to it.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from pydantic.alias_generators import to_camel

from webex_client import ClientSettings, WebexClient, token_from_env
from webex_client.types.licenses import License
from webex_client.types.people import primary_email

# Config keys read by every provider (namespace `webex`).
CONFIG_KEYS = (
    "baseUrl",
    "orgId",
    "token",
    "serviceAppId",
    "serviceAppClientId",
    "serviceAppClientSecret",
    "mintingToken",
)


class ConfigError(ValueError):
    """Provider configuration is missing or inconsistent; the message says which key."""


class MissingCredentials(ConfigError):
    """Neither a token nor a Service App is configured."""


def settings_from_config(get) -> ClientSettings:
    """The one :class:`~webex_client.ClientSettings` of a provider, a policy run or discover.

    ``get(key)`` returns the value of ``webex:<key>`` (already decrypted) or None. Every field is
    a config key (``webex:maxRetries`` …); config wins, then ``WEBEX_BASE_URL`` (lets `make`
    point the dev stack at its emulator port) and the token variable (``WEBEX_ACCESS_TOKEN``,
    or the deprecated ``WEBEX_TOKEN``). Invalid values raise :class:`ConfigError` naming the key.
    """
    values = {to_camel(name): get(to_camel(name)) for name in ClientSettings.model_fields}
    values["baseUrl"] = values["baseUrl"] or os.environ.get("WEBEX_BASE_URL")
    if not values["token"]:
        values["token"] = token_from_env()[0]
    if not values["token"] and not values["serviceAppId"]:
        raise MissingCredentials(
            "no Webex credentials: set `pulumi config set --secret webex:token <admin token>` "
            "or the Service App keys webex:serviceAppId, webex:serviceAppClientId, "
            "webex:serviceAppClientSecret (secret) and webex:mintingToken (secret)"
        )
    try:
        return ClientSettings.from_config(values)
    except ValueError as e:
        raise ConfigError(str(e)) from None


def settings_key(settings: ClientSettings) -> tuple:
    """Identity of a runtime; secrets enter only as a hash so the key is safe to log."""
    return (
        tuple(sorted(settings.model_dump().items())),
        hash((settings.token, settings.service_app_client_secret, settings.minting_token)),
    )


def make_client(settings: ClientSettings) -> WebexClient:
    """The provider's client for ``settings`` (its token or Service App), counting API calls."""
    try:
        token = settings.token_source()
    except ValueError as e:  # incomplete Service App keys
        raise ConfigError(str(e)) from None
    return _count_calls(WebexClient(token, settings=settings))


def _count_calls(client: WebexClient) -> WebexClient:
    """WEBEX_IAC_API_CALLS_FILE=path (set per org by `webex-iac fleet`): append one line per HTTP
    attempt this process sends (retries included), ``METHOD``, for the fleet's "API calls" column.
    Counted here because only the provider process talks to Webex."""
    path = os.environ.get("WEBEX_IAC_API_CALLS_FILE")
    if path:

        def record(request) -> None:
            # One short O_APPEND write per line: lines from the provider's threads never interleave.
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, f"{request.method}\n".encode())
            finally:
                os.close(fd)

        client._http.event_hooks["request"].append(record)
    return client


@dataclass(slots=True)
class SnapshotPerson:
    """What a run needs of a person, nothing more: the people read is the provider's biggest
    cost at 100,000 users. A full :class:`~webex_client.types.people.Person` keeps every field
    (``extra="allow"``): 2.6 MB per 1,000 people against 0.7 MB here, and validating it costs
    ~6× a plain ``json.loads`` (bench/README.md, (f)). Same attribute names as ``Person``."""

    id: str | None
    emails: list[str] | None
    # Tuples: one object per distinct value is shared by everyone who has it (see _shared);
    # our own writes replace them (record_assignment), nothing changes one in place.
    licenses: Sequence[str] | None
    site_urls: Sequence[str] | None


def _list(value: Any) -> list[str] | None:
    # The People API's shape (lists of strings) is held to the spec by the emulator's contract
    # tests; a per-element check would double the cost of the read at 100,000 people.
    return value if isinstance(value, list) else None


def _shared(value: Any, seen: dict[tuple, tuple]) -> tuple[str, ...] | None:
    # License ids and site URLs repeat across the whole org: at 100,000 people a handful of
    # distinct lists, so each person points at one shared tuple instead of holding a list of
    # its own (~16 MB, and one dict probe per person instead of one intern per element).
    if not isinstance(value, list):
        return None
    key = tuple(value)
    try:
        return seen.setdefault(key, key)
    except TypeError:  # an element that is not a string (off-spec): kept, not shared
        return key


def _parse_people_page(content: bytes, seen: dict[tuple, tuple] | None = None) -> list[SnapshotPerson]:
    """One page of ``GET /people``: json.loads (C) and four fields per person; anything else
    of the page is dropped at once. ``seen``: the shared tuples of the whole read."""
    seen = {} if seen is None else seen
    items = json.loads(content).get("items") or []
    return [
        SnapshotPerson(
            raw.get("id") if isinstance(raw.get("id"), str) else None,
            _list(raw.get("emails")),
            _shared(raw.get("licenses"), seen),
            _shared(raw.get("siteUrls"), seen),
        )
        for raw in items
        if isinstance(raw, dict)
    ]


class OrgSnapshot:
    """One read of the org, shared by every resource of a run and updated by our own writes."""

    def __init__(self, client: WebexClient, org_id: str | None) -> None:
        self._client = client
        self._org_id = org_id
        self._lock = threading.RLock()
        self._people: dict[str, SnapshotPerson] | None = None  # by lower-case email
        self._people_by_id: dict[str, SnapshotPerson] = {}
        self._licenses: dict[str, License] | None = None
        self._groups: dict[str, Any] | None = None  # by display name
        self._group_members: dict[str, list[str]] = {}  # group id -> person ids

    # -- people ---------------------------------------------------------------------------
    def people(self) -> dict[str, SnapshotPerson]:
        with self._lock:
            if self._people is None:
                people: dict[str, SnapshotPerson] = {}
                pages = self._client.people.list(org_id=self._org_id, page_size=1000)  # fewest pages
                seen: dict[tuple, tuple] = {}
                for p in pages.lean(lambda content: _parse_people_page(content, seen)):
                    for email in p.emails or []:
                        people[email.lower()] = p
                    if p.id:
                        self._people_by_id[p.id] = p
                self._people = people
            return self._people

    def person(self, email: str) -> SnapshotPerson | None:
        return self.people().get(email.lower())

    def person_by_id(self, person_id: str) -> SnapshotPerson | None:
        self.people()
        return self._people_by_id.get(person_id)

    def primary_email(self, person: SnapshotPerson) -> str:
        return primary_email(person)

    # -- licenses -------------------------------------------------------------------------
    def licenses(self) -> dict[str, License]:
        with self._lock:
            if self._licenses is None:
                self._licenses = {lic.id: lic for lic in self._client.licenses.list(org_id=self._org_id)}
            return self._licenses

    def refresh_licenses(self, ids: Iterable[str] | None = None) -> None:
        """Re-read pool counters (one call) before a write that depends on capacity."""
        with self._lock:
            self._licenses = {lic.id: lic for lic in self._client.licenses.list(org_id=self._org_id)}

    def holders(self, license_id: str) -> set[str]:
        """Person ids holding ``license_id`` (from the people read, so no per-pool paging)."""
        self.people()
        return {pid for pid, p in self._people_by_id.items() if license_id in (p.licenses or [])}

    def record_assignment(self, person_id: str, licenses: list[str], site_urls: list[str] | None) -> None:
        """Write our own PATCH result through, so later diffs in this run see it."""
        with self._lock:
            p = self.person_by_id(person_id)
            if p is None:
                return
            before = set(p.licenses or [])
            p.licenses = list(licenses)
            if site_urls is not None:
                p.site_urls = list(site_urls)
            lic = self.licenses()
            for gained in set(licenses) - before:
                pool = lic.get(gained)
                if pool is not None and pool.consumed_units is not None:
                    pool.consumed_units += 1
            for lost in before - set(licenses):
                pool = lic.get(lost)
                if pool is not None and pool.consumed_units is not None:
                    pool.consumed_units -= 1

    # -- groups ---------------------------------------------------------------------------
    def groups(self) -> dict[str, Any]:
        with self._lock:
            if self._groups is None:
                # A group without a name cannot be named by a stack file (nor compared by the
                # policy pack's norm()), so it is not indexed.
                self._groups = {
                    g.display_name: g for g in self._client.groups.list(org_id=self._org_id) if g.display_name is not None
                }
            return self._groups

    def group_member_ids(self, group_name: str) -> list[str] | None:
        group = self.groups().get(group_name)
        if group is None:
            return None
        with self._lock:
            if group.id not in self._group_members:
                self._group_members[group.id] = [m.id for m in self._client.groups.list_members(group.id)]
            return self._group_members[group.id]


class Runtime:
    def __init__(self, config: ClientSettings, raw_get=None) -> None:
        self.config = config
        # Any stack config value by full key ("project:key"); kept in memory only.
        self.raw_get = raw_get or (lambda key: None)
        self._client: WebexClient | None = None
        self._snapshot: OrgSnapshot | None = None
        self._token_org: str | None = None  # the token's org (people/me), read once
        self._lock = threading.Lock()

    @property
    def client(self) -> WebexClient:
        with self._lock:
            if self._client is None:
                self._client = make_client(self.config)
            return self._client

    @property
    def org_id(self) -> str | None:
        """webex:orgId, else the org of the token (people/me), read once."""
        if self.config.org_id:
            return self.config.org_id
        with self._lock:
            if self._token_org is not None:
                return self._token_org
        org = self.client.people.me().org_id
        with self._lock:
            self._token_org = org
        return org

    @property
    def snapshot(self) -> OrgSnapshot:
        client = self.client
        with self._lock:
            if self._snapshot is None:
                self._snapshot = OrgSnapshot(client, self.config.org_id)
            return self._snapshot


_RUNTIMES: dict[tuple, Runtime] = {}
_RUNTIMES_LOCK = threading.Lock()


def runtime_for(config: ClientSettings, raw_get=None) -> tuple:
    key = settings_key(config)
    with _RUNTIMES_LOCK:
        if key not in _RUNTIMES:
            _RUNTIMES[key] = Runtime(config, raw_get)
    return key


def get_runtime(key: tuple | None) -> Runtime:
    if key is None:
        raise ConfigError("the provider was not configured (pulumi >= 3.139 calls configure)")
    return _RUNTIMES[key]


def config_getter(config: Any, namespace: str = "webex"):
    """Adapt pulumi.dynamic's Config (``get('ns:key')``) or a plain mapping to ``get(key)``."""
    raw = raw_getter(config)
    return lambda key: raw(f"{namespace}:{key}")


def raw_getter(config: Any):
    """``get('namespace:key')`` over pulumi.dynamic's Config or a plain mapping."""
    if isinstance(config, Mapping):
        return lambda key: config.get(key)
    return lambda key: config.get(key)


def reset_runtimes() -> None:
    """For tests: forget clients and snapshots (a new provider process would)."""
    with _RUNTIMES_LOCK:
        for rt in _RUNTIMES.values():
            if rt._client is not None:
                rt._client.close()
        _RUNTIMES.clear()


def _debug_hooks() -> None:
    """WEBEX_IAC_STACKS_FILE=path: SIGUSR1 dumps every thread's stack there (hang diagnosis)."""
    path = os.environ.get("WEBEX_IAC_STACKS_FILE")
    if path:
        import faulthandler
        import signal

        faulthandler.register(signal.SIGUSR1, file=open(path, "a"), all_threads=True)  # noqa: SIM115


_debug_hooks()
