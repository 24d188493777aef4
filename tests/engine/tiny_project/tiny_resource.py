"""A tiny dynamic resource for proving the engine, before any Webex resource exists.

It keeps its "remote" state in a JSON file so refresh and drift can be observed, and reads a
stand-in token through ``configure`` exactly as the real providers read ``webex:token``.
"""

import json
from pathlib import Path

from pulumi.dynamic import ConfigureRequest, CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult


class TinyProvider(ResourceProvider):
    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        # Runtime only: never pickled into state because the engine builds a fresh provider.
        self._token = req.config.get("tiny:token") or ""

    def _store(self, props):
        return Path(props["storePath"])

    def create(self, props):
        rec = {"value": props["value"], "tokenLength": len(self._token)}
        self._store(props).write_text(json.dumps(rec))
        return CreateResult(id_="tiny-1", outs={**props, **rec})

    def diff(self, _id, olds, news):
        changed = [k for k in ("value",) if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=[])

    def update(self, _id, olds, news):
        rec = {"value": news["value"], "tokenLength": len(self._token)}
        self._store(news).write_text(json.dumps(rec))
        return UpdateResult(outs={**news, **rec})

    def read(self, id_, props):
        p = self._store(props)
        if not p.exists():
            return ReadResult(id_=None, outs={})
        return ReadResult(id_=id_, outs={**props, **json.loads(p.read_text())})

    def delete(self, _id, props):
        self._store(props).unlink(missing_ok=True)


class Tiny(Resource, module="tiny", name="Tiny"):
    value: str
    tokenLength: int

    def __init__(self, name, value, store_path, opts=None):
        super().__init__(TinyProvider(), name, {"value": value, "storePath": store_path, "tokenLength": None}, opts)
