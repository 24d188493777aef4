"""The webex-iac policy pack (see policies/README.md)."""

from __future__ import annotations

from .context import CONTEXT, Missing, install_configure_hook
from .packconfig import load_pack_config
from .rules import DEFAULTS, policies

PACK_NAME = "webex-iac"


def serve() -> None:
    """Serve the pack to the engine (blocks until the engine stops it, or dies)."""
    from pulumi_policy import EnforcementLevel, PolicyPack

    from resources import lifeline as _lifeline  # shared with the providers (owned with issue 15)

    install_configure_hook()
    # Exit with the engine: the language host that runs the pack checks it only every five
    # minutes, so the pack watches the engine's address (argv) and takes its host along.
    if not _lifeline.release_language_host():
        _lifeline.watch()
    PolicyPack(
        name=PACK_NAME, enforcement_level=EnforcementLevel.MANDATORY, policies=policies(), initial_config=load_pack_config()
    )


__all__ = ["CONTEXT", "DEFAULTS", "Missing", "PACK_NAME", "policies", "serve"]
