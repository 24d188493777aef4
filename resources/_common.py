"""Pieces every resource kind shares: the input-model base, emails, owners, license references."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

# One definition for every reader of an org (webex_iac/org_model.py), re-exported for the kinds.
from webex_iac.org_model import LicenseRef as LicenseRef

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
