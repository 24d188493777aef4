"""Pieces every resource kind shares: the input-model base, emails, owners, license references."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


def _email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    # Webex matches emails case-insensitively; one spelling keeps diffs stable.
    return value.lower()


Email = Annotated[str, AfterValidator(_email)]

# The Migration to Improved Space Meetings: a space (roomId) is no longer a meeting destination.
ERROR_30105 = (
    "error 30105: Using the space ID as a destination is no longer supported. "
    "Please refer to the migration section in this document to use the meeting ID or SIP address."
)


class Model(BaseModel):
    """Input models: camelCase in YAML and in Pulumi state, snake_case in Python, no unknown keys."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=False)

    def to_props(self) -> dict[str, Any]:
        """The plain dict Pulumi stores as this resource's inputs."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


Owner = Annotated[str, Field(min_length=1, description="Owning team or email, for reviewers and the ownership policy.")]


class LicenseRef(Model):
    """Which license pool: by id, or by the meeting site it belongs to, or by name.

    Names are only a last resort: Webex renamed license products in 2026 (REFERENCE.md §1.2).
    """

    id: str | None = Field(default=None, description="License id (base64 ciscospark://us/LICENSE/...).")
    site_url: str | None = Field(default=None, description="Meeting site of a meeting license pool, e.g. acme.webex.com.")
    name: str | None = Field(default=None, description="License name, e.g. 'Meeting - Webex Meeting Center'.")
    subscription_id: str | None = Field(default=None, description="Disambiguates two pools with the same site or name.")

    @model_validator(mode="after")
    def _one_key(self) -> "LicenseRef":
        if not (self.id or self.site_url or self.name):
            raise ValueError("a license needs one of id, siteUrl or name")
        return self

    def describe(self) -> str:
        return self.id or self.site_url or self.name or "?"


# --- the SDK's pickler leak ------------------------------------------------------------------
# pulumi/dynamic/dynamic.py (pulumi 3.272.0), ``serialize_provider`` — run by every dynamic
# ``Resource.__init__`` — sets ``pickle._Pickler._batch_setitems`` to a sorting wrapper of
# whatever is there *now*, and in its ``finally`` restores only ``pickle.Pickler``. Each
# declaration therefore nests one more wrapper: pickling gets slower with every resource and
# the ~986th declaration in one process raises RecursionError. Minimal reproduction:
# docs/pulumi-pickler-leak.md. We restore the two class attributes it overwrites after each
# call; the sorting it wants still applies during the call.

_PATCHED = "_webex_iac_restores_pickler"


def neutralise_pickler_leak() -> None:
    """Wrap the SDK's ``serialize_provider`` once per process so it leaves ``pickle._Pickler``
    as it found it. Idempotent; a no-op if a fixed SDK no longer has the function."""
    import pickle

    from pulumi.dynamic import dynamic as sdk

    original = getattr(sdk, "serialize_provider", None)
    if original is None or getattr(original, _PATCHED, False):
        return

    def serialize_provider(provider: Any) -> str:
        saved = {name: pickle._Pickler.__dict__[name] for name in ("_batch_setitems", "save_dict")}
        try:
            return original(provider)
        finally:
            for name, value in saved.items():
                setattr(pickle._Pickler, name, value)

    setattr(serialize_provider, _PATCHED, True)
    serialize_provider.__wrapped__ = original  # type: ignore[attr-defined]
    sdk.serialize_provider = serialize_provider  # Resource.__init__ looks it up at call time


neutralise_pickler_leak()

# The SDK's other per-resource cost: its wait for outstanding outputs is quadratic (resources/_sdk_wait.py).
from ._sdk_wait import neutralise_quadratic_wait  # noqa: E402

neutralise_quadratic_wait()
