"""The webex-iac policy pack (see policies/README.md)."""
from __future__ import annotations

from .context import CONTEXT, install_configure_hook
from .rules import DEFAULTS, policies

PACK_NAME = "webex-iac"


def serve() -> None:
    """Serve the pack to the engine (blocks until the engine stops it)."""
    from pulumi_policy import EnforcementLevel, PolicyPack

    install_configure_hook()
    PolicyPack(name=PACK_NAME, enforcement_level=EnforcementLevel.MANDATORY, policies=policies())


__all__ = ["CONTEXT", "DEFAULTS", "PACK_NAME", "policies", "serve"]
