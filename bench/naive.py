"""The naive design, for comparison: one Pulumi resource per user (scenario (d)).

What a straightforward provider does: each user's resource reads that user (``GET /people``)
to diff, and writes that user's licenses with its own ``PATCH /licenses/users``. It gets every
advantage ours has except the shared read: one client per provider process with the same
throttle settings, no GET in ``check``, and ``update`` sends a single idempotent PATCH without
re-reading. It manages only the declared pools (``managed``), like our distribution.

It is run the way an operator runs a project, one fresh ``python -m webex_iac`` process per
command: the Python SDK's ``serialize_provider`` wraps ``pickle._Pickler._batch_setitems`` once
more for every dynamic resource a process declares and never unwraps it, so one process cannot
declare more than ~985 dynamic resources (RecursionError; pulumi 3.272.0). A 10,000-user naive
stack therefore does not run at all; the bench measures subsets and shows the failure at 1,000.

The program reads ``naive.json`` beside the stack file: ``{"managed": [ids], "users":
{email: [ids it should hold among managed]}}`` and declares ``NaiveUserLicenses`` per user.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from resources import config_getter, make_client, settings_from_config, settings_key
from webex_client import normalize_id

_CLIENTS: dict[tuple, Any] = {}
_LOCK = threading.Lock()


class NaiveUserLicensesProvider(ResourceProvider):
    _key: tuple | None = None

    def configure(self, req) -> None:
        cfg = settings_from_config(config_getter(req.config))
        key = settings_key(cfg)
        with _LOCK:
            if key not in _CLIENTS:
                _CLIENTS[key] = make_client(cfg)
        self._key = key

    def __getstate__(self) -> dict:
        return {}

    @property
    def client(self):
        return _CLIENTS[self._key]

    @staticmethod
    def _held(person, managed: list[str]) -> list[str]:
        want = {normalize_id(m): m for m in managed}
        return sorted(want[normalize_id(x)] for x in person.licenses or [] if normalize_id(x) in want)

    def _patch(self, person_id: str, desired: list[str], managed: list[str]) -> list[str]:
        ops = [{"id": i, "operation": "add"} for i in desired] + [
            {"id": i, "operation": "remove"} for i in managed if i not in desired
        ]
        res = self.client.licenses.assign({"personId": person_id, "licenses": ops})
        return self._held(res, managed)

    def create(self, props: dict[str, Any]) -> CreateResult:
        person = self.client.people.find_by_email(props["email"])
        if person is None:
            raise ValueError(f"{props['email']} is not a person in the org")
        held = self._held(person, props["managed"])
        if held != sorted(props["licenses"]):
            held = self._patch(person.id, props["licenses"], props["managed"])
        return CreateResult(person.id, {**props, "held": held})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        person = self.client.people.get(id_)
        changed = self._held(person, news["managed"]) != sorted(news["licenses"])
        return DiffResult(changes=changed or olds.get("licenses") != news["licenses"])

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult({**news, "held": self._patch(id_, news["licenses"], news["managed"])})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        person = self.client.people.get(id_)
        return ReadResult(id_, {**props, "held": self._held(person, props["managed"])})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        return None


class NaiveUserLicenses(Resource, module="bench", name="NaiveUserLicenses"):
    def __init__(
        self, name: str, email: str, licenses: list[str], managed: list[str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(
            NaiveUserLicensesProvider(),
            name,
            {"email": email, "licenses": sorted(licenses), "managed": sorted(managed), "held": None},
            opts,
        )


def write_declaration(root: Path, managed: list[str], users: dict[str, list[str]]) -> None:
    (root / "naive.json").write_text(json.dumps({"managed": managed, "users": users}))


MAIN = """from pathlib import Path

from bench.naive import program

program(Path(__file__).resolve().parent)()
"""


def write_project(root: Path) -> None:
    """The project's ``__main__.py``: what ``python -m webex_iac up --project-dir`` runs."""
    (root / "__main__.py").write_text(MAIN)


def program(root: Path):
    def declare() -> None:
        doc = json.loads((root / "naive.json").read_text())
        for email, licenses in sorted(doc["users"].items()):
            NaiveUserLicenses(f"user-{email.split('@')[0]}", email, licenses, doc["managed"])

    return declare
