"""The SDK's wait for outstanding outputs is one round, not one per output (resources/_sdk_wait.py).

Counted, never timed: ``wait_for_rpcs`` over outputs that resolve one after another calls
``asyncio.wait`` about once with the guard; the SDK's own loop calls it once per resolution
(quadratic work: every call hooks every pending task).
"""

from __future__ import annotations

import asyncio

import pytest
from pulumi import Output
from pulumi.runtime import stack as sdk_stack
from pulumi.runtime.settings import SETTINGS

import resources  # noqa: F401  (installs the guard)
from resources._sdk_wait import neutralise_quadratic_wait

OUTPUTS = 200


async def _rounds_to_wait_for_staggered_outputs(monkeypatch) -> int:
    real_wait, rounds = asyncio.wait, 0

    async def counting_wait(*a, **kw):
        nonlocal rounds
        rounds += 1
        return await real_wait(*a, **kw)

    monkeypatch.setattr(asyncio, "wait", counting_wait)
    SETTINGS.outputs.clear()

    async def resolve_in_turn(futures):
        for f in futures:  # one per event-loop turn, as registrations answer one by one
            await asyncio.sleep(0)
            f.set_result("v")

    loop = asyncio.get_running_loop()
    futures = [loop.create_future() for _ in range(OUTPUTS)]
    known = loop.create_future()
    known.set_result(True)
    outs = [Output(set(), f, known) for f in futures]
    resolver = asyncio.ensure_future(resolve_in_turn(futures))
    await sdk_stack.wait_for_rpcs()
    await resolver
    assert all(o._data.done() for o in outs)
    return rounds


def test_waiting_for_outputs_that_resolve_one_by_one_takes_a_few_rounds_not_one_per_output(monkeypatch):
    assert asyncio.run(_rounds_to_wait_for_staggered_outputs(monkeypatch)) <= 3


def test_the_sdk_loop_alone_takes_a_round_per_output(monkeypatch):
    """Proves the guard is what makes the difference (and tells us when the SDK is fixed)."""
    monkeypatch.setattr(sdk_stack, "asyncio", asyncio)
    assert asyncio.run(_rounds_to_wait_for_staggered_outputs(monkeypatch)) >= OUTPUTS // 2


def test_the_first_failure_still_ends_the_wait_at_once():
    async def main():
        loop = asyncio.get_running_loop()
        never = loop.create_future()

        async def fail():
            raise RuntimeError("boom")

        failing = asyncio.ensure_future(fail())
        done, pending = await sdk_stack.asyncio.wait({never, failing}, return_when=asyncio.FIRST_COMPLETED)
        never.cancel()
        return done, pending, failing, never

    done, pending, failing, never = asyncio.run(main())
    assert done == {failing} and pending == {never}
    with pytest.raises(RuntimeError):
        failing.result()


def test_guard_is_installed_once_and_leaves_the_rest_of_asyncio_alone():
    shim = sdk_stack.asyncio
    assert shim is not asyncio and shim.sleep is asyncio.sleep and shim.FIRST_COMPLETED == asyncio.FIRST_COMPLETED
    neutralise_quadratic_wait()
    assert sdk_stack.asyncio is shim
    assert asyncio.wait.__module__ == "asyncio.tasks"  # nobody else's asyncio changed
