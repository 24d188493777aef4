"""The webex-iac policy pack (see policies/README.md)."""
from __future__ import annotations

import sys

from .context import CONTEXT, Missing, install_configure_hook
from .packconfig import load_pack_config
from .rules import DEFAULTS, policies

PACK_NAME = "webex-iac"


def serve() -> None:
    """Serve the pack to the engine (blocks until the engine stops it, or dies)."""
    from pulumi_policy import EnforcementLevel, PolicyPack

    from . import lifeline

    install_configure_hook()
    # argv[1] is the engine's address under every host (`pulumi.policy <addr> <dir>`).
    lifeline.watch(sys.argv[1] if len(sys.argv) > 1 else None)
    PolicyPack(name=PACK_NAME, enforcement_level=EnforcementLevel.MANDATORY, policies=policies(),
               initial_config=load_pack_config())


__all__ = ["CONTEXT", "DEFAULTS", "Missing", "PACK_NAME", "policies", "serve"]
