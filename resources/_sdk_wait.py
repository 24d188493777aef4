"""The SDK's quadratic wait for outstanding outputs, made linear (issue 14, bench (g)).

``pulumi/runtime/stack.py`` (pulumi 3.272.0), ``wait_for_rpcs``: after the program returns,
the SDK waits for every outstanding ``Output`` task in a loop of
``asyncio.wait(pending, return_when=FIRST_COMPLETED)``: each round hooks a callback onto every
pending task, returns after the first completion, and starts again with the rest. A dynamic
resource makes one Output per property (a standing meeting ~20), and they resolve only as the
engine answers each registration, so a program of n resources runs ~n rounds over ~20·n
tasks: at 3,000 standing meetings the program host spent ~100 CPU-seconds in
``asyncio.wait`` alone, more than the engine and the provider together
(docs/pulumi-checkpoints.md, "The SDK's side").

The loop only needs to learn of the first *failure* early (it awaits each finished task to
re-raise its exception) and to pick up outputs created meanwhile (its next round does). So
``FIRST_EXCEPTION`` keeps its behaviour: one round hooks each task once, returns at the first
exception or when all are done. We give the SDK's ``stack`` module an ``asyncio`` whose
``wait`` asks for that; nothing else of ``asyncio`` changes, for the SDK or anyone else.
"""

from __future__ import annotations

import asyncio
import types
from typing import Any

_MARK = "_webex_iac_linear_wait"


class _Asyncio(types.ModuleType):
    """``asyncio`` as the SDK's ``stack`` module sees it: the same, but for ``wait``."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def wait(fs, *, timeout=None, return_when=asyncio.ALL_COMPLETED):
        if return_when == asyncio.FIRST_COMPLETED:
            return_when = asyncio.FIRST_EXCEPTION
        return await asyncio.wait(fs, timeout=timeout, return_when=return_when)


def neutralise_quadratic_wait() -> None:
    """Idempotent; a no-op if the SDK's ``stack`` module no longer uses ``asyncio`` this way."""
    from pulumi.runtime import stack as sdk_stack

    if getattr(sdk_stack, "asyncio", None) is not asyncio:  # already done, or the SDK changed
        return
    shim = _Asyncio("asyncio")
    setattr(shim, _MARK, True)
    sdk_stack.asyncio = shim
